import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

/** Drops Idempotency-Keys past their 24 hours: a retry that late is a new request. */
export function pruneIdempotencyKeys(db: Database, options: BatchOptions): Promise<BatchRun> {
  return deleteInBatches(
    db,
    {
      table: "idempotency_keys",
      key: ["owner_id", "key"],
      doomed: sql`expires_at < now()`,
      oldestFirst: sql`expires_at`,
    },
    options,
  );
}
