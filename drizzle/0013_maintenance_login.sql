-- The request login no longer reaches the BYPASSRLS role. rls_authenticator was a member of
-- rls_maintenance_admin (for the cron and seeding), so whoever held DATABASE_URL, or code running arbitrary
-- SQL on the app's connection, could SET ROLE past every policy. Maintenance now logs in as its own role,
-- rls_maintainer (MAINTENANCE_DATABASE_URL), which may switch to rls_maintenance_admin and to nothing else.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rls_maintainer') THEN
    -- LOGIN without a password: set one out of band (ALTER ROLE ... PASSWORD) where auth is not trust.
    CREATE ROLE rls_maintainer LOGIN NOINHERIT;
  END IF;
END
$$;
--> statement-breakpoint
GRANT rls_maintenance_admin TO rls_maintainer;
--> statement-breakpoint
REVOKE rls_maintenance_admin FROM rls_authenticator;
