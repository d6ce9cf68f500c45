import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { rateLimits, tiers } from "../../db/schema";
import { listOf, timestamp } from "../lib/schemas";

/** What a client sees of a tier: these fields and no other. */
export const TierSchema = createSelectSchema(tiers, { created_at: timestamp, updated_at: timestamp })
  .pick({ id: true, name: true, description: true, is_default: true, created_at: true, updated_at: true })
  .openapi("Tier");

export const TierCreateSchema = createInsertSchema(tiers, {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(10_000).nullable().optional(),
  is_default: z
    .boolean()
    .optional()
    .openapi({ description: "Makes this the default tier; the previous one stops being it" }),
})
  .pick({ name: true, description: true, is_default: true })
  .strict()
  .openapi("TierCreate");

export const TierUpdateSchema = TierCreateSchema.partial().strict().openapi("TierUpdate");
export const TierPageSchema = listOf(TierSchema, "TierPage");

export const tiersListSpec = {
  fields: fieldsOf(tiers, ["id", "name", "description", "is_default", "created_at", "updated_at"]),
  defaultSort: "name",
};

/** What a client sees of a rate limit: these fields and no other. */
export const RateLimitSchema = createSelectSchema(rateLimits, { created_at: timestamp, updated_at: timestamp })
  .pick({
    id: true,
    tier_id: true,
    name: true,
    path: true,
    limit: true,
    period: true,
    created_at: true,
    updated_at: true,
  })
  .openapi("RateLimit");

export const RateLimitCreateSchema = createInsertSchema(rateLimits, {
  name: z.string().trim().min(1).max(100),
  path: z
    .string()
    .trim()
    .max(255)
    .regex(/^\/[^*]*\*?$/, "must start with / and may end with *")
    .openapi({ example: "/api/v1/items/:id", description: "A route pattern, or a prefix ending in *" }),
  limit: z.number().int().min(1).max(2_147_483_647).openapi({ description: "Requests per period" }),
  period: z.number().int().min(1).max(2_678_400).openapi({ description: "Window length in seconds (31 days at most)" }),
})
  .pick({ name: true, path: true, limit: true, period: true })
  .strict()
  .openapi("RateLimitCreate");

export const RateLimitUpdateSchema = RateLimitCreateSchema.partial().strict().openapi("RateLimitUpdate");
export const RateLimitPageSchema = listOf(RateLimitSchema, "RateLimitPage");

export const rateLimitsListSpec = {
  fields: fieldsOf(rateLimits, ["id", "name", "path", "limit", "period", "created_at", "updated_at"]),
  defaultSort: "path",
};

/** The tier resource as its routes declare it (functions/http/resource-routes.ts): schemas, list, docs. */
export const tiersResource = {
  tag: "admin",
  names: { one: "Tier", many: "Tiers" },
  schemas: {
    item: TierSchema,
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
    remove:
      "Delete a tier and its rate limits (soft: purged after the retention); its users move to the default tier " +
      "(409 for the default tier)",
    restore:
      "Undo the deletion of a tier and of the rate limits deleted with it, within the retention period (409 when " +
      "its name is taken again); its former users stay where they were moved",
    purge:
      "Delete a tier for good, deleted or not, with its rate limits; a live tier's users move to the default tier " +
      "(409 for the default tier)",
  },
  removeMayConflict: true,
};

/** The schemas of a rate limit's routes. */
export const rateLimitSchemas = {
  item: RateLimitSchema,
  page: RateLimitPageSchema,
  create: RateLimitCreateSchema,
  update: RateLimitUpdateSchema,
};

export type TierCreate = z.infer<typeof TierCreateSchema>;
export type TierUpdate = z.infer<typeof TierUpdateSchema>;
export type RateLimitCreate = z.infer<typeof RateLimitCreateSchema>;
export type RateLimitUpdate = z.infer<typeof RateLimitUpdateSchema>;
