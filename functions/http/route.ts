import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import { createRoute } from "@hono/zod-openapi";
import { ErrorSchema, json } from "../lib/schemas";
import { MAX_BODY_BYTES, MAX_BODY_DEPTH } from "../middleware/body";
import { IDEMPOTENCY_KEY, REPLAYED } from "../middleware/idempotency";

// What every operation can answer because of the middleware in front of it, declared once for all of them:
// bad credentials (401), a body too large, too deep, malformed or of the wrong type (413, 400, 415), the rate
// limit (429, and its headers on every answer), a fault of the server (500), and a database or identity provider
// that cannot be reached (503).

const header = (description: string, required = false) => ({
  description,
  required,
  schema: { type: "integer" as const, minimum: 0 },
});

/** Response headers, as components of the document: every response names them by reference. */
export const HEADERS = {
  "X-RateLimit-Limit": header(
    "Requests the caller may make to this route in the current window (when a limit applies)",
  ),
  "X-RateLimit-Remaining": header("Requests left in the current window"),
  "X-RateLimit-Reset": header("Seconds until the current window ends"),
  "Retry-After": header("Seconds to wait before trying again", true),
  "WWW-Authenticate": {
    description: 'The scheme to authenticate with (RFC 6750): `Bearer`, or `Bearer error="invalid_token"`',
    required: true,
    schema: { type: "string" as const },
  },
  [REPLAYED]: {
    description: `\`true\` on an answer kept for the request's ${IDEMPOTENCY_KEY} and sent again: the write was not done again`,
    required: false,
    schema: { type: "string" as const, enum: ["true"] as string[] },
  },
} as const;

/** The request header every write takes (functions/middleware/idempotency.ts). */
const IDEMPOTENCY_PARAMETER = {
  name: IDEMPOTENCY_KEY,
  in: "header" as const,
  required: false,
  description:
    "Makes the write safe to retry: a retry with the same key (within 24 hours) gets the first answer again, marked " +
    `\`${REPLAYED}: true\`, and nothing is written twice. A new key for each new request (a UUID, say); 1 to 255 ` +
    "printable ASCII characters, bare or as a quoted string. The same key with another request answers 422; while " +
    "the first is still being answered, 409. Kept for the signed-in caller only: another user's key is another key.",
  schema: { type: "string" as const, minLength: 1, maxLength: 255 },
};

const isWrite = (route: RouteConfig) => route.method !== "get" && route.method !== "head";

type HeaderName = keyof typeof HEADERS;
const refs = (...names: HeaderName[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
const RATE_LIMIT = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"] as const;

/** The header schemes a caller can sign in with; `bearerOrKey` where API keys are accepted too. */
export const SECURITY_SCHEMES = {
  bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
  apiKey: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "An API key (POST /api/v1/api-keys); `Authorization: Bearer <key>` works too",
  },
} as const;

/** The document's shared components: the security schemes and the response headers. */
export function registerComponents(app: { openAPIRegistry: OpenAPIHono["openAPIRegistry"] }) {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  }
  for (const [name, value] of Object.entries(HEADERS)) app.openAPIRegistry.registerComponent("headers", name, value);
}

const error = (description: string) => json(ErrorSchema, description);

type Responses = RouteConfig["responses"];

/** The answers the middleware can give, for a route of this method, with or without a body. */
function middlewareAnswers(route: RouteConfig): Responses {
  return {
    401: error("Credentials were sent and are not valid (or none were sent where they are needed)"),
    ...(isWrite(route)
      ? {
          400: error(`${IDEMPOTENCY_KEY} is not valid`),
          409: error(`A request with this ${IDEMPOTENCY_KEY} is still being answered, or its answer was lost`),
          413: error(`A body over ${MAX_BODY_BYTES} bytes, or nested over ${MAX_BODY_DEPTH} levels`),
          422: error(`This ${IDEMPOTENCY_KEY} was used with another request`),
        }
      : {}),
    ...(route.request?.body
      ? {
          400: error(`The body is not well-formed JSON (or form data), or ${IDEMPOTENCY_KEY} is not valid`),
          415: error("The body is not of a declared media type"),
        }
      : {}),
    429: error("Too many requests for the caller's rate limit: wait as Retry-After says"),
    500: error("A fault of the server (a bug, or its configuration), never of the request: no details are given"),
    503: error("The database or an identity provider's key set cannot be reached: try again as Retry-After says"),
  };
}

/**
 * A response with the headers it may carry: the rate limit's on all, Retry-After and WWW-Authenticate where sent,
 * and on a write's, the mark of a replayed answer.
 */
function withHeaders(route: RouteConfig, status: string, response: Responses[string]) {
  if ("$ref" in response) return response;
  const names: HeaderName[] = [...RATE_LIMIT];
  if (isWrite(route)) names.push(REPLAYED);
  if (status === "429" || status === "503") names.push("Retry-After");
  if (status === "401") names.push("WWW-Authenticate");
  // A 409 for a key still being answered says when to try again; other conflicts do not.
  const inUse =
    status === "409" && isWrite(route)
      ? { "Retry-After": { ...HEADERS["Retry-After"], required: false, description: IN_USE_RETRY } }
      : {};
  return { ...response, headers: { ...refs(...names), ...inUse, ...(response.headers as object) } };
}

const IN_USE_RETRY = `Seconds to wait before sending a request whose ${IDEMPOTENCY_KEY} is still being answered again`;

/**
 * createRoute, with what the middleware in front of every route can answer added to the route's own
 * responses (a route's own declaration of a status wins) and the headers each response carries. Every
 * operation of the API is declared with it, so the document promises what the server does.
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(route: R) {
  const all = { ...middlewareAnswers(route as RouteConfig), ...route.responses };
  const responses = Object.fromEntries(
    Object.entries(all).map(([status, r]) => [status, withHeaders(route as RouteConfig, status, r)]),
  );
  const parameters = isWrite(route as RouteConfig) ? [IDEMPOTENCY_PARAMETER] : [];
  // Typed as the route declares itself: the added answers are the middleware's, not the handler's to return.
  return createRoute<P, R>({ ...route, responses, ...(parameters.length > 0 ? { parameters } : {}) });
}
