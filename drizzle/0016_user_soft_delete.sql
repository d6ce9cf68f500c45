SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "ix_users_deleted_at" ON "users" USING btree ("deleted_at") WHERE "users"."deleted_at" is not null;