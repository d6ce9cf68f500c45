CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" varchar(255) NOT NULL,
	"hashed_password" text NOT NULL,
	"full_name" varchar(255),
	"is_active" boolean DEFAULT true NOT NULL,
	"is_superuser" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_users_email_lowercase" CHECK ("users"."email" = lower("users"."email")),
	CONSTRAINT "chk_users_email_format" CHECK (position('@' in "users"."email") > 1)
);
--> statement-breakpoint
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid DEFAULT nullif(current_setting('app.current_user_id', true), '')::uuid NOT NULL,
	"title" varchar(255) NOT NULL,
	"description" text,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_items_title_not_blank" CHECK (length(btrim("items"."title")) > 0)
);
--> statement-breakpoint
ALTER TABLE "items" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "fk_items_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_users_email" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "ix_items_owner_id_created_at" ON "items" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_items_deleted_at" ON "items" USING btree ("deleted_at") WHERE "items"."deleted_at" is not null;--> statement-breakpoint
CREATE POLICY "users_select_own" ON "users" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "users_update_own" ON "users" AS PERMISSIVE FOR UPDATE TO "rls_app_user" USING ("id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK ("id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "users_all_superuser" ON "users" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "items_select_own" ON "items" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "items_insert_own" ON "items" AS PERMISSIVE FOR INSERT TO "rls_app_user" WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "items_update_own" ON "items" AS PERMISSIVE FOR UPDATE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "items_delete_own" ON "items" AS PERMISSIVE FOR DELETE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "items_all_superuser" ON "items" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);