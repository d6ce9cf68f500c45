import { eq, or, sql } from "drizzle-orm";
import type { Tx } from "../../db/client";
import { qualified } from "../../db/crud";
import { plans, type SubscriptionStatus, stripeEvents, subscriptions, users } from "../../db/schema";
import { badRequest } from "../lib/errors";
import { log } from "../lib/log";
import type { Scope } from "../lib/scope";
import { SIGNATURE_TOLERANCE_SECONDS, type Stripe, type StripeClient, webCrypto } from "./stripe";
import { tierFollowsSubscriptions } from "./tier";

/** What a delivery did; `duplicate`: its event was applied before (or is being applied by a concurrent delivery). */
export type Outcome = "applied" | "stale" | "unknown_price" | "unknown_user" | "ignored" | "duplicate";

const SUBSCRIPTION_EVENTS = new Set([
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
]);

/**
 * Checks the `Stripe-Signature` header over the body exactly as it came (HMAC-SHA256 with the endpoint's secret,
 * compared in constant time, timestamp within five minutes), and answers the event it signs. 400 otherwise.
 */
export async function verifiedEvent(stripe: StripeClient, body: string, signature: string | undefined, secret: string) {
  if (!signature) throw badRequest("Missing Stripe-Signature header");
  try {
    return await stripe.webhooks.constructEventAsync(body, signature, secret, SIGNATURE_TOLERANCE_SECONDS, webCrypto);
  } catch (error) {
    // Stripe's message only: a refused delivery is routine (probes, a rotated secret), not a fault to trace.
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    log("warn", "a Stripe webhook's signature did not verify", { reason });
    throw badRequest("The Stripe-Signature header does not sign this body with the endpoint's secret");
  }
}

/**
 * Applies a verified event exactly once. Its id is recorded in the transaction that applies it: a replay finds
 * it taken, and a concurrent duplicate waits on the key, then finds it taken. The subscription it describes is
 * stored unless the one held comes from a later event (Stripe delivers in no order); the user's tier then
 * follows their subscriptions. Two events of the same second cannot be ordered by their time: the subscription
 * is then read from Stripe, which knows its current state, and that is stored.
 */
export async function applyEvent(scope: Scope, stripe: StripeClient, event: Stripe.Event): Promise<Outcome> {
  let subscription: Stripe.Subscription | undefined;
  if (SUBSCRIPTION_EVENTS.has(event.type)) {
    subscription = event.data.object as Stripe.Subscription;
  } else if (event.type === "checkout.session.completed") {
    // The session names the subscription; its state (price, status, period) is read from Stripe.
    const session = event.data.object as Stripe.Checkout.Session;
    const id = idOf(session.subscription);
    if (session.mode === "subscription" && id) subscription = await stripe.subscriptions.retrieve(id);
  }
  if (!subscription) return record(scope, event, undefined, false);
  try {
    return await record(scope, event, subscription, false);
  } catch (error) {
    if (!(error instanceof SameSecond)) throw error;
    return record(scope, event, await stripe.subscriptions.retrieve(subscription.id), true);
  }
}

/** The event and the state it held were both of the same second: nothing was written; read Stripe's state. */
class SameSecond extends Error {}

function record(
  scope: Scope,
  event: Stripe.Event,
  subscription: Stripe.Subscription | undefined,
  current: boolean,
): Promise<Outcome> {
  return scope.transaction(
    async (tx) => {
      const [taken] = await tx
        .insert(stripeEvents)
        .values({
          id: event.id,
          type: event.type,
          stripe_created_at: new Date(event.created * 1000),
          outcome: subscription ? "applied" : "ignored",
          stripe_subscription_id: subscription?.id ?? null,
        })
        .onConflictDoNothing()
        .returning({ id: stripeEvents.id });
      if (!taken) return "duplicate";
      if (!subscription) return "ignored";
      const outcome = await store(tx, event, subscription, current);
      if (outcome !== "applied") {
        await tx.update(stripeEvents).set({ outcome }).where(eq(stripeEvents.id, event.id));
        log("warn", `Stripe event ${event.id} (${event.type}): ${outcome}`, { subscription: subscription.id });
      }
      return outcome;
    },
    { billing: true },
  );
}

async function store(tx: Tx, event: Stripe.Event, subscription: Stripe.Subscription, current: boolean) {
  const customer = idOf(subscription.customer) ?? "";
  const owner = await ownerOf(tx, subscription, customer);
  if (!owner) return "unknown_user" as const;
  // One change of a user's subscriptions at a time: the tier below is computed from all of them.
  await tx.select({ id: users.id }).from(users).where(eq(users.id, owner)).for("update");

  const item = subscription.items.data[0];
  const price = item?.price.id ?? "";
  const at = new Date(event.created * 1000);
  const state = {
    stripe_customer_id: customer,
    stripe_price_id: price,
    status: (event.type === "customer.subscription.deleted" ? "canceled" : subscription.status) as SubscriptionStatus,
    current_period_start: seconds(item?.current_period_start),
    current_period_end: seconds(item?.current_period_end),
    cancel_at_period_end: subscription.cancel_at_period_end,
    canceled_at: seconds(subscription.canceled_at),
    stripe_updated_at: at,
  };
  // Stripe's current state (read after a same-second tie) may replace one of the same second; an event only an
  // earlier one.
  const newer = current
    ? sql`${qualified(subscriptions.stripe_updated_at)} <= excluded.stripe_updated_at`
    : sql`${qualified(subscriptions.stripe_updated_at)} < excluded.stripe_updated_at`;
  const [stored] = await tx
    .insert(subscriptions)
    .values({ owner_id: owner, stripe_subscription_id: subscription.id, ...state })
    .onConflictDoUpdate({ target: subscriptions.stripe_subscription_id, set: state, setWhere: newer })
    .returning({ id: subscriptions.id });
  if (!stored) {
    const [held] = await tx
      .select({ at: subscriptions.stripe_updated_at })
      .from(subscriptions)
      .where(eq(subscriptions.stripe_subscription_id, subscription.id));
    if (!current && held?.at.getTime() === at.getTime()) throw new SameSecond();
    return "stale" as const;
  }
  await tierFollowsSubscriptions(tx, eq(users.id, owner));
  const [plan] = await tx.select({ id: plans.id }).from(plans).where(eq(plans.stripe_price_id, price));
  return plan ? ("applied" as const) : ("unknown_price" as const);
}

/**
 * Whose subscription it is: the user our checkout put in its metadata, else the user already holding this
 * subscription or customer (a subscription made in Stripe's dashboard for a known customer).
 */
async function ownerOf(tx: Tx, subscription: Stripe.Subscription, customer: string) {
  const named = subscription.metadata?.user_id;
  if (named && /^[0-9a-f-]{36}$/i.test(named)) {
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, named));
    if (user) return user.id;
  }
  const [known] = await tx
    .select({ owner: subscriptions.owner_id })
    .from(subscriptions)
    .where(
      or(eq(subscriptions.stripe_subscription_id, subscription.id), eq(subscriptions.stripe_customer_id, customer)),
    )
    .limit(1);
  return known?.owner;
}

const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === "string" ? value : (value?.id ?? undefined);

const seconds = (value: number | null | undefined) => (value == null ? null : new Date(value * 1000));
