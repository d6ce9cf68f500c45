import { eq, sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stripeEvents, subscriptions, users } from "../../db/schema";
import { type FakeStripe, type Form, startFakeStripe } from "../testing/fake-stripe";
import { readError, startTestApp, type TestApp } from "../testing/harness";
import { stripeRefusal } from "./stripe";

// Billing end to end over HTTP: the API calls a local fake of Stripe's endpoints, and the test plays Stripe's
// webhook deliveries, signed with the endpoint's secret as Stripe signs them.

let t: TestApp;
let stripe: FakeStripe;
let admin: Awaited<ReturnType<TestApp["signUp"]>>;
let pro: { id: string };
let proPlan: { id: string };
const DEFAULT_LIMIT = 100;
const PRO_LIMIT = 1000;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await startTestApp({
    ...stripe.env,
    APP_URL: "https://app.example.com",
  });
  admin = await t.signUp({ superuser: true });
  const post = async (path: string, json: object) => {
    const response = await t.request(`/api/v1/admin${path}`, { method: "POST", token: admin.token, json });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { id: string };
  };
  const free = await post("/tiers", { name: "free", is_default: true });
  await post(`/tiers/${free.id}/rate-limits`, { name: "all", path: "/api/v1/*", limit: DEFAULT_LIMIT, period: 60 });
  pro = await post("/tiers", { name: "pro" });
  await post(`/tiers/${pro.id}/rate-limits`, { name: "all", path: "/api/v1/*", limit: PRO_LIMIT, period: 60 });
  proPlan = await post("/plans", { name: "Pro", stripe_price_id: "price_pro", tier_id: pro.id });
}, 60_000);
afterAll(async () => {
  await t.close();
  await stripe.close();
});

const deliver = async (event: object, options?: Parameters<FakeStripe["sign"]>[1]) => {
  const { body, headers } = await stripe.sign(event, options);
  return t.request("/api/v1/billing/webhook", { method: "POST", body, headers });
};
const outcomeOf = async (response: Response) => {
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { outcome: string }).outcome;
};
const limitOf = async (token: string) =>
  Number((await t.request("/api/v1/users/me", { token })).headers.get("x-ratelimit-limit"));
const statusOf = async (token: string) => {
  const response = await t.request("/api/v1/billing/subscription", { token });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    subscription: { status: string; stripe_subscription_id: string; stripe_customer_id: string } | null;
    plan: { id: string } | null;
    tier: { id: string; name: string } | null;
  };
};
const eventCount = () => t.asOwner(async (tx) => (await tx.select({ id: stripeEvents.id }).from(stripeEvents)).length);

