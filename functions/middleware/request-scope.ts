import { sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { matchedRoutes } from "hono/route";
import type { RequestContext } from "../../db/runner/context";
import { nothing } from "../../db/runner/plan";
import { handleError } from "../lib/error-handler";
import { log } from "../lib/log";
import { findPgError } from "../lib/pg-errors";
import { createScope, type Scope } from "../lib/scope";
import type { AccessVariables } from "./access";
import type { CredentialsVariables } from "./authenticate";
import type { ConfigVariables } from "./config";
import { afterResponse, type DatabaseVariables } from "./database";

export type ScopeVariables = {
  /** The request's RLS scope, for services (functions/lib/scope.ts). */
  scope: Scope;
  /** The scope with what this middleware tracks of it: whether the hit was counted, and the caller found. */
  request: ReturnType<typeof createScope>;
};

/**
 * Gives the request its RLS scope, and settles rate limiting and API-key usage around it.
 *
 * The route and the client address, and, when a service runs, the credentials authenticate verified (it runs
 * inside this middleware so that its refusals are counted too) and the permission the route needs, become the
 * request context; the service's transaction opens with it (app_auth.begin_request), which checks the caller and counts the hit for the
 * route in the same round trip as the handler's statements. Rules are read in that statement, so a change
 * to a tier's limits applies to the next request, and the counter is an atomic upsert, so under any
 * concurrency exactly `limit` requests pass.
 *
 * A request whose transaction rolled back (or that never reached the database: a 422, a missing token)
 * was not counted: it is counted here, with one more statement on that failure path only, so failing
 * requests still count; past the limit its answer becomes 429, as it would have been. Every request made
 * with an API key is recorded (key_usage) after the response is sent.
 */
export const requestScope = createMiddleware<{
  Variables: ConfigVariables &
    DatabaseVariables &
    ScopeVariables &
    RequestIdVariables &
    CredentialsVariables &
    AccessVariables;
}>(async (c, next) => {
  const route = matchedRoutes(c)
    .filter((r) => r.method !== "ALL")
    .at(-1)?.path;
  // What this request is, whoever calls: the caller is added when a service runs (below), from the variables
  // authenticate and permit set, so the order in which middleware is registered cannot hand a request anyone
  // else's context: without those variables, a request acts for nobody.
  const context: RequestContext = {
    ip: c.get("clientIp"),
    // An unknown route is a 404 and costs nothing.
    route,
    readOnly: c.req.method === "GET" || c.req.method === "HEAD",
    statementTimeoutMs: c.get("config").DATABASE_STATEMENT_TIMEOUT_MS,
  };
  const credentials = () => (c.get("actsForNobody") ? undefined : c.get("credentials"));
  const request = createScope(c.get("runner"), () => ({
    ...context,
    credentials: credentials(),
    permission: c.get("permission"),
  }));
  c.set("request", request);
  c.set("scope", request.scope);
  await next();

  const { state } = request;
  // Not when the database is unavailable (503): the count could not reach it either. A 401 (credentials
  // missing, malformed, badly signed, unknown or revoked) is counted against the client's address: whoever
  // sends made-up keys or tokens uses up the anonymous limit, not nobody's.
  if (route && !state.counted && c.res.status !== 503) {
    const counted: RequestContext =
      c.res.status === 401
        ? { ip: context.ip, route, readOnly: context.readOnly }
        : { ...context, credentials: credentials() };
    try {
      const ran = await c.get("runner").batch(counted, () => nothing(undefined), false);
      state.caller = ran.caller;
    } catch (error) {
      const code = findPgError(error)?.code;
      if (code === "PT429") {
        c.res = handleError(error, c);
      } else if (code !== "PT401") {
        log("warn", "counting a failed request failed", { requestId: c.get("requestId"), error });
      }
    }
  }

  const { rateLimit, keyId } = state.caller ?? {};
  if (rateLimit && c.res.status !== 429) {
    const reset = Math.max(0, Math.ceil((rateLimit.resetAt.getTime() - Date.now()) / 1000));
    c.res.headers.set("X-RateLimit-Limit", String(rateLimit.limit));
    c.res.headers.set("X-RateLimit-Remaining", String(Math.max(0, rateLimit.limit - rateLimit.hits)));
    c.res.headers.set("X-RateLimit-Reset", String(reset));
  }
  if (keyId) {
    const path = c.req.path.slice(0, 255);
    afterResponse(
      c,
      c
        .get("runner")
        .statement(sql`select app_auth.record_key_use(${keyId}::uuid, ${c.req.method}, ${path}, ${c.res.status})`),
    );
  }
});
