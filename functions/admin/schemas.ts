import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { rateLimits, tiers, users } from "../../db/schema";
import { listOf, timestamp } from "../lib/schemas";

export const TierSchema = createSelectSchema(tiers, { created_at: timestamp, updated_at: timestamp }).openapi("Tier");

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

export const RateLimitSchema = createSelectSchema(rateLimits, {
  created_at: timestamp,
  updated_at: timestamp,
}).openapi("RateLimit");

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

export const AdminUserUpdateSchema = z
  .object({
    tier_id: z.uuid(),
    is_active: z.boolean().openapi({ description: "false: the user's tokens and API keys stop working at once" }),
    is_superuser: z.boolean(),
    full_name: z.string().trim().max(255).nullable(),
  })
  .partial()
  .strict()
  .openapi("AdminUserUpdate");

/** What GET /admin/users may filter and sort on: the users list's fields and the tier. */
export const adminUsersListSpec = {
  fields: fieldsOf(users, [
    "id",
    "email",
    "full_name",
    "is_active",
    "is_superuser",
    "tier_id",
    "created_at",
    "updated_at",
  ]),
  defaultSort: "-created_at",
};

const BatchRunSchema = z.object({
  table: z.string(),
  deleted: z.number().int(),
  batches: z.number().int(),
  complete: z.boolean().openapi({ description: "false: the run stopped at MAINTENANCE_MAX_BATCHES; the next goes on" }),
});

export const MaintenanceSummarySchema = z
  .object({
    purged: z
      .array(BatchRunSchema)
      .openapi({ description: "Soft-deleted rows past MAINTENANCE_RETENTION_DAYS, per table" }),
    keyUsagePruned: BatchRunSchema.openapi({ description: "key_usage rows past KEY_USAGE_RETENTION_DAYS" }),
    countersPruned: BatchRunSchema.openapi({ description: "Rate-limit counters whose window has ended" }),
    ms: z.number().int(),
  })
  .openapi("MaintenanceSummary");

export type TierCreate = z.infer<typeof TierCreateSchema>;
export type TierUpdate = z.infer<typeof TierUpdateSchema>;
export type RateLimitCreate = z.infer<typeof RateLimitCreateSchema>;
export type RateLimitUpdate = z.infer<typeof RateLimitUpdateSchema>;
export type AdminUserUpdate = z.infer<typeof AdminUserUpdateSchema>;
