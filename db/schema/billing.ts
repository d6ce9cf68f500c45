import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  foreignKey,
  index,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { type Access, declareAccess, ownedTable, reach } from "./access";
import { timestamps, uuidPrimaryKey } from "./columns";
import { billingPolicy, superuserPolicy } from "./rls";
import { appUser } from "./roles";
import { tiers } from "./tiers";
import { userScoped } from "./user-scoped";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** The statuses Stripe gives a subscription; `active` and `trialing` are the paid ones. */
export const subscriptionStatuses = [
  "incomplete",
  "incomplete_expired",
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "paused",
] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];
/** The statuses after which Stripe will not charge for the subscription again (a new checkout starts another). */
export const endedSubscriptionStatuses = [
  "canceled",
  "incomplete_expired",
] as const satisfies readonly SubscriptionStatus[];

/**
 * What a customer can buy: a Stripe price, and the tier it gives while its subscription is active or trialing.
 * Superusers manage plans; every signed-in user reads them (to choose one). A plan whose tier is deleted gives
 * the default tier's limits.
 */
export const plans = pgTable(
  "plans",
  {
    ...uuidPrimaryKey,
    name: varchar("name", { length: 100 }).notNull(),
    description: text("description"),
    /** Stripe's id of the recurring price (`price_...`), set up in Stripe's dashboard or API. */
    stripe_price_id: varchar("stripe_price_id", { length: 255 }).notNull(),
    tier_id: uuid("tier_id"),
    /** Offered at checkout; a retired plan keeps its subscribers (and their tier) until they change plans. */
    is_active: boolean("is_active").notNull().default(true),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("uq_plans_stripe_price_id").on(t.stripe_price_id),
    uniqueIndex("uq_plans_name").on(t.name),
    foreignKey({ name: "fk_plans_tier_id", columns: [t.tier_id], foreignColumns: [tiers.id] }).onDelete("set null"),
    index("ix_plans_tier_id").on(t.tier_id),
    pgPolicy("plans_select_all", { as: "permissive", for: "select", to: appUser, using: sql`true` }),
    superuserPolicy("plans"),
    billingPolicy("plans"),
  ],
).enableRLS();

export type Plan = typeof plans.$inferSelect;

/**
 * A user's Stripe subscriptions, as the webhook last heard of them. The owner reads them; only the webhook
 * (rls_billing) writes them. `stripe_updated_at` is the time of the Stripe event that described the state held:
 * Stripe delivers in no order, and an event older than it changes nothing.
 */
export const subscriptions = userScoped(
  "subscriptions",
  {
    stripe_subscription_id: varchar("stripe_subscription_id", { length: 255 }).notNull(),
    stripe_customer_id: varchar("stripe_customer_id", { length: 255 }).notNull(),
    stripe_price_id: varchar("stripe_price_id", { length: 255 }).notNull(),
    status: varchar("status", { length: 32 }).$type<SubscriptionStatus>().notNull(),
    current_period_start: timestamptz("current_period_start"),
    current_period_end: timestamptz("current_period_end"),
    cancel_at_period_end: boolean("cancel_at_period_end").notNull().default(false),
    canceled_at: timestamptz("canceled_at"),
    stripe_updated_at: timestamptz("stripe_updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("uq_subscriptions_stripe_subscription_id").on(t.stripe_subscription_id),
    index("ix_subscriptions_stripe_customer_id").on(t.stripe_customer_id),
    check(
      "chk_subscriptions_status",
      sql.raw(`status in (${subscriptionStatuses.map((status) => `'${status}'`).join(", ")})`),
    ),
    billingPolicy("subscriptions"),
  ],
);

export type Subscription = typeof subscriptions.$inferSelect;

/**
 * The Stripe events applied, by Stripe's id: an event is recorded in the transaction that applies it, so a
 * replayed or concurrent duplicate finds its id taken and changes nothing. `outcome` says what it did.
 */
export const stripeEvents = pgTable(
  "stripe_events",
  {
    id: varchar("id", { length: 255 }).primaryKey(),
    type: varchar("type", { length: 100 }).notNull(),
    /** When Stripe created the event. */
    stripe_created_at: timestamptz("stripe_created_at").notNull(),
    /** `applied`, or why not: `stale`, `unknown_price`, `unknown_user`, `ignored`. */
    outcome: varchar("outcome", { length: 32 }).notNull(),
    stripe_subscription_id: varchar("stripe_subscription_id", { length: 255 }),
    received_at: timestamptz("received_at").notNull().defaultNow(),
  },
  (t) => [
    index("ix_stripe_events_received_at").on(t.received_at),
    check(
      "chk_stripe_events_outcome",
      sql`${t.outcome} in ('applied', 'stale', 'unknown_price', 'unknown_user', 'ignored')`,
    ),
    superuserPolicy("stripe_events"),
    billingPolicy("stripe_events"),
  ],
).enableRLS();

/** The webhook's reach: what db/access.test.ts measures for rls_billing. */
const webhookWrites = { select: "all", insert: "allowed", update: "all", delete: "denied" } as const;

/** Plans: shared (users read, superusers write); the webhook reads them to find a price's tier. */
declareAccess(plans, {
  probe: "updated_at",
  roles: {
    login: reach.nothing,
    anon: reach.nothing,
    user: reach.readOnly,
    superuser: reach.everything,
    maintenance: reach.everything,
    billing: reach.readOnly,
  },
});

/** Subscriptions: the owner reads its own, superusers read all, only the webhook writes. */
declareAccess(subscriptions, {
  ...ownedTable({ ...reach.nothing, select: "own" }),
  roles: {
    ...ownedTable().roles,
    user: { ...reach.nothing, select: "own" },
    superuser: reach.readOnly,
    billing: webhookWrites,
  },
} satisfies Access);

/** Events: the webhook's ledger; it records them and their outcome (its one updatable column). */
declareAccess(stripeEvents, {
  probe: "outcome",
  roles: {
    login: reach.nothing,
    anon: reach.nothing,
    user: reach.nothing,
    superuser: reach.readOnly,
    maintenance: reach.everything,
    billing: webhookWrites,
  },
});
