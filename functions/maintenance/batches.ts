import { type SQL, sql } from "drizzle-orm";
import { withAdmin } from "../../db/admin";
import { type Database, rowsOf } from "../../db/client";

export type BatchOptions = { batchSize: number; maxBatches: number };
export type BatchRun = { table: string; deleted: number; batches: number; complete: boolean };

/** Which rows of one table a job deletes: `doomed` picks them, `key` joins them back (the primary key). */
export type DoomedRows = { table: string; key: readonly string[]; doomed: SQL; oldestFirst: SQL };

/**
 * Deletes the rows `target.doomed` selects, oldest first, at most `batchSize` per batch. Each batch is its
 * own short transaction as rls_maintenance_admin and skips rows another transaction holds (FOR UPDATE SKIP
 * LOCKED), so a job never blocks requests for long; `maxBatches` bounds one run, and the next run goes on
 * where it stopped. Every maintenance job is one call of this.
 */
export async function deleteInBatches(db: Database, target: DoomedRows, options: BatchOptions): Promise<BatchRun> {
  const table = sql.identifier(target.table);
  const keys = sql.join(
    target.key.map((column) => sql.identifier(column)),
    sql`, `,
  );
  const joined = sql.join(
    target.key.map((column) => sql`t.${sql.identifier(column)} = d.${sql.identifier(column)}`),
    sql` and `,
  );
  const run: BatchRun = { table: target.table, deleted: 0, batches: 0, complete: false };
  while (run.batches < options.maxBatches) {
    const deleted = await withAdmin(
      db,
      async (tx) =>
        rowsOf(
          await tx.execute(sql`
          with d as (
            select ${keys} from ${table}
            where ${target.doomed}
            order by ${target.oldestFirst}
            limit ${options.batchSize}
            for update skip locked
          )
          delete from ${table} t using d where ${joined}
          returning 1`),
        ).length,
    );
    run.batches++;
    run.deleted += deleted;
    if (deleted < options.batchSize) {
      run.complete = true;
      break;
    }
  }
  return run;
}
