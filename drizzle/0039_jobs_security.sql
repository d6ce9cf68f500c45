-- Jobs (0037): forced row-level security, the grants, and the trigger that wakes the runners. Requests enqueue
-- (INSERT; the policies say for whom) and read nothing; superusers' admin routes read and retry; the runner,
-- as rls_maintenance_admin, takes and ends them.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE public.jobs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT INSERT ON public.jobs TO rls_anon, rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.jobs TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
CREATE TRIGGER trg_jobs_notify AFTER INSERT ON public.jobs FOR EACH STATEMENT EXECUTE FUNCTION app_private.notify_jobs();
