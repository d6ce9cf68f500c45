import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

/**
 * Drops ended jobs: done ones a day after they ended (their payload is already cleared), dead ones after the
 * retention period (long enough for someone to look at why, and retry them).
 */
export function pruneJobs(db: Database, options: BatchOptions & { retentionDays: number }): Promise<BatchRun> {
  return deleteInBatches(
    db,
    {
      table: "jobs",
      key: ["id"],
      doomed: sql`(status = 'done' and finished_at < now() - interval '1 day')
        or (status = 'dead' and finished_at < now() - make_interval(days => ${options.retentionDays}))`,
      oldestFirst: sql`finished_at`,
    },
    options,
  );
}
