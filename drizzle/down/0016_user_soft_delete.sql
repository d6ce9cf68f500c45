-- Undoes 0016_user_soft_delete (drafted by npm run db:generate: review it).
DROP INDEX "ix_users_deleted_at";
--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "deleted_at";
