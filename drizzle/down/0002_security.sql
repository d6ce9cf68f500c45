-- Undoes 0002_security: the auth functions and their schema, the grants on users and items, FORCE RLS.
DROP SCHEMA app_auth CASCADE;
--> statement-breakpoint
REVOKE ALL ON public.users FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON public.items FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.users NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.items NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP SCHEMA app_private CASCADE;
