import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

/** Drops API key usage records older than `retentionDays` (KEY_USAGE_RETENTION_DAYS), in bounded batches. */
export function pruneKeyUsage(db: Database, options: BatchOptions & { retentionDays: number }): Promise<BatchRun> {
  const doomed = sql`at < now() - make_interval(days => ${options.retentionDays})`;
  return deleteInBatches(db, { table: "key_usage", key: ["id"], doomed, oldestFirst: sql`at` }, options);
}
