-- Undoes 0014_user_profile (drafted by npm run db:generate: review it).
ALTER TABLE "users" DROP CONSTRAINT "chk_users_profile_image_url";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "chk_users_username_format";
--> statement-breakpoint
DROP INDEX "uq_users_username";
--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "is_verified";
--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "profile_image_url";
--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "username";
