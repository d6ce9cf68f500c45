import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

// biome-ignore lint/suspicious/noExplicitAny: form fields of any depth, read as the test needs them
export type Form = Record<string, any>;

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

/** Stripe's form encoding (`line_items[0][price]=...`) back into the object it encodes. */
function parseForm(body: string) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter(Boolean);
    let node = out as Record<string, unknown>;
    const last = path.pop() as string;
    for (const part of path) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[last] = value;
  }
  return out as Form;
}

type Subscription = {
  id: string;
  object: "subscription";
  customer: string;
  status: string;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  metadata: Record<string, string>;
  items: {
    object: "list";
    data: { id: string; price: { id: string }; current_period_start: number; current_period_end: number }[];
  };
};

/**
 * A local stand-in for the few endpoints of Stripe's API the billing routes call, speaking its HTTP API as
 * stripe-node calls it (form-encoded bodies, bearer secret key, Stripe's error shape): creating a Checkout
 * Session and a billing portal session, reading a subscription. It also plays the customer: `pay` completes a
 * checkout and answers the signed webhook deliveries Stripe would send for it.
 */
export async function startFakeStripe({ secretKey = "sk_test_fake", webhookSecret = "whsec_test_fake" } = {}) {
  const checkouts = new Map<string, Form>();
  const portals: Form[] = [];
  const subscriptions = new Map<string, Subscription>();
  let failing = false;

  const server = createServer((request, response) => {
    let data = "";
    request.on("data", (chunk) => {
      data += chunk;
    });
    request.on("end", () => {
      const send = (status: number, body: unknown) =>
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const refuse = (status: number, type: string, message: string, code?: string) =>
        send(status, { error: { type, message, ...(code ? { code } : {}) } });
      if (failing) return refuse(500, "api_error", "down");
      if (request.headers.authorization !== `Bearer ${secretKey}`) {
        // As Stripe words it: the key's last characters masked in, which no client of the API should see.
        const sent = (request.headers.authorization ?? "").replace(/^Bearer /, "");
        return refuse(
          401,
          "invalid_request_error",
          `Invalid API Key provided: ${sent.slice(0, 8)}****${sent.slice(-4)}`,
        );
      }
      const form = parseForm(data);
      const url = new URL(request.url ?? "/", "http://fake");
      if (request.method === "POST" && url.pathname === "/v1/checkout/sessions") {
        if (!form.line_items?.["0"]?.price?.startsWith("price_")) {
          return refuse(400, "invalid_request_error", "No such price", "resource_missing");
        }
        const session = {
          id: id("cs_test"),
          object: "checkout.session",
          mode: form.mode,
          url: `https://checkout.stripe.test/c/pay/${id("cs")}`,
          customer: form.customer ?? null,
          customer_email: form.customer_email ?? null,
          client_reference_id: form.client_reference_id ?? null,
          metadata: form.metadata ?? {},
          subscription: null as string | null,
          form,
        };
        checkouts.set(session.id, session);
        return send(200, session);
      }
      if (request.method === "POST" && url.pathname === "/v1/billing_portal/sessions") {
        const session = {
          id: id("bps"),
          object: "billing_portal.session",
          url: `https://billing.stripe.test/p/${id("s")}`,
          form,
        };
        portals.push(session);
        return send(200, session);
      }
      const sub = /^\/v1\/subscriptions\/([^/]+)$/.exec(url.pathname);
      if (request.method === "GET" && sub?.[1]) {
        const found = subscriptions.get(decodeURIComponent(sub[1]));
        return found
          ? send(200, found)
          : refuse(404, "invalid_request_error", "No such subscription", "resource_missing");
      }
      return refuse(404, "invalid_request_error", `Unrecognized request URL (${request.method}: ${url.pathname})`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stripe = new Stripe(secretKey);

  let clock = Math.floor(Date.now() / 1000);
  /** Event times: each later than the last unless given (events of one second are made by passing the same). */
  const tick = () => ++clock;

  /** A signed delivery of `event`, as Stripe sends it: the body as JSON, its Stripe-Signature header. */
  const sign = async (event: object, options: { timestamp?: number; secret?: string } = {}) => {
    const payload = JSON.stringify(event, null, 2);
    const header = await stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: options.secret ?? webhookSecret,
      timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
      cryptoProvider: Stripe.createSubtleCryptoProvider(),
    });
    return { body: payload, headers: { "content-type": "application/json", "stripe-signature": header } };
  };

  /** An event as Stripe builds one. */
  const event = (type: string, object: object, created = tick()) => ({
    id: id("evt"),
    object: "event",
    api_version: "2026-11-18.endive",
    created,
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  });

  /** Changes the subscription held (as Stripe's own state would change) and answers it. */
  const update = (subscriptionId: string, change: Partial<Subscription> & { price?: string }) => {
    const current = subscriptions.get(subscriptionId);
    if (!current) throw new Error(`no subscription ${subscriptionId}`);
    const { price, ...rest } = change;
    const next: Subscription = { ...current, ...rest };
    if (price)
      next.items = {
        ...current.items,
        data: [{ ...(current.items.data[0] as Subscription["items"]["data"][0]), price: { id: price } }],
      };
    subscriptions.set(subscriptionId, next);
    return structuredClone(next);
  };

  /**
   * The customer pays for checkout `sessionId`: Stripe makes the customer (if the session had none) and an
   * active subscription to its price, with the session's subscription metadata, and sends its events.
   */
  const pay = (sessionId: string, status = "active") => {
    const session = checkouts.get(sessionId);
    if (!session) throw new Error(`no checkout ${sessionId}`);
    const now = Math.floor(Date.now() / 1000);
    const subscription: Subscription = {
      id: id("sub"),
      object: "subscription",
      customer: session.customer ?? id("cus"),
      status,
      cancel_at_period_end: false,
      canceled_at: null,
      metadata: session.form.subscription_data?.metadata ?? {},
      items: {
        object: "list",
        data: [
          {
            id: id("si"),
            price: { id: session.form.line_items["0"].price },
            current_period_start: now,
            current_period_end: now + 30 * 86400,
          },
        ],
      },
    };
    subscriptions.set(subscription.id, subscription);
    const completed = {
      ...session,
      status: "complete",
      customer: subscription.customer,
      subscription: subscription.id,
    };
    delete (completed as { form?: unknown }).form;
    return {
      subscription: structuredClone(subscription),
      created: event("customer.subscription.created", structuredClone(subscription)),
      completed: event("checkout.session.completed", completed),
    };
  };

  return {
    url,
    /** The settings that point the API at this fake. */
    env: { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_URL: url },
    secretKey,
    webhookSecret,
    checkouts,
    portals,
    subscriptions,
    sign,
    event,
    update,
    pay,
    tick,
    setFailing: (value: boolean) => {
      failing = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>;
