import { z } from "@hono/zod-openapi";

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
    sessionsPruned: BatchRunSchema.openapi({
      description: "Sessions revoked or expired more than MAINTENANCE_RETENTION_DAYS ago, with their refresh tokens",
    }),
    refreshTokensPruned: BatchRunSchema.openapi({ description: "Spent refresh tokens of live sessions, once expired" }),
    accountTokensPruned: BatchRunSchema.openapi({ description: "E-mailed one-time tokens expired over a day ago" }),
    stripeEventsPruned: BatchRunSchema.openapi({
      description: "Records of Stripe events received over 31 days ago (Stripe no longer sends them)",
    }),
    idempotencyKeysPruned: BatchRunSchema.openapi({ description: "Idempotency-Keys past their 24 hours" }),
    jobsPruned: BatchRunSchema.openapi({
      description: "Jobs done over a day ago, and dead ones past MAINTENANCE_RETENTION_DAYS",
    }),
    ms: z.number().int(),
  })
  .openapi("MaintenanceSummary");
