-- Undoes 0036_idempotency_keys_security: the grants and FORCE.
SET lock_timeout = '5s';
--> statement-breakpoint
REVOKE ALL ON public.idempotency_keys FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.idempotency_keys NO FORCE ROW LEVEL SECURITY;
