import { createRoute, type z } from "@hono/zod-openapi";
import { listQuery } from "../http/list-query";
import { resourceRouter } from "../http/resource-routes";
import { createRouter } from "../http/router";
import { bearer, conflictError, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser, tokenOnly } from "../middleware/access";
import {
  RateLimitCreateSchema,
  RateLimitPageSchema,
  RateLimitSchema,
  RateLimitUpdateSchema,
  rateLimitsListSpec,
  TierCreateSchema,
  TierPageSchema,
  TierSchema,
  TierUpdateSchema,
  tiersListSpec,
} from "./schemas";
import { rateLimitsService, tiersService } from "./service";

// Administration needs a superuser's own access token: an API key cannot reach it (tokenOnly), and the
// request's context statement refuses anyone but a superuser (403).
const guards = [requireUser, tokenOnly];
const common = { tags: ["admin"], security: bearer };
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const tiers = resourceRouter({
  tag: "admin",
  schemas: {
    item: TierSchema,
    detail: TierSchema,
    page: TierPageSchema,
    create: TierCreateSchema,
    update: TierUpdateSchema,
  },
  list: tiersListSpec,
  summaries: {
    list: "List tiers; filter, sort, page",
    create: "Create a tier; with is_default it replaces the default tier (409 when the name is taken)",
    get: "Read a tier",
    update: "Rename a tier, or make it the default (409 when unsetting the default)",
    remove: "Delete a tier and its rate limits; its users move to the default tier (409 for the default tier)",
  },
  removeMayConflict: true,
  service: tiersService,
  guards,
});

const listRateLimits = createRoute({
  ...common,
  method: "get",
  path: "/tiers/{id}/rate-limits",
  summary: "List a tier's rate limits",
  request: { params: IdParam, query: listQuery(rateLimitsListSpec) },
  responses: { 200: json(RateLimitPageSchema, "A page of rate limits"), ...errors, ...notFoundError },
});

const createRateLimit = createRoute({
  ...common,
  method: "post",
  path: "/tiers/{id}/rate-limits",
  summary: "Add a rate limit to a tier (409 when the tier has one for that path)",
  request: { params: IdParam, ...body(RateLimitCreateSchema) },
  responses: { 201: json(RateLimitSchema, "The new rate limit"), ...errors, ...notFoundError, ...conflictError },
});

const updateRateLimit = createRoute({
  ...common,
  method: "patch",
  path: "/rate-limits/{id}",
  summary: "Change a rate limit; applies from the next request",
  request: { params: IdParam, ...body(RateLimitUpdateSchema) },
  responses: { 200: json(RateLimitSchema, "The changed rate limit"), ...errors, ...notFoundError, ...conflictError },
});

const deleteRateLimit = createRoute({
  ...common,
  method: "delete",
  path: "/rate-limits/{id}",
  summary: "Delete a rate limit",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors, ...notFoundError },
});

const router = createRouter();
router.use("*", ...guards);

/** Tiers and their rate limits, mounted at /api/v1/admin (users and maintenance mount beside it). */
export const adminRoutes = router
  .route("/tiers", tiers)
  .openapi(listRateLimits, async (c) =>
    c.json(await rateLimitsService.listOfTier(scopeOf(c), c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(createRateLimit, async (c) =>
    c.json(await rateLimitsService.createForTier(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(updateRateLimit, async (c) =>
    c.json(await rateLimitsService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(deleteRateLimit, async (c) => {
    await rateLimitsService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
