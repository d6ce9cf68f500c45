import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { one } from "../../db/runner/plan";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { ApiError } from "../lib/errors";
import { findPgError } from "../lib/pg-errors";
import { errors, json, limitedError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { actsForNobody } from "../middleware/access";

const Health = z.object({ status: z.enum(["ok", "error"]), database: z.enum(["ok", "unavailable"]) }).openapi("Health");

const health = defineRoute({
  operationId: "getHealth",
  security: [],
  method: "get",
  path: "/",
  tags: ["health"],
  summary: "Liveness and a real round trip to the database",
  responses: {
    200: json(Health, "Up"),
    422: errors[422],
    503: json(Health, "The database does not answer"),
    ...limitedError,
  },
});

const router = createRouter();
// Health is for load balancers and monitors: credentials sent along are not checked, and it counts against the
// caller's address like any anonymous request.
router.use("*", actsForNobody);

export const healthRoutes = router.openapi(health, async (c) => {
  try {
    await scopeOf(c).run((q) => one(q.execute(sql`select 1`)));
    return c.json({ status: "ok" as const, database: "ok" as const }, 200);
  } catch (error) {
    // The caller's own refusals (over the rate limit, a malformed X-Consistency-Token) are theirs to see, not an
    // outage.
    if (findPgError(error)?.code.startsWith("PT") || (error instanceof ApiError && error.status < 500)) throw error;
    return c.json({ status: "error" as const, database: "unavailable" as const }, 503, { "Retry-After": "5" });
  }
});
