SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"owner_id" uuid NOT NULL,
	"key" varchar(255) NOT NULL,
	"fingerprint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"response_status" integer,
	"response_headers" jsonb,
	"response_body" text,
	CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("owner_id","key")
);
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "fk_idempotency_keys_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_idempotency_keys_expires_at" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE POLICY "idempotency_keys_select_own" ON "idempotency_keys" AS PERMISSIVE FOR SELECT TO "rls_app_superuser", "rls_app_user" USING ("idempotency_keys"."owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "idempotency_keys_update_own" ON "idempotency_keys" AS PERMISSIVE FOR UPDATE TO "rls_app_superuser", "rls_app_user" USING ("idempotency_keys"."owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK ("idempotency_keys"."owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));