import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { plans, subscriptions } from "../../db/schema";
import { listOf, timestamp } from "../lib/schemas";

/** What a client sees of a plan: these fields and no other. */
export const PlanSchema = createSelectSchema(plans, { created_at: timestamp, updated_at: timestamp })
  .pick({
    id: true,
    name: true,
    description: true,
    stripe_price_id: true,
    tier_id: true,
    is_active: true,
    created_at: true,
    updated_at: true,
  })
  .openapi("Plan");

export const PlanCreateSchema = createInsertSchema(plans, {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(10_000).nullable().optional(),
  stripe_price_id: z
    .string()
    .trim()
    .regex(/^price_[A-Za-z0-9]{1,200}$/, "must be a Stripe price id (price_...)")
    .openapi({ example: "price_1PgafmB7WZ01zgkWSY1W1BZL", description: "The recurring Stripe price a customer pays" }),
  tier_id: z
    .uuid()
    .nullable()
    .optional()
    .openapi({ description: "The tier its subscribers get; null: the default tier" }),
  is_active: z.boolean().optional().openapi({ description: "Offered at checkout (default true)" }),
})
  .pick({ name: true, description: true, stripe_price_id: true, tier_id: true, is_active: true })
  .strict()
  .openapi("PlanCreate");

export const PlanUpdateSchema = PlanCreateSchema.partial().strict().openapi("PlanUpdate");
export const PlanPageSchema = listOf(PlanSchema, "PlanPage");

export const plansListSpec = {
  fields: fieldsOf(plans, ["id", "name", "stripe_price_id", "tier_id", "is_active", "created_at", "updated_at"]),
  defaultSort: "name",
};

/** The plan resource as the admin routes declare it (functions/http/resource-routes.ts). */
export const plansResource = {
  tag: "admin",
  names: { one: "Plan", many: "Plans" },
  schemas: { item: PlanSchema, page: PlanPageSchema, create: PlanCreateSchema, update: PlanUpdateSchema },
  list: plansListSpec,
  summaries: {
    list: "List plans; filter, sort, page",
    create: "Map a Stripe price to a tier (409 when the price or the name is taken, 422 for an unknown tier)",
    get: "Read a plan",
    update: "Change a plan; its subscribers get the new tier at once",
    remove: "Delete a plan (retire it with is_active=false instead while it has subscribers)",
  },
};

export const SubscriptionSchema = createSelectSchema(subscriptions, {
  current_period_start: timestamp,
  current_period_end: timestamp,
  canceled_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
})
  .pick({
    id: true,
    stripe_subscription_id: true,
    stripe_customer_id: true,
    stripe_price_id: true,
    status: true,
    current_period_start: true,
    current_period_end: true,
    cancel_at_period_end: true,
    canceled_at: true,
    created_at: true,
    updated_at: true,
  })
  .openapi("Subscription");

/** The caller's billing: the subscription that counts (the paid one, else the latest) and the tier it gives. */
export const BillingStatusSchema = z
  .object({
    // A union with null, not .nullable(): the generator documents a nullable $ref as never null.
    subscription: z.union([SubscriptionSchema, z.null()]),
    plan: z.union([PlanSchema, z.null()]),
    tier: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  })
  .openapi("BillingStatus", {
    description:
      "`subscription`: the paid one, else the latest (null: never subscribed); `plan`: the plan of its price (null " +
      "if none maps to it); `tier`: the tier whose rate limits apply to you (null: none is set up)",
  });

const returnUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .optional()
  .openapi({ description: "Where Stripe sends the customer back (default: APP_URL's billing page)" });

export const CheckoutRequestSchema = z
  .object({
    plan_id: z.uuid().openapi({ description: "An active plan (GET /api/v1/billing/plans)" }),
    success_url: returnUrl,
    cancel_url: returnUrl,
  })
  .strict()
  .openapi("CheckoutRequest");

export const PortalRequestSchema = z.object({ return_url: returnUrl }).strict().openapi("PortalRequest");

export const RedirectSchema = z
  .object({ url: z.url().openapi({ description: "Stripe's page: send the customer's browser there" }) })
  .openapi("BillingRedirect");

export const WebhookReceiptSchema = z
  .object({
    received: z.literal(true),
    outcome: z.enum(["applied", "stale", "unknown_price", "unknown_user", "ignored", "duplicate"]),
  })
  .openapi("WebhookReceipt");

export type PlanCreate = z.infer<typeof PlanCreateSchema>;
export type PlanUpdate = z.infer<typeof PlanUpdateSchema>;
export type CheckoutRequest = z.infer<typeof CheckoutRequestSchema>;
