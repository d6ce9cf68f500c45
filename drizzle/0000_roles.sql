-- Roles are cluster-wide: create them only when missing, so a second database in the same cluster (tests,
-- previews) migrates cleanly. All are NOLOGIN except the authenticator, which owns nothing and holds no
-- table privileges: a code path that forgets to switch role gets "permission denied", never every row.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rls_anon') THEN
    CREATE ROLE rls_anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rls_app_user') THEN
    CREATE ROLE rls_app_user NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rls_app_superuser') THEN
    CREATE ROLE rls_app_superuser NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rls_maintenance_admin') THEN
    CREATE ROLE rls_maintenance_admin NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rls_authenticator') THEN
    -- LOGIN without a password: set one out of band (ALTER ROLE ... PASSWORD) where auth is not trust.
    CREATE ROLE rls_authenticator LOGIN NOINHERIT;
  END IF;
END
$$;
--> statement-breakpoint
-- NOINHERIT on the authenticator: membership lets it SET ROLE, it never silently gains the privileges.
GRANT rls_anon, rls_app_user, rls_app_superuser, rls_maintenance_admin TO rls_authenticator;
--> statement-breakpoint
-- The migrating role hands ownership of the auth functions to rls_maintenance_admin (drizzle/0002); on a
-- managed Postgres where it is not a superuser it needs membership for that.
GRANT rls_maintenance_admin TO CURRENT_USER;
