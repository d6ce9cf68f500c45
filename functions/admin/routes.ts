import { resourceRouter, resourceRoutes } from "../http/resource-routes";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { IdParam } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser, tokenOnly } from "../middleware/access";
import { rateLimitSchemas, rateLimitsListSpec, tiersResource } from "./schemas";
import { rateLimitsService, tiersService } from "./service";

// Administration needs a superuser's own access token: an API key cannot reach it (tokenOnly), and the
// request's context statement refuses anyone but a superuser (403).
const guards = [requireUser, tokenOnly];

const tiers = resourceRouter({ ...tiersResource, service: tiersService, guards: guards });

// A rate limit belongs to a tier: it is listed and created under its tier, changed and deleted by its own id.
const limit = resourceRoutes({
  tag: "admin",
  names: { one: "RateLimit", many: "RateLimits" },
  schemas: rateLimitSchemas,
  list: rateLimitsListSpec,
  summaries: {
    list: "List a tier's rate limits",
    create: "Add a rate limit to a tier (409 when the tier has one for that path)",
    get: "Read a rate limit",
    update: "Change a rate limit; applies from the next request",
    remove: "Delete a rate limit (soft: purged after the retention period)",
    restore:
      "Undo the deletion of a rate limit, within the retention period, if its tier is live (409 when the tier has a rule for that path again)",
    purge: "Delete a rate limit for good, deleted or not",
  },
});
const listRateLimits = defineRoute({
  ...limit.list,
  path: "/tiers/{id}/rate-limits",
  request: { ...limit.list.request, params: IdParam },
  responses: { ...limit.list.responses, 404: limit.get.responses[404] },
});
const createRateLimit = defineRoute({
  ...limit.create,
  path: "/tiers/{id}/rate-limits",
  request: { ...limit.create.request, params: IdParam },
  responses: { ...limit.create.responses, 404: limit.get.responses[404] },
});

const rateLimits = createRouter()
  .openapi(limit.update, async (c) =>
    c.json(await rateLimitsService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(limit.remove, async (c) => {
    await rateLimitsService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(limit.restore, async (c) =>
    c.json(
      await rateLimitsService.restore(scopeOf(c), c.req.valid("param").id, c.get("config").MAINTENANCE_RETENTION_DAYS),
      200,
    ),
  )
  .openapi(limit.purge, async (c) => {
    await rateLimitsService.purge(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

const router = createRouter();
router.use("*", ...guards);

/** Tiers and their rate limits, mounted at /api/v1/admin (users and maintenance mount beside it). */
export const adminRoutes = router
  .route("/tiers", tiers)
  .route("/rate-limits", rateLimits)
  .openapi(listRateLimits, async (c) =>
    c.json(await rateLimitsService.listOfTier(scopeOf(c), c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(createRateLimit, async (c) =>
    c.json(await rateLimitsService.createForTier(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 201),
  );
