-- What drizzle-kit does not emit: FORCE row level security (so even the table owner obeys the policies),
-- GRANTs for the request roles, and the narrow functions that let a request find a user before anyone has
-- signed in, without a privileged connection.

CREATE SCHEMA IF NOT EXISTS app_private;
--> statement-breakpoint
REVOKE ALL ON SCHEMA app_private FROM PUBLIC;
--> statement-breakpoint
-- One line per new user-owned table: `select app_private.secure_user_table('public.<table>');`
CREATE OR REPLACE FUNCTION app_private.secure_user_table(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO rls_app_user, rls_app_superuser, rls_maintenance_admin', tbl);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_private.secure_user_table(regclass) FROM PUBLIC;
--> statement-breakpoint
SELECT app_private.secure_user_table('public.items');
--> statement-breakpoint
ALTER TABLE public.users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- A user reads its own row and changes only these columns: never is_active or is_superuser.
GRANT SELECT ON public.users TO rls_app_user;
--> statement-breakpoint
GRANT UPDATE (email, hashed_password, full_name, updated_at) ON public.users TO rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.users TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS app_auth;
--> statement-breakpoint
-- The auth functions run as their owner, rls_maintenance_admin (BYPASSRLS), which must be able to own
-- objects in the schema; request roles may only execute the functions granted to them below.
GRANT USAGE, CREATE ON SCHEMA app_auth TO rls_maintenance_admin;
--> statement-breakpoint
GRANT USAGE ON SCHEMA app_auth TO rls_anon, rls_authenticator;
--> statement-breakpoint
-- Login: the stored hash of one e-mail address, nothing else.
CREATE OR REPLACE FUNCTION app_auth.login_lookup(p_email text)
RETURNS TABLE (id uuid, hashed_password text, is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT u.id, u.hashed_password, u.is_active FROM public.users u WHERE u.email = lower(btrim(p_email))
$$;
--> statement-breakpoint
-- Registration: inserts an ordinary (never superuser) account and returns its public columns.
CREATE OR REPLACE FUNCTION app_auth.register_user(p_email text, p_hashed_password text, p_full_name text)
RETURNS TABLE (id uuid, email varchar, full_name varchar, is_active boolean, is_superuser boolean,
               created_at timestamptz, updated_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO public.users AS u (email, hashed_password, full_name)
  VALUES (lower(btrim(p_email)), p_hashed_password, p_full_name)
  RETURNING u.id, u.email, u.full_name, u.is_active, u.is_superuser, u.created_at, u.updated_at
$$;
--> statement-breakpoint
-- Who a token's subject is now: read by db/session.ts in the statement that switches role, so a
-- deactivated or demoted user loses access at once, whatever its token says.
CREATE OR REPLACE FUNCTION app_auth.principal(p_user_id uuid)
RETURNS TABLE (id uuid, is_active boolean, is_superuser boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT u.id, u.is_active, u.is_superuser FROM public.users u WHERE u.id = p_user_id
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.login_lookup(text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.register_user(text, text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.principal(uuid) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA app_auth FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.login_lookup(text), app_auth.register_user(text, text, text) TO rls_anon;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.principal(uuid) TO rls_authenticator;
