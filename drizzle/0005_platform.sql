CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid DEFAULT nullif(current_setting('app.current_user_id', true), '')::uuid NOT NULL,
	"name" varchar(100) NOT NULL,
	"prefix" varchar(16) NOT NULL,
	"key_hash" text NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_api_keys_id_owner_id" UNIQUE("id","owner_id")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "key_permissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid DEFAULT nullif(current_setting('app.current_user_id', true), '')::uuid NOT NULL,
	"api_key_id" uuid NOT NULL,
	"permission" varchar(50) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_key_permissions_permission" CHECK ("key_permissions"."permission" ~ '^[a-z_]+:(read|write)$')
);
--> statement-breakpoint
ALTER TABLE "key_permissions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "key_usage" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"api_key_id" uuid NOT NULL,
	"owner_id" uuid DEFAULT nullif(current_setting('app.current_user_id', true), '')::uuid NOT NULL,
	"method" varchar(10) NOT NULL,
	"path" varchar(255) NOT NULL,
	"status" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "key_usage" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "rate_limit_counters" (
	"rate_limit_id" uuid NOT NULL,
	"subject" varchar(200) NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "pk_rate_limit_counters" PRIMARY KEY("rate_limit_id","subject","window_start")
);
--> statement-breakpoint
ALTER TABLE "rate_limit_counters" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tier_id" uuid NOT NULL,
	"name" varchar(100) NOT NULL,
	"path" varchar(255) NOT NULL,
	"limit" integer NOT NULL,
	"period" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_rate_limits_limit" CHECK ("rate_limits"."limit" > 0),
	CONSTRAINT "chk_rate_limits_period" CHECK ("rate_limits"."period" between 1 and 2678400),
	CONSTRAINT "chk_rate_limits_path" CHECK ("rate_limits"."path" like '/%')
);
--> statement-breakpoint
ALTER TABLE "rate_limits" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tiers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(100) NOT NULL,
	"description" text,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tiers" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "tier_id" uuid;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "fk_api_keys_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_permissions" ADD CONSTRAINT "fk_key_permissions_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_permissions" ADD CONSTRAINT "fk_key_permissions_api_key_id_owner_id" FOREIGN KEY ("api_key_id","owner_id") REFERENCES "public"."api_keys"("id","owner_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_usage" ADD CONSTRAINT "fk_key_usage_api_key_id_owner_id" FOREIGN KEY ("api_key_id","owner_id") REFERENCES "public"."api_keys"("id","owner_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rate_limit_counters" ADD CONSTRAINT "fk_rate_limit_counters_rate_limit_id" FOREIGN KEY ("rate_limit_id") REFERENCES "public"."rate_limits"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rate_limits" ADD CONSTRAINT "fk_rate_limits_tier_id" FOREIGN KEY ("tier_id") REFERENCES "public"."tiers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_api_keys_owner_id_created_at" ON "api_keys" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_api_keys_prefix" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "ix_key_permissions_owner_id_created_at" ON "key_permissions" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_key_permissions_api_key_id_permission" ON "key_permissions" USING btree ("api_key_id","permission");--> statement-breakpoint
CREATE INDEX "ix_key_usage_api_key_id_at" ON "key_usage" USING btree ("api_key_id","at");--> statement-breakpoint
CREATE INDEX "ix_key_usage_at" ON "key_usage" USING btree ("at");--> statement-breakpoint
CREATE INDEX "ix_rate_limit_counters_expires_at" ON "rate_limit_counters" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_rate_limits_tier_id_path" ON "rate_limits" USING btree ("tier_id","path");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_tiers_name" ON "tiers" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_tiers_is_default" ON "tiers" USING btree ("is_default") WHERE "tiers"."is_default";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "fk_users_tier_id" FOREIGN KEY ("tier_id") REFERENCES "public"."tiers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_users_tier_id" ON "users" USING btree ("tier_id");--> statement-breakpoint
CREATE POLICY "api_keys_select_own" ON "api_keys" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "api_keys_insert_own" ON "api_keys" AS PERMISSIVE FOR INSERT TO "rls_app_user" WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "api_keys_update_own" ON "api_keys" AS PERMISSIVE FOR UPDATE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "api_keys_delete_own" ON "api_keys" AS PERMISSIVE FOR DELETE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "api_keys_all_superuser" ON "api_keys" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "key_permissions_select_own" ON "key_permissions" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "key_permissions_insert_own" ON "key_permissions" AS PERMISSIVE FOR INSERT TO "rls_app_user" WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "key_permissions_update_own" ON "key_permissions" AS PERMISSIVE FOR UPDATE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "key_permissions_delete_own" ON "key_permissions" AS PERMISSIVE FOR DELETE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "key_permissions_all_superuser" ON "key_permissions" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "key_usage_select_own" ON "key_usage" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("key_usage"."owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "key_usage_all_superuser" ON "key_usage" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "rate_limits_select_all" ON "rate_limits" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING (true);--> statement-breakpoint
CREATE POLICY "rate_limits_all_superuser" ON "rate_limits" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tiers_select_all" ON "tiers" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING (true);--> statement-breakpoint
CREATE POLICY "tiers_all_superuser" ON "tiers" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);