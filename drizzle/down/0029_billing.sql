-- Undoes 0029_billing. The role rls_billing stays: roles are cluster-wide, and another database of the cluster
-- may use it (0000's roles stay for the same reason); without these tables and grants it reaches nothing.
SET lock_timeout = '5s';
--> statement-breakpoint
REVOKE SELECT (id, tier_id), UPDATE (tier_id, updated_at) ON public.users FROM rls_billing;
--> statement-breakpoint
DROP POLICY "users_all_billing" ON "users";
--> statement-breakpoint
DROP TABLE "subscriptions";
--> statement-breakpoint
DROP TABLE "stripe_events";
--> statement-breakpoint
DROP TABLE "plans";
