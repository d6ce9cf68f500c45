-- Listing indexes that follow the default sort: (owner_id, created_at, id), plus deleted_at as the last key on
-- tables that soft-delete. The list "my rows, newest first" (sort=-created_at, id in the same direction) is then
-- a backward index scan with no sort step, a cursor page is an index range, and the capped count of a soft-delete
-- table is an index-only scan. Each new index is built before the one it replaces is dropped, so owner lookups
-- (and the owner_id foreign key) always have one. On a large live items or posts table, build the new index with
-- CREATE INDEX CONCURRENTLY (same name and columns) before migrating: IF NOT EXISTS then finds it.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ix_api_keys_owner_id_created_at_id" ON "api_keys" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ix_key_permissions_owner_id_created_at_id" ON "key_permissions" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ix_items_owner_id_created_at_id_deleted_at" ON "items" USING btree ("owner_id","created_at","id","deleted_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ix_posts_owner_id_created_at_id_deleted_at" ON "posts" USING btree ("owner_id","created_at","id","deleted_at");--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "ix_api_keys_owner_id_created_at";--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "ix_key_permissions_owner_id_created_at";--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "ix_items_owner_id_created_at";--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "ix_posts_owner_id_created_at";
