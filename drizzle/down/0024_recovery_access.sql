-- Undoes 0024_recovery_access: the recovery functions, their grants and the default tier's limits for the routes.
SET lock_timeout = '5s';
--> statement-breakpoint
DELETE FROM public.rate_limits
WHERE path IN ('/api/v1/auth/password-reset*', '/api/v1/auth/verify-email*')
  AND tier_id IN (SELECT t.id FROM public.tiers t WHERE t.is_default);
--> statement-breakpoint
REVOKE USAGE ON SCHEMA app_auth FROM rls_app_superuser;
--> statement-breakpoint
DROP FUNCTION app_auth.reset_password(text, text);
--> statement-breakpoint
DROP FUNCTION app_auth.verify_email(text);
--> statement-breakpoint
DROP FUNCTION app_auth.request_email_verification(uuid, text, integer);
--> statement-breakpoint
DROP FUNCTION app_auth.request_password_reset(text, text, integer);
--> statement-breakpoint
REVOKE ALL ON public.account_tokens FROM rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.account_tokens NO FORCE ROW LEVEL SECURITY;
