-- Idempotency keys (0034): forced row-level security and the grants. A caller reads its own keys and writes the
-- answer of one (the policies say whose); only app_auth.claim_idempotency_key (SECURITY DEFINER) makes one, and
-- maintenance removes expired ones.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE public.idempotency_keys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, UPDATE (response_status, response_headers, response_body) ON public.idempotency_keys TO rls_app_user, rls_app_superuser;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.idempotency_keys TO rls_maintenance_admin;
