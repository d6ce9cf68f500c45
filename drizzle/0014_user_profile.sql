-- The user's profile: a username (unique; stored lowercase, so unique whatever case was typed), a picture's
-- address and whether the e-mail is verified. The checks are added NOT VALID (no scan under the lock) and
-- validated in 0015, as docs/migrations.md tells for a live table.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "username" varchar(20);--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "profile_image_url" varchar(500);--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_verified" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_users_username" ON "users" USING btree ("username");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "chk_users_username_format" CHECK ("users"."username" ~ '^[a-z0-9_]{2,20}$') NOT VALID;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "chk_users_profile_image_url" CHECK ("users"."profile_image_url" like 'https://%') NOT VALID;