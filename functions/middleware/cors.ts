import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { ConfigVariables } from "./config";

/** CORS for the origins in CORS_ORIGINS (comma-separated, `*` for any); none configured, no CORS headers. */
export const configuredCors = () =>
  createMiddleware<{ Variables: ConfigVariables }>(async (c, next) => {
    const origins = c
      .get("config")
      .CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean);
    if (origins.length === 0) return next();
    return cors({
      origin: origins.includes("*") ? "*" : origins,
      maxAge: 600,
      // What a browser client may read of an answer: where it stands with its rate limit, the token of its last
      // write to send back for read-your-writes (consistency.ts), and whether the answer is a replay of an earlier
      // one (idempotency.ts). Request headers (Idempotency-Key among them) are allowed as the preflight asks.
      exposeHeaders: [
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
        "X-Consistency-Token",
        "Idempotent-Replayed",
      ],
    })(c, next);
  });
