import { createRoute, type z } from "@hono/zod-openapi";
import { parseListQuery } from "../../db/crud";
import { requireUser, tokenOnly } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
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

const listTiers = createRoute({
  ...common,
  method: "get",
  path: "/tiers",
  summary: "List tiers; filter, sort, page",
  request: { query: ListQueryParams },
  responses: { 200: json(TierPageSchema, "A page of tiers"), ...errors },
});

const createTier = createRoute({
  ...common,
  method: "post",
  path: "/tiers",
  summary: "Create a tier; with is_default it replaces the default tier",
  request: body(TierCreateSchema),
  responses: { 201: json(TierSchema, "The new tier"), ...errors, ...conflictError },
});

const getTier = createRoute({
  ...common,
  method: "get",
  path: "/tiers/{id}",
  summary: "Read a tier",
  request: { params: IdParam },
  responses: { 200: json(TierSchema, "The tier"), ...errors, ...notFoundError },
});

const updateTier = createRoute({
  ...common,
  method: "patch",
  path: "/tiers/{id}",
  summary: "Rename a tier, or make it the default (409 when unsetting the default)",
  request: { params: IdParam, ...body(TierUpdateSchema) },
  responses: { 200: json(TierSchema, "The changed tier"), ...errors, ...notFoundError, ...conflictError },
});

const deleteTier = createRoute({
  ...common,
  method: "delete",
  path: "/tiers/{id}",
  summary: "Delete a tier and its rate limits; its users move to the default tier (409 for the default tier)",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors, ...notFoundError, ...conflictError },
});

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

export const adminRoutes = router
  .openapi(listTiers, async (c) =>
    c.json(await adminService.listTiers(scopeOf(c), parseListQuery(c.req.queries(), tiersListSpec)), 200),
  )
  .openapi(createTier, async (c) => c.json(await adminService.createTier(scopeOf(c), c.req.valid("json")), 201))
  .openapi(getTier, async (c) => c.json(await adminService.getTier(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(updateTier, async (c) =>
    c.json(await adminService.updateTier(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(deleteTier, async (c) => {
    await adminService.deleteTier(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
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
  .openapi(runMaintenance, async (c) => c.json(await adminService.runMaintenance(scopeOf(c), c.var.config), 200));
