import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

/** Drops e-mailed one-time tokens that expired more than a day ago (used or not, they can do nothing). */
export function pruneAccountTokens(db: Database, options: BatchOptions): Promise<BatchRun> {
  return deleteInBatches(
    db,
    {
      table: "account_tokens",
      key: ["id"],
      doomed: sql`expires_at < now() - interval '1 day'`,
      oldestFirst: sql`expires_at`,
    },
    options,
  );
}
