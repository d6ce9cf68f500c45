-- Undoes 0030_posts_featured_title. The published_at of posts that were published with a future time stays
-- as the migration set it (now, at the time it ran).
DROP INDEX "ix_posts_is_featured_created_at";
--> statement-breakpoint
DROP INDEX "ix_posts_title";
--> statement-breakpoint
DROP INDEX "ix_posts_title_id";
--> statement-breakpoint
ALTER TABLE "posts" DROP CONSTRAINT "chk_posts_published_at";
--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "chk_posts_published_at" CHECK (not "posts"."is_published" or "posts"."published_at" is not null);
--> statement-breakpoint
-- Revoking the table's privilege revokes the column privileges 0030 granted, too; then the table's again.
REVOKE UPDATE ON "posts" FROM rls_app_user;
--> statement-breakpoint
GRANT UPDATE ON "posts" TO rls_app_user;
--> statement-breakpoint
DROP POLICY "posts_insert_not_featured" ON "posts";
--> statement-breakpoint
ALTER TABLE "posts" DROP COLUMN "is_featured";
