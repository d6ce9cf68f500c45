-- Sign-in, before anyone is signed in (rls_anon): the account an e-mail address (or, without an @, a username)
-- names, with the hash the API checks the password against. Deleted accounts are not found.
CREATE OR REPLACE FUNCTION app_auth.login_lookup(p_email text)
 RETURNS TABLE(id uuid, hashed_password text, is_active boolean, token_version integer)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  SELECT u.id, u.hashed_password, u.is_active, u.token_version FROM public.users u
  WHERE u.deleted_at IS NULL
    AND CASE WHEN position('@' in p_email) > 0 THEN u.email = lower(btrim(p_email))
             ELSE u.username = lower(btrim(p_email)) END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.login_lookup(text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.login_lookup(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.login_lookup(text) TO rls_anon;
