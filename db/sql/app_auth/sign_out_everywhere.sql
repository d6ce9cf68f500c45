-- Signing out everywhere: every access token issued so far stops working (token_version), and every session
-- ends (their refresh tokens stop working).
CREATE OR REPLACE FUNCTION app_auth.sign_out_everywhere()
 RETURNS integer
 LANGUAGE sql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  UPDATE public.auth_sessions SET revoked_at = now()
  WHERE owner_id = nullif(current_setting('app.current_user_id', true), '')::uuid AND revoked_at IS NULL;
  UPDATE public.users SET token_version = token_version + 1
  WHERE id = nullif(current_setting('app.current_user_id', true), '')::uuid AND deleted_at IS NULL
  RETURNING token_version
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.sign_out_everywhere() OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.sign_out_everywhere() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.sign_out_everywhere() TO rls_app_user;
