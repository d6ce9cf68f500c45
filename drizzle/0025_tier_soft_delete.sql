-- Soft delete of tiers and rate limits: deleted_at on both; names and paths unique among live rows only; the
-- default tier cannot be deleted (anonymous requests would lose their limits). tiers and rate_limits are small
-- configuration tables, so rebuilding their unique indexes in the migration's transaction is brief. The check is
-- added NOT VALID (no scan under the lock): every existing row has the new deleted_at null, so it holds for them.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "uq_rate_limits_tier_id_path";--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "uq_tiers_name";--> statement-breakpoint
ALTER TABLE "rate_limits" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_rate_limits_tier_id_path" ON "rate_limits" USING btree ("tier_id","path") WHERE "rate_limits"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_tiers_name" ON "tiers" USING btree ("name") WHERE "tiers"."deleted_at" is null;--> statement-breakpoint
ALTER TABLE "tiers" ADD CONSTRAINT "chk_tiers_default_not_deleted" CHECK (not ("tiers"."is_default" and "tiers"."deleted_at" is not null)) NOT VALID;