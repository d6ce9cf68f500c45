-- The rate-limit rules in force, for a rate limiter kept outside the database (Redis): it reads them every few
-- seconds and applies them as app_auth.begin_request does (the caller's tier's longest matching path; anonymous
-- callers and users of a deleted tier get the default tier's rules). Rules and tiers are not secrets, but the
-- login role reaches no table: hence a function.
CREATE OR REPLACE FUNCTION app_auth.rate_limit_rules()
 RETURNS TABLE(id uuid, tier_id uuid, path text, "limit" integer, period integer, is_default boolean)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  SELECT r.id, r.tier_id, r.path::text, r."limit", r.period, t.is_default
  FROM public.rate_limits r JOIN public.tiers t ON t.id = r.tier_id
  WHERE r.deleted_at IS NULL AND (t.deleted_at IS NULL OR t.is_default)
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.rate_limit_rules() OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.rate_limit_rules() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.rate_limit_rules() TO rls_authenticator;
