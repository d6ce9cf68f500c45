import { getTableColumns, is, sql } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { type Database, rowsOf } from "../../db/client";
import * as schema from "../../db/schema";
import { withAdmin } from "../../db/session";

/** Every table of the schema with a deleted_at column: new soft-delete tables are purged without a change here. */
export const softDeleteTables = (Object.values(schema) as unknown[]).filter(
  (value): value is PgTable => is(value, PgTable) && "deleted_at" in getTableColumns(value),
);

export type PurgeOptions = { retentionDays: number; batchSize: number; maxBatches: number };
export type PurgeSummary = { table: string; deleted: number; batches: number; complete: boolean }[];

/**
 * Hard-deletes rows soft-deleted more than `retentionDays` ago, as rls_maintenance_admin (BYPASSRLS).
 * Each batch is its own short transaction and skips rows another transaction holds, so a purge never
 * blocks requests for long; `maxBatches` bounds one run, and the next run continues where it stopped.
 */
export async function purgeSoftDeleted(db: Database, options: PurgeOptions): Promise<PurgeSummary> {
  const summary: PurgeSummary = [];
  for (const table of softDeleteTables) {
    const name = getTableConfig(table).name;
    const target = sql.identifier(name);
    let deleted = 0;
    let batches = 0;
    let complete = false;
    while (batches < options.maxBatches) {
      const n = await withAdmin(db, async (tx) => {
        const result = await tx.execute(sql`
          with doomed as (
            select id from ${target}
            where deleted_at < now() - make_interval(days => ${options.retentionDays})
            order by deleted_at
            limit ${options.batchSize}
            for update skip locked
          )
          delete from ${target} t using doomed where t.id = doomed.id
          returning t.id`);
        return rowsOf(result).length;
      });
      batches++;
      deleted += n;
      if (n < options.batchSize) {
        complete = true;
        break;
      }
    }
    summary.push({ table: name, deleted, batches, complete });
  }
  return summary;
}
