import Stripe from "stripe";
import type { Config } from "../lib/config";
import { ApiError, serviceUnavailable } from "../lib/errors";

/**
 * Stripe's official client, the same on Workers and Node: its fetch HTTP client and Web Crypto (the Node
 * defaults, http and node:crypto, do not exist on Workers). It adds 96 KiB gzip to the Worker (463,566 -> 562,188
 * bytes, npm run check:bundle: 54% of the budget), so the template uses it rather than its own calls.
 */
export function stripeClient(config: Config) {
  if (!config.STRIPE_SECRET_KEY) throw billingOff();
  const api = new URL(config.STRIPE_API_URL);
  return new Stripe(config.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    protocol: api.protocol === "http:" ? "http" : "https",
    host: api.hostname,
    port: api.port || (api.protocol === "http:" ? 80 : 443),
    // One retry on a network error, with an idempotency key: the request is not made twice.
    maxNetworkRetries: 1,
    timeout: 10_000,
    telemetry: false,
  });
}

/** Stripe's signature scheme over Web Crypto: HMAC-SHA256 of `timestamp.body`, compared in constant time. */
export const webCrypto = Stripe.createSubtleCryptoProvider();

/** How old a signed delivery may be (Stripe's default): a captured one cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function webhookSecretOf(config: Config) {
  if (!config.STRIPE_WEBHOOK_SECRET) throw billingOff();
  return config.STRIPE_WEBHOOK_SECRET;
}

const billingOff = () =>
  serviceUnavailable(
    "Billing is not configured: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (docs/billing.md)",
    3600,
  );

export type StripeClient = ReturnType<typeof stripeClient>;
export type { Stripe };

/**
 * What a client learns of a call Stripe refused. Only a refusal of the request itself (`invalid_request_error`:
 * a price Stripe does not know, a portal not set up) helps the client, so only its message is passed on, as a
 * 502. A refusal of the server's own credentials (authentication, permission) says the operator's key is wrong,
 * and Stripe's text names that key's suffix and the account: the client gets a plain 502, the log the rest. Too
 * many requests, or Stripe out of reach: 503, try again. Anything else: a plain 502.
 */
export function stripeRefusal(error: unknown): ApiError {
  const refused = error as Partial<Stripe.errors.StripeError>;
  if (
    refused.type === "StripeConnectionError" ||
    refused.type === "StripeRateLimitError" ||
    (refused.statusCode ?? 0) >= 500 ||
    !refused.type
  ) {
    return serviceUnavailable("Stripe cannot be reached: try again shortly", 5);
  }
  if (refused.type === "StripeInvalidRequestError") {
    return new ApiError(502, "payment_provider_error", `Stripe refused the request: ${refused.message}`);
  }
  return new ApiError(502, "payment_provider_error", "Stripe refused the request: see the server's log");
}