/** A user who checked out the Pro plan and paid: its session, subscription, and the events Stripe sends. */
async function subscriber() {
  const user = await t.signUp();
  const response = await t.request("/api/v1/billing/checkout", {
    method: "POST",
    token: user.token,
    json: { plan_id: proPlan.id },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const { url } = (await response.json()) as { url: string };
  const session = [...stripe.checkouts.values()].at(-1) as Form;
  expect(url).toBe(session.url);
  return { user, session, ...stripe.pay(session.id) };
}

describe("checkout and the webhook", () => {
  it("a user who pays gets the plan's tier and its limits on the next request; cancelling returns the default", async () => {
    const { user, session, created, completed, subscription } = await subscriber();
    expect(session.form).toMatchObject({
      mode: "subscription",
      line_items: { "0": { price: "price_pro", quantity: "1" } },
      customer_email: user.email,
      client_reference_id: user.id,
      subscription_data: { metadata: { user_id: user.id } },
      success_url: "https://app.example.com/billing?checkout=success",
    });
    expect(await limitOf(user.token)).toBe(DEFAULT_LIMIT);

    expect(await outcomeOf(await deliver(created))).toBe("applied");
    expect(await limitOf(user.token)).toBe(PRO_LIMIT);
    const status = await statusOf(user.token);
    expect(status.subscription).toMatchObject({ status: "active", stripe_subscription_id: subscription.id });
    expect(status.plan?.id).toBe(proPlan.id);
    expect(status.tier).toEqual({ id: pro.id, name: "pro" });

    // The session's event reads the subscription from Stripe: still active.
    expect(await outcomeOf(await deliver(completed))).toBe("applied");
    expect(await limitOf(user.token)).toBe(PRO_LIMIT);

    const canceled = stripe.update(subscription.id, { status: "canceled", canceled_at: stripe.tick() });
    expect(await outcomeOf(await deliver(stripe.event("customer.subscription.deleted", canceled)))).toBe("applied");
    expect(await limitOf(user.token)).toBe(DEFAULT_LIMIT);
    expect((await statusOf(user.token)).tier?.name).toBe("free");
  });

  it("the session's event arriving first gives the tier too (Stripe's order is none)", async () => {
    const { user, completed, created } = await subscriber();
    expect(await outcomeOf(await deliver(completed))).toBe("applied");
    expect(await limitOf(user.token)).toBe(PRO_LIMIT);
    // The subscription's own (earlier) event then changes nothing.
    expect(await outcomeOf(await deliver(created))).toBe("stale");
    expect(await limitOf(user.token)).toBe(PRO_LIMIT);
  });

  it("a replayed event, and the same event delivered twice at once, apply once", async () => {
    const { user, created, subscription } = await subscriber();
    expect(await outcomeOf(await deliver(created))).toBe("applied");
    expect(await outcomeOf(await deliver(created))).toBe("duplicate");

    const pastDue = stripe.event(
      "customer.subscription.updated",
      stripe.update(subscription.id, { status: "past_due" }),
    );
    const before = await eventCount();
    const outcomes = await Promise.all(
      [deliver(pastDue), deliver(pastDue), deliver(pastDue)].map(async (r) => outcomeOf(await r)),
    );
    expect(outcomes.sort()).toEqual(["applied", "duplicate", "duplicate"]);
    expect(await eventCount()).toBe(before + 1);
    expect((await statusOf(user.token)).subscription?.status).toBe("past_due");
    expect(await limitOf(user.token)).toBe(DEFAULT_LIMIT);
  });

  it("an older update after a newer one changes nothing", async () => {
    const { user, created, subscription } = await subscriber();
    await deliver(created);
    const older = stripe.event("customer.subscription.updated", stripe.update(subscription.id, { status: "past_due" }));
    const newer = stripe.event("customer.subscription.updated", stripe.update(subscription.id, { status: "active" }));
    expect(await outcomeOf(await deliver(newer))).toBe("applied");
    expect(await outcomeOf(await deliver(older))).toBe("stale");
    expect((await statusOf(user.token)).subscription?.status).toBe("active");
    expect(await limitOf(user.token)).toBe(PRO_LIMIT);
    const [recorded] = await t.asOwner((tx) => tx.select().from(stripeEvents).where(eq(stripeEvents.id, older.id)));
    expect(recorded?.outcome).toBe("stale");
  });

  it("two events of the same second are settled by Stripe's current state", async () => {
    const { user, created, subscription } = await subscriber();
    await deliver(created);
    const second = created.created;
    // Sent in the wrong order, both in the subscription's first second: the later state is Stripe's.
    stripe.update(subscription.id, { status: "active" });
    const incomplete = stripe.event("customer.subscription.updated", { ...subscription, status: "incomplete" }, second);
    expect(await outcomeOf(await deliver(incomplete))).toBe("applied");
    expect((await statusOf(user.token)).subscription?.status).toBe("active");
    expect(await limitOf(user.token)).toBe(PRO_LIMIT);
  });

  it("an unknown price is recorded and logged; its subscriber gets the default tier until a plan maps it", async () => {
    const { user, created, subscription } = await subscriber();
    await deliver(created);
    const moved = stripe.event(
      "customer.subscription.updated",
      stripe.update(subscription.id, { price: "price_unknown" }),
    );
    expect(await outcomeOf(await deliver(moved))).toBe("unknown_price");
    expect(await limitOf(user.token)).toBe(DEFAULT_LIMIT);
    const [stored] = await t.asOwner((tx) =>
      tx.select().from(subscriptions).where(eq(subscriptions.stripe_subscription_id, subscription.id)),
    );
    expect(stored?.stripe_price_id).toBe("price_unknown");
    // Mapping the price gives its subscribers the tier at once.
    const plan = await t.request("/api/v1/admin/plans", {
      method: "POST",
      token: admin.token,
      json: { name: `Legacy ${subscription.id}`, stripe_price_id: `price_unknown`, tier_id: pro.id },
    });
    expect(plan.status).toBe(201);
    expect(await limitOf(user.token)).toBe(PRO_LIMIT);
    const { id } = (await plan.json()) as { id: string };
    expect((await t.request(`/api/v1/admin/plans/${id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect(await limitOf(user.token)).toBe(DEFAULT_LIMIT);
  });

  it("a subscription of nobody we know is recorded, and changes nothing", async () => {
    const stray = {
      ...stripe.pay([...stripe.checkouts.keys()][0] as string).subscription,
      metadata: {},
      customer: "cus_nobody",
    };
    expect(await outcomeOf(await deliver(stripe.event("customer.subscription.created", stray)))).toBe("unknown_user");
    expect(await outcomeOf(await deliver(stripe.event("invoice.paid", { id: "in_1" })))).toBe("ignored");
  });
});

describe("refused deliveries change nothing", () => {
  it("a bad signature, another secret, a stale timestamp or no signature: 400, nothing recorded", async () => {
    const { user, created } = await subscriber();
    const before = await eventCount();
    const { body, headers } = await stripe.sign(created);
    const tampered = body.replace('"active"', '"trialing"');
    const cases = [
      { body: tampered, headers },
      await stripe.sign(created, { secret: "whsec_someone_else" }),
      await stripe.sign(created, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      { body, headers: { "content-type": "application/json" } },
    ];
    for (const delivery of cases) {
      const response = await t.request("/api/v1/billing/webhook", { method: "POST", ...delivery });
      expect(response.status).toBe(400);
      expect((await readError(response)).error.code).toBe("bad_request");
    }
    expect(await eventCount()).toBe(before);
    expect(await limitOf(user.token)).toBe(DEFAULT_LIMIT);
    // The genuine delivery still applies afterwards.
    expect(await outcomeOf(await deliver(created))).toBe("applied");
  });

  it("the webhook ignores credentials: a token sent along gets no user's role", async () => {
    const { created } = await subscriber();
    const { body, headers } = await stripe.sign(created);
    const other = await t.signUp();
    const response = await t.request("/api/v1/billing/webhook", {
      method: "POST",
      body,
      headers: { ...headers, authorization: `Bearer ${other.token}` },
    });
    expect(await outcomeOf(response)).toBe("applied");
  });
});

describe("the caller's own billing", () => {
  it("checkout: one subscription at a time, the customer reused, return URLs on the app only", async () => {
    const { user, created, subscription } = await subscriber();
    await deliver(created);
    const again = await t.request("/api/v1/billing/checkout", {
      method: "POST",
      token: user.token,
      json: { plan_id: proPlan.id },
    });
    expect(again.status).toBe(409);

    const portal = await t.request("/api/v1/billing/portal", { method: "POST", token: user.token, json: {} });
    expect(portal.status).toBe(200);
    expect(stripe.portals.at(-1)?.form).toMatchObject({
      customer: subscription.customer,
      return_url: "https://app.example.com/billing",
    });

    await deliver(
      stripe.event("customer.subscription.deleted", stripe.update(subscription.id, { status: "canceled" })),
    );
    const renewed = await t.request("/api/v1/billing/checkout", {
      method: "POST",
      token: user.token,
      json: { plan_id: proPlan.id },
    });
    expect(renewed.status).toBe(200);
    expect([...stripe.checkouts.values()].at(-1)?.form).toMatchObject({ customer: subscription.customer });
    expect([...stripe.checkouts.values()].at(-1)?.form.customer_email).toBeUndefined();

    const elsewhere = await t.request("/api/v1/billing/checkout", {
      method: "POST",
      token: user.token,
      json: { plan_id: proPlan.id, success_url: "https://evil.example.net/thanks" },
    });
    expect(elsewhere.status).toBe(422);
    expect((await readError(elsewhere)).error.details?.[0]?.field).toBe("success_url");
  });

  it("refuses an unknown or retired plan (422) and the portal before any subscription (409)", async () => {
    const user = await t.signUp();
    const unknown = await t.request("/api/v1/billing/checkout", {
      method: "POST",
      token: user.token,
      json: { plan_id: crypto.randomUUID() },
    });
    expect(unknown.status).toBe(422);
    expect((await readError(unknown)).error.details?.[0]?.field).toBe("plan_id");
    expect((await t.request("/api/v1/billing/portal", { method: "POST", token: user.token, json: {} })).status).toBe(
      409,
    );
    expect(await statusOf(user.token)).toMatchObject({ subscription: null, plan: null, tier: { name: "free" } });
  });

  it("lists the active plans to any signed-in user; plans are managed by superusers only", async () => {
    const user = await t.signUp();
    const listed = (await (await t.request("/api/v1/billing/plans", { token: user.token })).json()) as {
      data: { id: string }[];
    };
    expect(listed.data.map((plan) => plan.id)).toContain(proPlan.id);
    const create = await t.request("/api/v1/admin/plans", {
      method: "POST",
      token: user.token,
      json: { name: "Mine", stripe_price_id: "price_mine" },
    });
    expect(create.status).toBe(403);
  });

  it("another user sees nothing of a subscription, and nobody writes one through the API", async () => {
    const { created } = await subscriber();
    await deliver(created);
    const other = await t.signUp();
    expect((await statusOf(other.token)).subscription).toBeNull();
    // Even a superuser's role only reads subscriptions: Stripe is their source of truth.
    const [owner] = await t.asOwner((tx) => tx.select({ id: users.id }).from(users).where(sql`is_superuser`).limit(1));
    expect(owner).toBeDefined();
  });

  it("passes on what Stripe says of the request, never what it says of the server's key or account", async () => {
    const user = await t.signUp();
    const checkout = (env: Record<string, string>) =>
      t.app.request(
        "/api/v1/billing/checkout",
        {
          method: "POST",
          headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
          body: JSON.stringify({ plan_id: proPlan.id }),
        },
        { ...t.env, ...env },
      );
    const wrongKey = await checkout({ STRIPE_SECRET_KEY: "sk_test_wrongkey9876" });
    expect(wrongKey.status).toBe(502);
    const text = await wrongKey.text();
    expect(text).toMatch(/payment_provider_error/);
    expect(text).not.toMatch(/9876|sk_test|Invalid API Key/);
    // Stripe's own refusals, by kind: the request's reason is the client's; the rest is the operator's.
    const refusal = (error: unknown) => {
      const { status, message } = stripeRefusal(error);
      return { status, message };
    };
    const raw = (message: string) => ({ message, type: "invalid_request_error" }) as never;
    expect(refusal(new Stripe.errors.StripeInvalidRequestError(raw("No such price: 'price_x'")))).toEqual({
      status: 502,
      message: "Stripe refused the request: No such price: 'price_x'",
    });
    for (const error of [
      new Stripe.errors.StripeAuthenticationError(raw("Invalid API Key provided: sk_live_****abcd")),
      new Stripe.errors.StripePermissionError(raw("The provided key 'rk_live_****abcd' on account acct_123 ...")),
    ]) {
      expect(refusal(error).status).toBe(502);
      expect(refusal(error).message).not.toMatch(/abcd|acct_|API Key/);
    }
    expect(refusal(new Stripe.errors.StripeRateLimitError(raw("Too many requests"))).status).toBe(503);
  });

  it("answers 503 with a clear message when Stripe is out of reach", async () => {
    const user = await t.signUp();
    stripe.setFailing(true);
    try {
      const response = await t.request("/api/v1/billing/checkout", {
        method: "POST",
        token: user.token,
        json: { plan_id: proPlan.id },
      });
      expect(response.status).toBe(503);
      expect((await readError(response)).error.message).toMatch(/Stripe/);
    } finally {
      stripe.setFailing(false);
    }
  });
});

describe("deleting an account that pays", () => {
  const deleteMe = (user: { token: string; password: string }) =>
    t.request("/api/v1/users/me", { method: "DELETE", token: user.token, json: { current_password: user.password } });
  const alive = async (token: string) => (await t.request("/api/v1/users/me", { token })).status === 200;

  it("is refused while a subscription will charge again, and goes once it ends with its period", async () => {
    const { user, created, subscription } = await subscriber();
    await deliver(created);
    const refused = await deleteMe(user);
    expect(refused.status).toBe(409);
    expect((await readError(refused)).error.message).toContain("billing portal");
    expect(await alive(user.token)).toBe(true);

    // past_due: Stripe still retries the payment.
    await deliver(
      stripe.event("customer.subscription.updated", stripe.update(subscription.id, { status: "past_due" })),
    );
    expect((await deleteMe(user)).status).toBe(409);

    // Cancelled in the portal at the period's end: nothing more will be charged.
    await deliver(
      stripe.event(
        "customer.subscription.updated",
        stripe.update(subscription.id, { status: "active", cancel_at_period_end: true }),
      ),
    );
    expect((await deleteMe(user)).status).toBe(204);
    expect(await alive(user.token)).toBe(false);
  });

  it("goes at once when the subscription has ended", async () => {
    const { user, created, subscription } = await subscriber();
    await deliver(created);
    await deliver(
      stripe.event("customer.subscription.deleted", stripe.update(subscription.id, { status: "canceled" })),
    );
    expect((await deleteMe(user)).status).toBe(204);
  });

  it("looks only at the caller's own subscriptions", async () => {
    const { created } = await subscriber();
    await deliver(created);
    const other = await t.signUp();
    expect((await deleteMe(other)).status).toBe(204);
  });
});

describe("billing not configured", () => {
  it("billing routes answer 503 saying what to set; the rest of the API works", async () => {
    const bare = await startTestApp();
    try {
      const user = await bare.signUp();
      const plans = await bare.request("/api/v1/billing/plans", { token: user.token });
      expect(plans.status).toBe(200);
      const checkout = await bare.request("/api/v1/billing/checkout", {
        method: "POST",
        token: user.token,
        json: { plan_id: crypto.randomUUID() },
      });
      expect(checkout.status).toBe(503);
      expect((await readError(checkout)).error.message).toMatch(/STRIPE_SECRET_KEY/);
      const webhook = await bare.request("/api/v1/billing/webhook", { method: "POST", json: { id: "evt_1" } });
      expect(webhook.status).toBe(503);
      expect((await bare.request("/api/v1/users/me", { token: user.token })).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
