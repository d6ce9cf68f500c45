import { z } from "@hono/zod-openapi";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { bearer, conflictError, ErrorSchema, errors, json } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { actsForNobody, requireUser, tokenOnly } from "../middleware/access";
import {
  BillingStatusSchema,
  CheckoutRequestSchema,
  PlanSchema,
  PortalRequestSchema,
  RedirectSchema,
  WebhookReceiptSchema,
} from "./schemas";
import { billingService, plansService } from "./service";
import { stripeClient, webhookSecretOf } from "./stripe";
import { applyEvent, verifiedEvent } from "./webhook";

const common = { tags: ["billing"], security: bearer };
const stripeAnswers = {
  502: json(
    ErrorSchema,
    "Stripe refused the call: for the request itself (a price it does not know, a portal not set up) the message says why; for the server's own key, only that it did",
  ),
};

const plans = defineRoute({
  ...common,
  operationId: "listBillingPlans",
  method: "get",
  path: "/plans",
  summary: "The plans on offer, by name",
  responses: { 200: json(z.object({ data: z.array(PlanSchema) }).openapi("PlanList"), "Active plans"), ...errors },
});

const subscription = defineRoute({
  ...common,
  operationId: "getBillingSubscription",
  method: "get",
  path: "/subscription",
  summary: "Your subscription, its plan, and the tier whose rate limits apply to you",
  responses: { 200: json(BillingStatusSchema, "Your billing"), ...errors },
});

const checkout = defineRoute({
  ...common,
  operationId: "createCheckoutSession",
  method: "post",
  path: "/checkout",
  summary: "Start paying for a plan: a Stripe Checkout page to send the browser to",
  description:
    "Your tier changes when Stripe tells the webhook the subscription is active, not here. 409 while you have a " +
    "subscription that is not over (change plans in the portal); 503 when billing is not configured.",
  request: { body: { content: { "application/json": { schema: CheckoutRequestSchema } }, required: true } },
  responses: { 200: json(RedirectSchema, "Stripe's checkout page"), ...errors, ...conflictError, ...stripeAnswers },
});

const portal = defineRoute({
  ...common,
  operationId: "createBillingPortalSession",
  method: "post",
  path: "/portal",
  summary: "Manage your subscription (plan, card, cancel) in Stripe's billing portal",
  request: { body: { content: { "application/json": { schema: PortalRequestSchema } }, required: true } },
  responses: { 200: json(RedirectSchema, "Stripe's portal page"), ...errors, ...conflictError, ...stripeAnswers },
});

const webhook = defineRoute({
  operationId: "receiveStripeWebhook",
  tags: ["billing"],
  security: [],
  method: "post",
  path: "/webhook",
  summary: "Stripe's events (Stripe calls this, signed; see docs/billing.md)",
  description:
    "Verified with the Stripe-Signature header over the body as sent; each event applied once, whatever the " +
    "order and however often it is delivered. Any answer but 2xx makes Stripe deliver it again, for up to three days.",
  request: {
    headers: z.object({ "stripe-signature": z.string().optional().openapi({ description: "Stripe's signature" }) }),
    body: {
      content: { "application/json": { schema: z.looseObject({}).openapi({ description: "A Stripe event" }) } },
      required: true,
    },
  },
  responses: {
    200: json(WebhookReceiptSchema, "Received: what the event did (a duplicate or stale event changes nothing)"),
    400: json(ErrorSchema, "The Stripe-Signature header is missing, stale, or does not sign this body"),
    422: errors[422],
  },
});

const router = createRouter();
// Billing is the user's own: their access token, never an API key. Stripe's webhook signs instead.
router.use("/plans", requireUser, tokenOnly);
router.use("/subscription", requireUser, tokenOnly);
router.use("/checkout", requireUser, tokenOnly);
router.use("/portal", requireUser, tokenOnly);
router.use("/webhook", actsForNobody);

/** Billing through Stripe, mounted at /api/v1/billing. */
export const billingRoutes = router
  .openapi(plans, async (c) => c.json(await plansService.offered(scopeOf(c)), 200))
  .openapi(subscription, async (c) => c.json(await billingService.status(scopeOf(c)), 200))
  .openapi(checkout, async (c) => {
    const config = c.get("config");
    const stripe = stripeClient(config);
    return c.json(await billingService.checkout(scopeOf(c), stripe, config, c.req.valid("json")), 200);
  })
  .openapi(portal, async (c) => {
    const config = c.get("config");
    const stripe = stripeClient(config);
    return c.json(await billingService.portal(scopeOf(c), stripe, config, c.req.valid("json").return_url), 200);
  })
  .openapi(webhook, async (c) => {
    const config = c.get("config");
    const stripe = stripeClient(config);
    const event = await verifiedEvent(
      stripe,
      await c.req.text(),
      c.req.header("stripe-signature"),
      webhookSecretOf(config),
    );
    const outcome = await applyEvent(scopeOf(c), stripe, event);
    return c.json({ received: true as const, outcome }, 200);
  });
