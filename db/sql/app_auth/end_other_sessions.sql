-- The trigger on users by which a changed e-mail or password ends every other session of the user: the
-- caller's own session (app.session_id, set by the request's context statement) survives, so the client
-- refreshes and goes on; a superuser's or maintenance change (no session of the user) ends them all.
CREATE OR REPLACE FUNCTION app_auth.end_other_sessions()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
  UPDATE public.auth_sessions SET revoked_at = now()
  WHERE owner_id = NEW.id AND revoked_at IS NULL
    AND id IS DISTINCT FROM nullif(current_setting('app.session_id', true), '')::uuid;
  RETURN NULL;
END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.end_other_sessions() OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.end_other_sessions() FROM PUBLIC;
