-- Jobs are tried 25 times by default (was 10): with the backoff's ceiling at 2 minutes, 20 to 40 minutes of a
-- provider's outage before a job ends dead.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE "jobs" ALTER COLUMN "max_attempts" SET DEFAULT 25;