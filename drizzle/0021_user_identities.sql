SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
CREATE TABLE "user_identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid DEFAULT nullif(current_setting('app.current_user_id', true), '')::uuid NOT NULL,
	"provider" varchar(255) NOT NULL,
	"subject" varchar(255) NOT NULL,
	"email" varchar(255),
	"email_verified" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_identities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "user_identities" ADD CONSTRAINT "fk_user_identities_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_user_identities_provider_subject" ON "user_identities" USING btree ("provider","subject");--> statement-breakpoint
CREATE INDEX "ix_user_identities_owner_id" ON "user_identities" USING btree ("owner_id");--> statement-breakpoint
CREATE POLICY "user_identities_select_own" ON "user_identities" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("user_identities"."owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "user_identities_all_superuser" ON "user_identities" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);