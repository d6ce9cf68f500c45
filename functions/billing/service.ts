import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database, Tx } from "../../db/client";
import { all, andThen, one } from "../../db/runner/plan";
import { endedSubscriptionStatuses, plans, subscriptions, tiers, users } from "../../db/schema";
import { currentUserId } from "../../db/schema/rls";
import type { Config } from "../lib/config";
import { conflict, serviceUnavailable, validationError } from "../lib/errors";
import { exposing } from "../lib/expose";
import { log } from "../lib/log";
import { resourceService } from "../lib/resource-service";
import type { Scope } from "../lib/scope";
import { type CheckoutRequest, type PlanCreate, PlanSchema, type PlanUpdate, SubscriptionSchema } from "./schemas";
import { type StripeClient, stripeRefusal } from "./stripe";
import { PAID_STATUSES, subscribersOf, tierFollowsSubscriptions } from "./tier";

const plansBase = resourceService(plans, { name: "Plan", expose: PlanSchema, superuserOnly: true });
const showPlan = exposing(PlanSchema);
const showSubscription = exposing(SubscriptionSchema);

/** A subscription that is paid comes first, then the latest: the one that decides the caller's tier. */
const counting = [
  desc(
    sql`${subscriptions.status} in (${sql.join(
      PAID_STATUSES.map((status) => sql`${status}`),
      sql`, `,
    )})`,
  ),
  desc(subscriptions.stripe_updated_at),
];

/** The caller's own rows (a superuser's role sees every row: the filter keeps it to theirs). */
const mine = (q: Database) =>
  all(
    one(q.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, currentUserId))),
    one(
      q
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.owner_id, currentUserId))
        .orderBy(...counting)
        .limit(1),
    ),
  );

/** Plans change who gets which tier: the subscribers of the prices involved get theirs again, at once. */
async function retier(tx: Tx, prices: (string | undefined)[]) {
  const involved = [...new Set(prices.filter((price): price is string => Boolean(price)))];
  if (involved.length > 0) await tierFollowsSubscriptions(tx, subscribersOf(involved));
}

export const plansService = {
  ...plansBase,

  /** The plans a customer can choose: the active ones, by name (a short list: not paged). */
  offered: (scope: Scope) =>
    scope.run((q) =>
      andThen(one(q.select().from(plans).where(eq(plans.is_active, true)).orderBy(plans.name)), (rows) => ({
        data: rows.map(showPlan),
      })),
    ),

  create: (scope: Scope, input: PlanCreate) =>
    scope.transaction(
      async (tx) => {
        const [plan] = await tx.insert(plans).values(input).returning();
        await retier(tx, [plan?.stripe_price_id]);
        return plansBase.found(plan);
      },
      { superuserOnly: true },
    ),

  update: (scope: Scope, id: string, input: PlanUpdate) =>
    scope.transaction(
      async (tx) => {
        const [before] = await tx.select().from(plans).where(eq(plans.id, id)).for("update");
        const [plan] = await tx.update(plans).set(input).where(eq(plans.id, id)).returning();
        await retier(tx, [before?.stripe_price_id, plan?.stripe_price_id]);
        return plansBase.found(plan);
      },
      { superuserOnly: true },
    ),

  remove: (scope: Scope, id: string) =>
    scope.transaction(
      async (tx) => {
        const [plan] = await tx.delete(plans).where(eq(plans.id, id)).returning();
        plansBase.found(plan);
        await retier(tx, [plan?.stripe_price_id]);
      },
      { superuserOnly: true },
    ),
};

