SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" varchar(64) NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"owner_id" uuid,
	"status" varchar(16) DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 10 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "chk_jobs_status" CHECK ("jobs"."status" in ('pending', 'running', 'done', 'dead')),
	CONSTRAINT "chk_jobs_max_attempts" CHECK ("jobs"."max_attempts" between 1 and 100),
	CONSTRAINT "chk_jobs_kind" CHECK ("jobs"."kind" ~ '^[a-z][a-z0-9_.]*$')
);
--> statement-breakpoint
ALTER TABLE "jobs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "fk_jobs_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_jobs_due" ON "jobs" USING btree ("run_at") WHERE "jobs"."status" in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "ix_jobs_owner_id" ON "jobs" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "ix_jobs_finished_at" ON "jobs" USING btree ("finished_at") WHERE "jobs"."finished_at" is not null;--> statement-breakpoint
CREATE POLICY "jobs_insert_anon" ON "jobs" AS PERMISSIVE FOR INSERT TO "rls_anon" WITH CHECK ("jobs"."owner_id" is null);--> statement-breakpoint
CREATE POLICY "jobs_insert_own" ON "jobs" AS PERMISSIVE FOR INSERT TO "rls_app_user" WITH CHECK ("jobs"."owner_id" is null or "jobs"."owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "jobs_all_superuser" ON "jobs" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);