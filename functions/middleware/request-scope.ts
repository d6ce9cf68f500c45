import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Credentials, RequestContext } from "../../db/runner/context";
import { isRead } from "../lib/reads";
import { createScope, type Scope } from "../lib/scope";
import type { AccessVariables } from "./access";
import type { CredentialsVariables } from "./authenticate";
import type { ConfigVariables } from "./config";
import type { DatabaseVariables } from "./database";

export type ConsistencyVariables = {
  /** Read-your-writes (consistency.ts): the WAL position this request's reads must see (the caller's last write). */
  readAfter: () => string | undefined;
};

export type IdempotencyVariables = {
  /** A write's Idempotency-Key and its request's fingerprint (idempotency.ts), claimed by its transaction. */
  idempotency: RequestContext["idempotency"];
};

export type ScopeVariables = {
  /** The request's RLS scope, for services (functions/lib/scope.ts). */
  scope: Scope;
  /**
   * What the middleware around the handler needs afterwards (rate-limits.ts, key-usage.ts): the scope's state
   * (whether the hit was counted, the caller found), the request's context without its caller, and the
   * credentials as they stand (none when the route acts for nobody).
   */
  request: ReturnType<typeof createScope> & { context: RequestContext; credentials: () => Credentials | undefined };
};

/**
 * Gives the request its RLS scope. The route and the client address, and, when a service runs, the credentials
 * authenticate verified and the permission the route needs, become the request context; the service's
 * transaction opens with it (app_auth.begin_request), which checks the caller and counts the rate-limit hit for
 * the route in the same round trip as the handler's statements. The caller is added only when a service runs,
 * from the variables authenticate and permit set, so the order in which middleware is registered cannot hand a
 * request anyone else's context: without those variables, a request acts for nobody.
 */
export const requestScope = createMiddleware<{
  Variables: ConfigVariables &
    DatabaseVariables &
    ScopeVariables &
    CredentialsVariables &
    AccessVariables &
    Partial<ConsistencyVariables> &
    Partial<IdempotencyVariables>;
}>(async (c, next) => {
  const route = matchedRoutes(c)
    .filter((r) => r.method !== "ALL")
    .at(-1)?.path;
  const context: RequestContext = {
    ip: c.get("clientIp"),
    // An unknown route is a 404 and costs nothing.
    route,
    readOnly: isRead(c.req.method),
    statementTimeoutMs: c.get("config").DATABASE_STATEMENT_TIMEOUT_MS,
  };
  const credentials = () => (c.get("actsForNobody") ? undefined : c.get("credentials"));
  const request = createScope(
    c.get("runner"),
    () => ({
      ...context,
      credentials: credentials(),
      permission: c.get("permission"),
      after: c.get("readAfter")?.(),
      idempotency: c.get("idempotency"),
    }),
    c.get("rateLimiter"),
  );
  c.set("request", { ...request, context, credentials });
  c.set("scope", request.scope);
  await next();
});
