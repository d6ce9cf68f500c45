import type { Database } from "../../db/client";
import type { Config } from "../config";
import { log } from "../lib/log";
import { purgeSoftDeleted } from "./purge";

/** The scheduled maintenance job: what the cron trigger runs. */
export async function runMaintenance(db: Database, config: Config) {
  const started = Date.now();
  const purged = await purgeSoftDeleted(db, {
    retentionDays: config.MAINTENANCE_RETENTION_DAYS,
    batchSize: config.MAINTENANCE_BATCH_SIZE,
    maxBatches: config.MAINTENANCE_MAX_BATCHES,
  });
  log("info", "maintenance finished", { purged, ms: Date.now() - started });
  return { purged };
}
