-- Undoes 0039_jobs_security: the trigger, the grants and FORCE.
SET lock_timeout = '5s';
--> statement-breakpoint
DROP TRIGGER trg_jobs_notify ON public.jobs;
--> statement-breakpoint
REVOKE ALL ON public.jobs FROM rls_anon, rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.jobs NO FORCE ROW LEVEL SECURITY;
