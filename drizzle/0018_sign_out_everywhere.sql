-- Signing out everywhere: the caller's token_version goes up by one, so every access token issued before stops
-- working at its next request (the context statement compares versions). Users may not write token_version
-- (a lower one would revive old tokens): this function only ever adds one, to the caller's own row.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
CREATE FUNCTION app_auth.sign_out_everywhere() RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  UPDATE public.users SET token_version = token_version + 1
  WHERE id = nullif(current_setting('app.current_user_id', true), '')::uuid AND deleted_at IS NULL
  RETURNING token_version
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.sign_out_everywhere() OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.sign_out_everywhere() FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA app_auth TO rls_app_user;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.sign_out_everywhere() TO rls_app_user;
