import { createRoute, type z } from "@hono/zod-openapi";
import { parseListQuery } from "../../db/crud";
import { requireUser, tokenOnly } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { resourceRoutes } from "../lib/resource-routes";
import { bearer, conflictError, errors, IdParam, json, ListQueryParams, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { UserPageSchema, UserSchema } from "../users/schemas";
import {
  AdminUserUpdateSchema,
  adminUsersListSpec,
  MaintenanceSummarySchema,
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
import { adminService } from "./service";

const common = { tags: ["admin"], security: bearer };
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const tier = resourceRoutes({
  tag: "admin",
  schemas: {
    item: TierSchema,
    detail: TierSchema,
    page: TierPageSchema,
    create: TierCreateSchema,
    update: TierUpdateSchema,
  },
  summaries: {
    list: "List tiers; filter, sort, page",
    create: "Create a tier; with is_default it replaces the default tier (409 when the name is taken)",
    get: "Read a tier",
    update: "Rename a tier, or make it the default (409 when unsetting the default)",
    remove: "Delete a tier and its rate limits; its users move to the default tier (409 for the default tier)",
  },
});
const deleteTier = createRoute({ ...tier.remove, responses: { ...tier.remove.responses, ...conflictError } });

const listRateLimits = createRoute({
  ...common,
  method: "get",
  path: "/tiers/{id}/rate-limits",
  summary: "List a tier's rate limits",
  request: { params: IdParam, query: ListQueryParams },
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

const listUsers = createRoute({
  ...common,
  method: "get",
  path: "/users",
  summary: "List users; filter by tier_id, is_active, ...; sort, page",
  request: { query: ListQueryParams },
  responses: { 200: json(UserPageSchema, "A page of users"), ...errors },
});

const updateUser = createRoute({
  ...common,
  method: "patch",
  path: "/users/{id}",
  summary: "Change a user's tier, activity, superuser flag or name (409 when deactivating or demoting yourself)",
  request: { params: IdParam, ...body(AdminUserUpdateSchema) },
  responses: { 200: json(UserSchema, "The changed user"), ...errors, ...notFoundError, ...conflictError },
});

const runMaintenance = createRoute({
  ...common,
  method: "post",
  path: "/maintenance/run",
  summary: "Run the maintenance job now (what the cron runs) and return its summary",
  responses: { 200: json(MaintenanceSummarySchema, "What the run deleted"), ...errors },
});

const router = createRouter();
router.use("*", requireUser, tokenOnly);

const tiers = createRouter()
  .openapi(tier.list, async (c) =>
    c.json(await adminService.listTiers(scopeOf(c), parseListQuery(c.req.queries(), tiersListSpec)), 200),
  )
  .openapi(tier.create, async (c) => c.json(await adminService.createTier(scopeOf(c), c.req.valid("json")), 201))
  .openapi(tier.get, async (c) => c.json(await adminService.getTier(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(tier.update, async (c) =>
    c.json(await adminService.updateTier(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(deleteTier, async (c) => {
    await adminService.deleteTier(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

export const adminRoutes = router
  .route("/tiers", tiers)
  .openapi(listRateLimits, async (c) =>
    c.json(
      await adminService.listRateLimits(
        scopeOf(c),
        c.req.valid("param").id,
        parseListQuery(c.req.queries(), rateLimitsListSpec),
      ),
      200,
    ),
  )
  .openapi(createRateLimit, async (c) =>
    c.json(await adminService.createRateLimit(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(updateRateLimit, async (c) =>
    c.json(await adminService.updateRateLimit(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(deleteRateLimit, async (c) => {
    await adminService.deleteRateLimit(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(listUsers, async (c) =>
    c.json(await adminService.listUsers(scopeOf(c), parseListQuery(c.req.queries(), adminUsersListSpec)), 200),
  )
  .openapi(updateUser, async (c) =>
    c.json(await adminService.updateUser(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(runMaintenance, async (c) => c.json(await adminService.runMaintenance(scopeOf(c), c.get("config")), 200));
