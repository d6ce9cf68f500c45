import { getTableColumns, is, sql } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client";
import * as schema from "../../db/schema";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

/** Every table of the schema with a deleted_at column: new soft-delete tables are purged without a change here. */
export const softDeleteTables = (Object.values(schema) as unknown[]).filter(
  (value): value is PgTable => is(value, PgTable) && "deleted_at" in getTableColumns(value),
);

export type PurgeOptions = BatchOptions & { retentionDays: number };
export type PurgeSummary = BatchRun[];

/** Hard-deletes rows soft-deleted more than `retentionDays` ago, in bounded batches (./batches.ts). */
export async function purgeSoftDeleted(db: Database, options: PurgeOptions): Promise<PurgeSummary> {
  const summary: PurgeSummary = [];
  for (const table of softDeleteTables) {
    const doomed = sql`deleted_at < now() - make_interval(days => ${options.retentionDays})`;
    const target = { table: getTableConfig(table).name, key: ["id"], doomed, oldestFirst: sql`deleted_at` };
    summary.push(await deleteInBatches(db, target, options));
  }
  return summary;
}
