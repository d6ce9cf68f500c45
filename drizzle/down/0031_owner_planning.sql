-- Undoes 0031_owner_planning: owners are planned from the statistics again, and new user tables are secured
-- without the planning setting.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_private.secure_user_table(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO rls_app_user, rls_app_superuser, rls_maintenance_admin', tbl);
END
$$;
--> statement-breakpoint
ALTER TABLE "items" ALTER COLUMN "owner_id" RESET (n_distinct);
--> statement-breakpoint
ALTER TABLE "posts" ALTER COLUMN "owner_id" RESET (n_distinct);
--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "owner_id" RESET (n_distinct);
--> statement-breakpoint
ALTER TABLE "key_permissions" ALTER COLUMN "owner_id" RESET (n_distinct);
--> statement-breakpoint
ALTER TABLE "subscriptions" ALTER COLUMN "owner_id" RESET (n_distinct);
--> statement-breakpoint
ANALYZE "items", "posts", "api_keys", "key_permissions", "subscriptions";
