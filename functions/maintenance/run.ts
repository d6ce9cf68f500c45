import type { Database } from "../../db/client";
import type { Config } from "../lib/config";
import { log } from "../lib/log";
import { pruneAccountTokens } from "./account-tokens";
import { pruneRateLimitCounters } from "./counters";
import { pruneIdempotencyKeys } from "./idempotency-keys";
import { pruneJobs } from "./jobs";
import { pruneKeyUsage } from "./key-usage";
import { purgeSoftDeleted } from "./purge";
import { pruneSessions, pruneSpentRefreshTokens } from "./sessions";
import { pruneStripeEvents } from "./stripe-events";

export type MaintenanceSummary = Awaited<ReturnType<typeof runMaintenance>>;

/**
 * The maintenance job: what the cron trigger runs, and POST /api/v1/admin/maintenance/run on demand. Every
 * step deletes only what is past its retention, so running it twice in a row is harmless.
 */
export async function runMaintenance(db: Database, config: Config) {
  const started = Date.now();
  const bounds = { batchSize: config.MAINTENANCE_BATCH_SIZE, maxBatches: config.MAINTENANCE_MAX_BATCHES };
  const purged = await purgeSoftDeleted(db, { ...bounds, retentionDays: config.MAINTENANCE_RETENTION_DAYS });
  const keyUsagePruned = await pruneKeyUsage(db, { ...bounds, retentionDays: config.KEY_USAGE_RETENTION_DAYS });
  const countersPruned = await pruneRateLimitCounters(db, bounds);
  const sessionsPruned = await pruneSessions(db, {
    ...bounds,
    retentionDays: config.MAINTENANCE_RETENTION_DAYS,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  const refreshTokensPruned = await pruneSpentRefreshTokens(db, bounds);
  const accountTokensPruned = await pruneAccountTokens(db, bounds);
  const stripeEventsPruned = await pruneStripeEvents(db, bounds);
  const idempotencyKeysPruned = await pruneIdempotencyKeys(db, bounds);
  const jobsPruned = await pruneJobs(db, { ...bounds, retentionDays: config.MAINTENANCE_RETENTION_DAYS });
  const summary = {
    purged,
    keyUsagePruned,
    countersPruned,
    sessionsPruned,
    refreshTokensPruned,
    accountTokensPruned,
    stripeEventsPruned,
    idempotencyKeysPruned,
    jobsPruned,
    ms: Date.now() - started,
  };
  log("info", "maintenance finished", summary);
  return summary;
}
