import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import type { RequestContext } from "../../db/runner/context";
import { handleError } from "../lib/error-handler";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { findPgError } from "../lib/pg-errors";
import type { DatabaseVariables } from "./database";
import type { ScopeVariables } from "./request-scope";

/**
 * Rate limits on the way out (registered right after requestScope, so every refusal after it is seen here).
 * A request's hit is counted by the rate limiter (functions/lib/rate-limits) when its transaction runs: in
 * the database, by its own context statement; in Redis, before or beside it.
 *
 * A request whose hit was not counted (its transaction rolled back, or it never reached the database: a 422,
 * a missing token) is counted here, on that failure path only, so failing requests still count; past the
 * limit its answer becomes 429, as it would have been. Then the answer tells the client
 * where it stands (X-RateLimit-Limit, -Remaining, -Reset).
 */
export const rateLimits = createMiddleware<{ Variables: DatabaseVariables & ScopeVariables & RequestIdVariables }>(
  async (c, next) => {
    await next();
    const { state, context, credentials } = c.get("request");
    const { route } = context;
    // Not when the database is unavailable (503): the count could not reach it either. A 401 (credentials
    // missing, malformed, badly signed, unknown or revoked) is counted against the client's address: whoever
    // sends made-up keys or tokens uses up the anonymous limit, not nobody's.
    // Counted before a write whose transaction then failed (a store outside Postgres): an API key's use is still
    // recorded (keyUsage), so who called is resolved, without counting again.
    const keyUnknown = state.counted && !state.caller && credentials()?.via === "api_key";
    if (route && (!state.counted || keyUnknown) && c.res.status !== 503) {
      const counted: RequestContext =
        c.res.status === 401
          ? { ip: context.ip, route, readOnly: context.readOnly }
          : { ...context, credentials: credentials() };
      try {
        state.caller = await c
          .get("rateLimiter")
          .countFailed(c.get("runner"), counted, { alreadyCounted: state.counted });
      } catch (error) {
        const status = error instanceof ApiError ? error.status : findPgError(error)?.code;
        if (status === 429 || status === "PT429") {
          c.res = handleError(error, c);
        } else if (status !== "PT401") {
          log("warn", "counting a failed request failed", { requestId: c.get("requestId"), error });
        }
      }
    }
    const rateLimit = state.caller?.rateLimit ?? state.rateLimit;
    if (rateLimit && c.res.status !== 429) {
      const reset = Math.max(0, Math.ceil((rateLimit.resetAt.getTime() - Date.now()) / 1000));
      c.res.headers.set("X-RateLimit-Limit", String(rateLimit.limit));
      c.res.headers.set("X-RateLimit-Remaining", String(Math.max(0, rateLimit.limit - rateLimit.hits)));
      c.res.headers.set("X-RateLimit-Reset", String(reset));
    }
  },
);
