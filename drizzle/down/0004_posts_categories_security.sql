-- Undoes 0004_posts_categories_security: FORCE RLS and grants on posts and categories, the table comments.
COMMENT ON TABLE public.categories IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.posts IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.items IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.users IS NULL;
--> statement-breakpoint
REVOKE ALL ON public.categories FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.categories NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.posts FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.posts NO FORCE ROW LEVEL SECURITY;