export const billingService = {
  /** The caller's subscription that counts, its plan, and the tier whose limits apply to them. */
  status: (scope: Scope) =>
    scope.run((q) =>
      andThen(
        all(
          mine(q),
          one(
            q
              .select({ id: tiers.id, name: tiers.name })
              .from(tiers)
              .where(
                sql`${tiers.deleted_at} is null and (${tiers.id} = (select ${users.tier_id} from ${users} where ${users.id} = ${currentUserId})
                  or (${tiers.is_default} and not exists (select 1 from ${users} u join ${tiers} t on t.id = u.tier_id
                    where u.id = ${currentUserId} and t.deleted_at is null)))`,
              )
              .limit(1),
          ),
          one(
            q
              .select()
              .from(plans)
              .where(
                inArray(
                  plans.stripe_price_id,
                  q
                    .select({ price: subscriptions.stripe_price_id })
                    .from(subscriptions)
                    .where(eq(subscriptions.owner_id, currentUserId))
                    .orderBy(...counting)
                    .limit(1),
                ),
              ),
          ),
        ),
        ([[, [subscription]], [tier], [plan]]) => ({
          subscription: subscription ? showSubscription(subscription) : null,
          plan: plan ? showPlan(plan) : null,
          tier: tier ?? null,
        }),
      ),
    ),

  /**
   * A Stripe Checkout Session for an active plan's price: the customer the caller already has in Stripe, else
   * one Checkout creates with the caller's e-mail. The caller's id goes in the subscription's metadata, which is
   * how the webhook finds whose subscription it is, in whatever order its events arrive. 409 while the caller
   * has a subscription that is not over: plans change in the billing portal.
   */
  async checkout(scope: Scope, stripe: StripeClient, config: Config, input: CheckoutRequest) {
    const [[me, [current]], [plan]] = await scope.run((q) =>
      all(
        mine(q),
        one(
          q
            .select()
            .from(plans)
            .where(and(eq(plans.id, input.plan_id), eq(plans.is_active, true))),
        ),
      ),
    );
    if (!plan) throw validationError([{ field: "plan_id", location: "body", message: "is not an active plan" }]);
    if (current && !ENDED.has(current.status)) {
      throw conflict(
        "You have a subscription already: change plans in the billing portal (POST /api/v1/billing/portal)",
      );
    }
    const userId = me[0]?.id ?? "";
    const successUrl = returnTo(config, input.success_url, "success_url", "/billing?checkout=success");
    const cancelUrl = returnTo(config, input.cancel_url, "cancel_url", "/billing?checkout=canceled");
    const session = await calling(() =>
      stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: plan.stripe_price_id, quantity: 1 }],
        ...(current ? { customer: current.stripe_customer_id } : { customer_email: me[0]?.email }),
        client_reference_id: userId,
        metadata: { user_id: userId },
        subscription_data: { metadata: { user_id: userId } },
        success_url: successUrl,
        cancel_url: cancelUrl,
      }),
    );
    if (!session.url) throw serviceUnavailable("Stripe answered a checkout session without a URL");
    return { url: session.url };
  },

  /** Stripe's billing portal for the caller's customer: change plan, payment method, cancel. 409 before any. */
  async portal(scope: Scope, stripe: StripeClient, config: Config, returnUrl: string | undefined) {
    const back = returnTo(config, returnUrl, "return_url", "/billing");
    const [, [current]] = await scope.run(mine);
    if (!current) throw conflict("You have no subscription yet: start one with POST /api/v1/billing/checkout");
    const session = await calling(() =>
      stripe.billingPortal.sessions.create({ customer: current.stripe_customer_id, return_url: back }),
    );
    return { url: session.url };
  },
};

/** Statuses after which a new checkout is a new subscription, not a second one. */
const ENDED = new Set<string>(endedSubscriptionStatuses);

/**
 * Stripe sends the customer's browser back to these: only to the web app's own origin (APP_URL), so the API
 * cannot be used to send someone to a page of an attacker's choosing after paying.
 */
function returnTo(config: Config, url: string | undefined, field: string, fallback: string) {
  const app = new URL(config.APP_URL);
  if (!url) return new URL(fallback, app).href;
  if (new URL(url).origin !== app.origin) {
    throw validationError([{ field, location: "body", message: `must be on ${app.origin} (APP_URL)` }]);
  }
  return url;
}

/** A call to Stripe's API; what it refused becomes what a client may learn of it (stripeRefusal), all of it logged. */
async function calling<T>(call: () => Promise<T>) {
  try {
    return await call();
  } catch (error) {
    log("warn", "a call to Stripe failed", { error });
    throw stripeRefusal(error);
  }
}
