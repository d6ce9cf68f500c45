SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
-- Billing (Stripe): plans, subscriptions and the events applied.
-- The webhook acts for no user: it switches to rls_billing (NOLOGIN, no BYPASSRLS), whose policies reach these
-- tables and whose column grants reach users' id and tier_id only. Created when missing: roles are cluster-wide.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rls_billing') THEN
    CREATE ROLE rls_billing NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
END
$$;
--> statement-breakpoint
GRANT rls_billing TO rls_authenticator;
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(100) NOT NULL,
	"description" text,
	"stripe_price_id" varchar(255) NOT NULL,
	"tier_id" uuid,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "plans" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" varchar(255) PRIMARY KEY NOT NULL,
	"type" varchar(100) NOT NULL,
	"stripe_created_at" timestamp with time zone NOT NULL,
	"outcome" varchar(32) NOT NULL,
	"stripe_subscription_id" varchar(255),
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_stripe_events_outcome" CHECK ("stripe_events"."outcome" in ('applied', 'stale', 'unknown_price', 'unknown_user', 'ignored'))
);
--> statement-breakpoint
ALTER TABLE "stripe_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid DEFAULT nullif(current_setting('app.current_user_id', true), '')::uuid NOT NULL,
	"stripe_subscription_id" varchar(255) NOT NULL,
	"stripe_customer_id" varchar(255) NOT NULL,
	"stripe_price_id" varchar(255) NOT NULL,
	"status" varchar(32) NOT NULL,
	"current_period_start" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"canceled_at" timestamp with time zone,
	"stripe_updated_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chk_subscriptions_status" CHECK (status in ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'))
);
--> statement-breakpoint
ALTER TABLE "subscriptions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "fk_plans_tier_id" FOREIGN KEY ("tier_id") REFERENCES "public"."tiers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "fk_subscriptions_owner_id" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_plans_stripe_price_id" ON "plans" USING btree ("stripe_price_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_plans_name" ON "plans" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_plans_tier_id" ON "plans" USING btree ("tier_id");--> statement-breakpoint
CREATE INDEX "ix_stripe_events_received_at" ON "stripe_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "ix_subscriptions_owner_id_created_at_id" ON "subscriptions" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_subscriptions_stripe_subscription_id" ON "subscriptions" USING btree ("stripe_subscription_id");--> statement-breakpoint
CREATE INDEX "ix_subscriptions_stripe_customer_id" ON "subscriptions" USING btree ("stripe_customer_id");--> statement-breakpoint
CREATE POLICY "users_all_billing" ON "users" AS PERMISSIVE FOR ALL TO "rls_billing" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "plans_select_all" ON "plans" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING (true);--> statement-breakpoint
CREATE POLICY "plans_all_superuser" ON "plans" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "plans_all_billing" ON "plans" AS PERMISSIVE FOR ALL TO "rls_billing" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "stripe_events_all_superuser" ON "stripe_events" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "stripe_events_all_billing" ON "stripe_events" AS PERMISSIVE FOR ALL TO "rls_billing" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "subscriptions_select_own" ON "subscriptions" AS PERMISSIVE FOR SELECT TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "subscriptions_insert_own" ON "subscriptions" AS PERMISSIVE FOR INSERT TO "rls_app_user" WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "subscriptions_update_own" ON "subscriptions" AS PERMISSIVE FOR UPDATE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "subscriptions_delete_own" ON "subscriptions" AS PERMISSIVE FOR DELETE TO "rls_app_user" USING ("owner_id" = (select nullif(current_setting('app.current_user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "subscriptions_all_superuser" ON "subscriptions" AS PERMISSIVE FOR ALL TO "rls_app_superuser" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "subscriptions_all_billing" ON "subscriptions" AS PERMISSIVE FOR ALL TO "rls_billing" USING (true) WITH CHECK (true);
--> statement-breakpoint
-- Only the webhook writes subscriptions (Stripe is their source of truth): owners and superusers read them.
ALTER TABLE public.subscriptions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON public.subscriptions TO rls_app_user, rls_app_superuser;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.subscriptions TO rls_billing;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.subscriptions TO rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.plans FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON public.plans TO rls_app_user, rls_billing;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.plans TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.stripe_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- The webhook records an event first (its id taken: a duplicate stops there), then says what it did (outcome).
GRANT SELECT, INSERT, UPDATE (outcome) ON public.stripe_events TO rls_billing;
--> statement-breakpoint
GRANT SELECT ON public.stripe_events TO rls_app_superuser;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.stripe_events TO rls_maintenance_admin;
--> statement-breakpoint
-- The webhook finds a subscription's user and sets its tier (and updated_at): nothing else of users.
GRANT SELECT (id, tier_id), UPDATE (tier_id, updated_at) ON public.users TO rls_billing;
--> statement-breakpoint
COMMENT ON TABLE public.plans IS 'What a customer can buy: a Stripe price and the tier its active subscription gives; superusers manage them';
--> statement-breakpoint
COMMENT ON TABLE public.subscriptions IS 'Users'' Stripe subscriptions as the webhook last heard of them; owners read, only the webhook writes';
--> statement-breakpoint
COMMENT ON TABLE public.stripe_events IS 'Stripe events applied, by id: a duplicate delivery finds its id taken and changes nothing';
