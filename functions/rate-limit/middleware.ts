import { sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { rowsOf } from "../../db/client";
import type { AppEnv } from "../env";
import { ApiError, serviceUnavailable } from "../lib/errors";
import { log } from "../lib/log";

type Hit = { limit: number; hits: number; reset_at: Date | string };

/**
 * Enforces the caller's tier limits for the matched route: per API key, else per user, else per client IP.
 *
 * One statement per request, app_auth.rate_limit_hit: it finds the caller's tier and the longest matching
 * rule and increments the fixed-window counter atomically (INSERT ... ON CONFLICT DO UPDATE), so under any
 * concurrency exactly `limit` requests pass. It is deliberately not folded into the request's transaction:
 * a request that fails and rolls back must still count. Rules are read in that same statement, so a change
 * to a tier's limits applies to the next request (no cache to expire, no extra round trip).
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const route = matchedRoutes(c)
    .filter((r) => r.method !== "ALL")
    .at(-1)?.path;
  if (!route) return next(); // an unknown route is a 404 and costs nothing

  const auth = c.get("auth");
  const subject =
    auth?.via === "api_key"
      ? `key:${auth.keyId}`
      : auth
        ? `user:${auth.userId}`
        : `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`;

  let hit: Hit | undefined;
  try {
    const result = await c.var.db.execute(
      sql`select "limit", hits, reset_at from app_auth.rate_limit_hit(${auth?.userId ?? null}::uuid, ${subject}, ${route})`,
    );
    hit = rowsOf<Hit>(result)[0];
  } catch (error) {
    if (c.var.config.RATE_LIMIT_FAILURE_MODE === "closed") throw serviceUnavailable("Rate limiting is unavailable");
    log("warn", "rate limiting unavailable, letting the request through", { error: String(error) });
    return next();
  }
  if (!hit) return next(); // no rule for this route in the caller's tier

  const resetSeconds = Math.max(0, Math.ceil((new Date(hit.reset_at).getTime() - Date.now()) / 1000));
  const headers = {
    "X-RateLimit-Limit": String(hit.limit),
    "X-RateLimit-Remaining": String(Math.max(0, hit.limit - hit.hits)),
    "X-RateLimit-Reset": String(resetSeconds),
  };
  if (hit.hits > hit.limit) {
    throw new ApiError(429, "rate_limited", "Too many requests", undefined, {
      ...headers,
      "Retry-After": String(Math.max(1, resetSeconds)),
    });
  }
  await next();
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
});
