CREATE TABLE "categories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(100) NOT NULL,
	"slug" varchar(100) NOT NULL,
	"description" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_categories_slug_format" CHECK ("categories"."slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);
--> statement-breakpoint
ALTER TABLE "categories" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "posts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid DEFAULT nullif(current_setting('app.current_user_id', true), '')::uuid NOT NULL,
	"title" varchar(200) NOT NULL,
	"slug" varchar(200) NOT NULL,
	"content" text NOT NULL,
	"excerpt" varchar(500),
	"is_published" boolean DEFAULT false NOT NULL,
	"published_at" timestamp with time zone,
	"category_id" uuid,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_posts_slug_format" CHECK ("posts"."slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
	CONSTRAINT "chk_posts_published_at" CHECK (not "posts"."is_published" or "posts"."published_at" is not null)
);
--> statement-breakpoint
ALTER TABLE "posts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "fk_posts_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "fk_posts_category_id" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_categories_name" ON "categories" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_categories_slug" ON "categories" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "ix_posts_owner_id_created_at" ON "posts" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_posts_slug" ON "posts" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "ix_posts_category_id" ON "posts" USING btree ("category_id");--> statement-breakpoint
CREATE INDEX "ix_posts_published_at" ON "posts" USING btree ("published_at") WHERE "posts"."is_published" and "posts"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "ix_posts_deleted_at" ON "posts" USING btree ("deleted_at") WHERE "posts"."deleted_at" is not null;--> statement-breakpoint
CREATE POLICY "categories_select_active" ON "categories" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("categories"."is_active");--> statement-breakpoint
CREATE POLICY "categories_all_superuser" ON "categories" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "posts_select_own" ON "posts" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "posts_insert_own" ON "posts" AS PERMISSIVE FOR INSERT TO "rls_app_user" WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "posts_update_own" ON "posts" AS PERMISSIVE FOR UPDATE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "posts_delete_own" ON "posts" AS PERMISSIVE FOR DELETE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "posts_all_superuser" ON "posts" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "posts_select_published" ON "posts" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("posts"."is_published" and "posts"."deleted_at" is null);