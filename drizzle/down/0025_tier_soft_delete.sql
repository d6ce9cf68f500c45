-- Undoes 0025_tier_soft_delete. Soft-deleted tiers and rate limits are deleted for good first (without the column
-- they would count again, and their names and paths could collide with live ones under the full unique indexes).
SET lock_timeout = '5s';
--> statement-breakpoint
DELETE FROM "rate_limits" WHERE "deleted_at" IS NOT NULL;
--> statement-breakpoint
DELETE FROM "tiers" WHERE "deleted_at" IS NOT NULL;
--> statement-breakpoint
ALTER TABLE "tiers" DROP CONSTRAINT "chk_tiers_default_not_deleted";
--> statement-breakpoint
DROP INDEX "uq_tiers_name";
--> statement-breakpoint
DROP INDEX "uq_rate_limits_tier_id_path";
--> statement-breakpoint
ALTER TABLE "tiers" DROP COLUMN "deleted_at";
--> statement-breakpoint
ALTER TABLE "rate_limits" DROP COLUMN "deleted_at";
--> statement-breakpoint
CREATE UNIQUE INDEX "uq_tiers_name" ON "tiers" USING btree ("name");
--> statement-breakpoint
CREATE UNIQUE INDEX "uq_rate_limits_tier_id_path" ON "rate_limits" USING btree ("tier_id","path");
