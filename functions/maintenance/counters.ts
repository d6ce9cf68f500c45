import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

/**
 * Drops rate-limit counters whose window has ended: app_auth.begin_request never reads them again (a new
 * window is a new row), so they are only dead weight.
 */
export function pruneRateLimitCounters(db: Database, options: BatchOptions): Promise<BatchRun> {
  return deleteInBatches(
    db,
    {
      table: "rate_limit_counters",
      key: ["rate_limit_id", "subject", "window_start"],
      doomed: sql`expires_at < now()`,
      oldestFirst: sql`expires_at`,
    },
    options,
  );
}
