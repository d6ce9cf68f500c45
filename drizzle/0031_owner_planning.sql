-- How Postgres plans a list of one owner's rows under RLS. The policy compares owner_id with the request's
-- setting, a value the planner learns only when the statement runs, so it plans for an average owner:
-- table rows / distinct owners, a handful when most owners have few rows. For the owner who holds 200,000
-- rows, page 50 by offset was then planned as "read all the owner's rows, sort them, skip 980" (48 ms) where
-- the listing index in order reads 1,000 entries (4 ms). The cost of a wrong guess is lopsided: planning a
-- light owner as a heavy one costs microseconds (an index scan over its few rows), the reverse costs a sort of
-- everything it owns. So every user table plans each owner as a heavy one: owner_id's distinct values are
-- declared as 1 per 20,000 rows (twice the deepest offset page, 10,000 + 100), and Postgres caps that guess by
-- the largest owner's real share from its statistics, so it never plans for more rows than anyone owns.
-- app_private.secure_user_table sets it for every new user table too.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_private.secure_user_table(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO rls_app_user, rls_app_superuser, rls_maintenance_admin', tbl);
  EXECUTE format('ALTER TABLE %s ALTER COLUMN owner_id SET (n_distinct = -0.00005)', tbl);
END
$$;
--> statement-breakpoint
ALTER TABLE "items" ALTER COLUMN "owner_id" SET (n_distinct = -0.00005);
--> statement-breakpoint
ALTER TABLE "posts" ALTER COLUMN "owner_id" SET (n_distinct = -0.00005);
--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "owner_id" SET (n_distinct = -0.00005);
--> statement-breakpoint
ALTER TABLE "key_permissions" ALTER COLUMN "owner_id" SET (n_distinct = -0.00005);
--> statement-breakpoint
ALTER TABLE "subscriptions" ALTER COLUMN "owner_id" SET (n_distinct = -0.00005);
--> statement-breakpoint
-- The setting takes effect with the next ANALYZE (a sample of the table: seconds, whatever its size).
ANALYZE "items", "posts", "api_keys", "key_permissions", "subscriptions";
