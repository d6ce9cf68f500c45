-- Undoes 0040_jobs_attempts: the default of 10 attempts back.
SET lock_timeout = '5s';
--> statement-breakpoint
ALTER TABLE "jobs" ALTER COLUMN "max_attempts" SET DEFAULT 10;
