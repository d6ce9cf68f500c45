-- What drizzle-kit does not emit for posts and categories: FORCE row level security, GRANTs, comments.

-- posts is user-owned: forced RLS and the request roles' privileges, as for items.
SELECT app_private.secure_user_table('public.posts');
--> statement-breakpoint
-- categories is not: signed-in users may only read (the policy shows them the active ones), so a user's
-- INSERT, UPDATE or DELETE is refused by the missing privilege (42501) before any policy is consulted.
ALTER TABLE public.categories FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON public.categories TO rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.categories TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
COMMENT ON TABLE public.users IS 'Accounts: a user reads and changes only its own row; superusers manage all';
--> statement-breakpoint
COMMENT ON TABLE public.items IS 'What users own: only the owner (and superusers) see an item; soft-deleted';
--> statement-breakpoint
COMMENT ON TABLE public.posts IS 'Blog posts: the author (owner_id) reads and writes them; every signed-in user reads published ones; soft-deleted';
--> statement-breakpoint
COMMENT ON TABLE public.categories IS 'Blog categories: signed-in users read the active ones; only superusers write';
