import { and, asc, count, desc, eq, getTableColumns, isNull, type SQL } from "drizzle-orm";
import type { AnyPgColumn, PgInsertValue, PgTable, PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Tx } from "./client";

type CrudTable = PgTable & { id: AnyPgColumn; created_at: AnyPgColumn };
type Row<T extends CrudTable> = T["$inferSelect"];

export type Page<T> = { data: T[]; total_count: number; offset: number; limit: number };

export type ListOptions = {
  offset: number;
  limit: number;
  where?: SQL;
  orderBy?: SQL[];
  /** Soft-deleted rows are left out of every read unless a caller asks for them. */
  withDeleted?: boolean;
};

/**
 * Generic CRUD over one table, used by every feature's service. It never opens or commits a transaction:
 * it runs inside the one the service opened with withRls/withAdmin, so RLS decides what it can see, and
 * a failed step rolls back everything before it.
 */
export function crud<T extends CrudTable>(table: T) {
  const columns = getTableColumns(table);
  const deletedAt = columns.deleted_at as AnyPgColumn | undefined;
  const visible = (where: SQL | undefined, withDeleted = false) =>
    deletedAt && !withDeleted ? and(isNull(deletedAt), where) : where;
  const byId = (id: string, withDeleted = false) => visible(eq(table.id, id), withDeleted);
  // Drizzle's builders are typed per concrete table; for a generic table we state the row type once here.
  const one = (rows: unknown[]) => rows[0] as Row<T> | undefined;

  return {
    table,
    softDeletes: Boolean(deletedAt),

    async create(tx: Tx, values: PgInsertValue<T>): Promise<Row<T>> {
      return one(await tx.insert(table).values(values).returning()) as Row<T>;
    },

    async get(tx: Tx, id: string, options: { withDeleted?: boolean } = {}) {
      return one(
        await tx
          .select()
          .from(table as PgTable)
          .where(byId(id, options.withDeleted))
          .limit(1),
      );
    },

    async getMulti(tx: Tx, options: ListOptions): Promise<Page<Row<T>>> {
      const where = visible(options.where, options.withDeleted);
      const orderBy = options.orderBy ?? [desc(table.created_at), asc(table.id)];
      const data = (await tx
        .select()
        .from(table as PgTable)
        .where(where)
        .orderBy(...orderBy)
        .offset(options.offset)
        .limit(options.limit)) as Row<T>[];
      const [total] = await tx
        .select({ n: count() })
        .from(table as PgTable)
        .where(where);
      return { data, total_count: total?.n ?? 0, offset: options.offset, limit: options.limit };
    },

    async update(tx: Tx, id: string, values: PgUpdateSetSource<T>) {
      return one((await tx.update(table).set(values).where(byId(id)).returning()) as unknown[]);
    },

    /** Soft delete when the table has deleted_at, else a real DELETE. Returns whether a row was hit. */
    async delete(tx: Tx, id: string): Promise<boolean> {
      if (!deletedAt) return this.hardDelete(tx, id);
      const rows = await tx
        .update(table)
        .set({ deleted_at: new Date() } as PgUpdateSetSource<T>)
        .where(byId(id))
        .returning({ id: table.id });
      return rows.length > 0;
    },

    async hardDelete(tx: Tx, id: string): Promise<boolean> {
      const rows = await tx.delete(table).where(eq(table.id, id)).returning({ id: table.id });
      return rows.length > 0;
    },
  };
}
