import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  getTableName,
  isNotNull,
  isNull,
  Many,
  or,
  type SQL,
  sql,
  type TableRelationalConfig,
} from "drizzle-orm";
import type { AnyPgColumn, PgInsertValue, PgTable, PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Database } from "../client";
import { ListQueryError } from "../errors";
import { andThen, nothing, one, type Plan, plan, type Query } from "../runner/plan";
import { fieldOf } from "./fields";
import { coerce, FilterError } from "./filters";
import type { ListQuery, SortKey } from "./list-query";

type CrudTable = PgTable & { id: AnyPgColumn };
type Row<T extends CrudTable> = T["$inferSelect"];
type Column<T extends CrudTable> = keyof Row<T> & string;

export type Page<R> = { data: R[]; total_count: number; offset: number; limit: number };
export type CursorPage<R> = { data: R[]; next_cursor: string | null; limit: number };

type ReadOptions<T extends CrudTable> = {
  where?: SQL;
  /** Soft-deleted rows are left out of every read unless a caller asks for them. */
  withDeleted?: boolean;
  /** Only these columns; all when omitted. */
  columns?: readonly Column<T>[];
  /** A selection of its own (e.g. the table's columns plus a computed one); wins over `columns`. */
  select?: Record<string, unknown>;
  /**
   * Reads the row FOR UPDATE: it must be one the caller may change (RLS applies the UPDATE policy, and the
   * UPDATE privilege is needed), and it stays locked until the transaction ends.
   */
  forUpdate?: boolean;
};
type ListOptions<T extends CrudTable> = ReadOptions<T> & { sort?: SortKey[] };

const encodeCursor = (values: string[]) => btoa(JSON.stringify(values)).replace(/\+/g, "-").replace(/\//g, "_");
const badCursor = () =>
  new ListQueryError([{ field: "cursor", location: "query", message: "is not a cursor this list issued" }]);

/** The cursor's values, each checked against its key's type: garbage is a 422, never a cast error (22007). */
function decodeCursor(cursor: string, keys: readonly AnyPgColumn[]): string[] {
  let values: unknown;
  try {
    values = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(values) || values.length !== keys.length) throw badCursor();
  return values.map((value, i) => {
    const column = keys[i] as AnyPgColumn;
    if (typeof value !== "string") throw badCursor();
    try {
      coerce(fieldOf(column.name, column), value);
    } catch (error) {
      if (error instanceof FilterError) throw badCursor();
      throw error;
    }
    return value;
  });
}

/**
 * Generic CRUD over one table, the FastCRUD surface on Drizzle, used by every feature's service. It never
 * opens or commits a transaction: it runs in the one the service opened with withRls/withAdmin, so RLS
 * decides what it sees, and a failed step rolls back every step before it.
 */
export function crud<T extends CrudTable>(table: T) {
  const columns = getTableColumns(table) as Record<string, AnyPgColumn>;
  const deletedAt = columns.deleted_at;
  const live = (where: SQL | undefined, withDeleted = false) =>
    deletedAt && !withDeleted ? and(isNull(deletedAt), where) : where;
  const byId = (id: string) => eq(table.id, id);
  const selection = (picked?: readonly string[], own?: Record<string, unknown>) =>
    (own as Record<string, AnyPgColumn> | undefined) ??
    (picked ? Object.fromEntries(picked.map((name) => [name, columns[name] as AnyPgColumn])) : columns);
  const orderBy = (sort: SortKey[] = []) => [
    ...sort.map((key) => (key.descending ? desc(key.field.column) : asc(key.field.column))),
    asc(table.id), // a total order: equal sort keys never make pages overlap
  ];
  // Drizzle's builders are typed per concrete table; for a generic table the row type is stated once here.
  const rows = (result: unknown) => result as Row<T>[];
  const from = table as PgTable;

  const self = {
    table,
    name: getTableName(table),
    softDeletes: Boolean(deletedAt),

    create(q: Database, values: PgInsertValue<T>): Plan<Row<T>> {
      return andThen(one(q.insert(table).values(values).returning()), (r) => rows(r)[0] as Row<T>);
    },

    /** One INSERT for all rows: all are written or none. */
    createMany(q: Database, values: PgInsertValue<T>[]): Plan<Row<T>[]> {
      if (values.length === 0) return nothing([]);
      return andThen(one(q.insert(table).values(values).returning()), rows);
    },

    get(q: Database, id: string, options: ReadOptions<T> = {}): Plan<Row<T> | undefined> {
      const where = live(and(byId(id), options.where), options.withDeleted);
      const query = q.select(selection(options.columns)).from(from).where(where).limit(1);
      return andThen(one(options.forUpdate ? query.for("update") : query), (r) => rows(r)[0]);
    },

    /** A page by offset/limit, sorted (then by id), with the total count of matching rows. */
    getMulti(q: Database, options: ListOptions<T> & { offset: number; limit: number }): Plan<Page<Row<T>>> {
      const where = live(options.where, options.withDeleted);
      const page = q
        .select(selection(options.columns, options.select))
        .from(from)
        .where(where)
        .orderBy(...orderBy(options.sort))
        .offset(options.offset)
        .limit(options.limit);
      return plan([page, ...self.count(q, options).queries], ([data, total]) => ({
        data: rows(data),
        total_count: (total as { n: number }[])[0]?.n ?? 0,
        offset: options.offset,
        limit: options.limit,
      }));
    },

    /**
     * A page by keyset: rows strictly after the cursor in (sort keys..., id) order. Stable under inserts
     * and deletes, and as fast on page 1000 as on page 1 when an index covers the sort. Sort keys must be
     * NOT NULL. Values travel in the cursor as Postgres text, so timestamps keep their microseconds.
     */
    getMultiByCursor(
      q: Database,
      options: ListOptions<T> & { cursor?: string; limit: number },
    ): Plan<CursorPage<Row<T>>> {
      const keys = [...(options.sort ?? []).map((k) => ({ column: k.field.column, descending: k.descending }))];
      keys.push({ column: table.id, descending: false });
      let after: SQL | undefined;
      if (options.cursor) {
        const values = decodeCursor(
          options.cursor,
          keys.map((key) => key.column),
        );
        const typed = (i: number) => sql`cast(${values[i]} as ${sql.raw(keys[i]?.column.getSQLType() ?? "text")})`;
        after = or(
          ...keys.map((key, i) =>
            and(
              ...keys.slice(0, i).map((previous, j) => sql`${previous.column} = ${typed(j)}`),
              key.descending ? sql`${key.column} < ${typed(i)}` : sql`${key.column} > ${typed(i)}`,
            ),
          ),
        );
      }
      const cursorColumns = Object.fromEntries(
        keys.map((key, i) => [`__cursor${i}`, sql<string>`${key.column}::text`]),
      );
      const query = q
        .select({ ...selection(options.columns, options.select), ...cursorColumns })
        .from(from)
        .where(live(and(options.where, after), options.withDeleted))
        .orderBy(...orderBy(options.sort))
        .limit(options.limit + 1);
      return andThen(one(query), (result) => {
        const found = result as Record<string, unknown>[];
        const page = found.slice(0, options.limit);
        const last = found.length > options.limit ? page[page.length - 1] : undefined;
        const data = page.map((row) => {
          const copy = { ...row };
          for (const name of Object.keys(cursorColumns)) delete copy[name];
          return copy;
        });
        return {
          data: rows(data),
          next_cursor: last ? encodeCursor(keys.map((_, i) => String(last[`__cursor${i}`]))) : null,
          limit: options.limit,
        };
      });
    },

    /**
     * One row with related rows (`{ items: true }`, nested `{ owner: { columns: {...} } }` ...) in a single
     * statement, through Drizzle's relational queries and the relations in db/schema/relations.ts.
     * Soft-deleted related rows are left out unless `withDeleted`.
     */
    getJoined(
      q: Database,
      id: string,
      include: Record<string, true | Record<string, unknown>>,
      options: { withDeleted?: boolean } = {},
    ): Plan<Record<string, unknown> | undefined> {
      const config = (q._.schema as Record<string, TableRelationalConfig> | undefined)?.[self.name];
      const query = (q.query as unknown as Record<string, { findFirst: (q: object) => Query }>)[self.name];
      if (!config || !query)
        throw new Error(`no relational query for ${self.name}: export its relations from db/schema`);
      const withClause = Object.fromEntries(
        Object.entries(include).map(([name, value]) => {
          const relation = config.relations[name];
          if (!relation) throw new Error(`${self.name} has no relation ${name}`);
          const childDeletedAt = (getTableColumns(relation.referencedTable) as Record<string, AnyPgColumn>).deleted_at;
          if (!(relation instanceof Many) || !childDeletedAt || options.withDeleted) return [name, value];
          return [name, { ...(value === true ? {} : value), where: isNull(childDeletedAt) }];
        }),
      );
      return andThen(
        one(query.findFirst({ where: live(byId(id), options.withDeleted), with: withClause })),
        (row) => row as Record<string, unknown> | undefined,
      );
    },

    /** What a list endpoint needs: a parsed URL query (parseListQuery) becomes an offset or a cursor page. */
    list(q: Database, query: ListQuery, options: ReadOptions<T> = {}): Plan<Page<Row<T>> | CursorPage<Row<T>>> {
      const base = { ...options, where: and(options.where, query.where), sort: query.sort };
      return query.paging.mode === "cursor"
        ? self.getMultiByCursor(q, { ...base, cursor: query.paging.cursor, limit: query.paging.limit })
        : self.getMulti(q, { ...base, offset: query.paging.offset, limit: query.paging.limit });
    },

    count(q: Database, options: { where?: SQL; withDeleted?: boolean } = {}): Plan<number> {
      const query = q.select({ n: count() }).from(from).where(live(options.where, options.withDeleted));
      return andThen(one(query), ([total]) => total?.n ?? 0);
    },

    exists(q: Database, options: { where?: SQL; withDeleted?: boolean } = {}): Plan<boolean> {
      const query = q.select({ one: sql`1` }).from(from).where(live(options.where, options.withDeleted)).limit(1);
      return andThen(one(query), (found) => found.length > 0);
    },

    /** Insert, or update `set` (default: every given column) where `target` conflicts. */
    upsertMany(
      q: Database,
      values: PgInsertValue<T>[],
      options: { target: AnyPgColumn | AnyPgColumn[]; set?: readonly Column<T>[] },
    ): Plan<Row<T>[]> {
      if (values.length === 0) return nothing([]);
      const names = options.set ?? (Object.keys(values[0] as object) as Column<T>[]);
      const set = Object.fromEntries(
        names.map((name) => [name, sql.raw(`excluded.${(columns[name] as AnyPgColumn).name}`)]),
      ) as PgUpdateSetSource<T>;
      return andThen(
        one(q.insert(table).values(values).onConflictDoUpdate({ target: options.target, set }).returning()),
        rows,
      );
    },

    upsert(
      q: Database,
      values: PgInsertValue<T>,
      options: { target: AnyPgColumn | AnyPgColumn[]; set?: readonly Column<T>[] },
    ): Plan<Row<T>> {
      return andThen(self.upsertMany(q, [values], options), (r) => r[0] as Row<T>);
    },

    update(
      q: Database,
      id: string,
      values: PgUpdateSetSource<T>,
      options: { where?: SQL } = {},
    ): Plan<Row<T> | undefined> {
      // A PATCH that changes nothing (an empty body) answers the row as it is, if the caller may change it:
      // Postgres has no empty UPDATE, and FOR UPDATE applies the same policies and privilege as one would.
      if (Object.values(values).every((value) => value === undefined)) {
        return self.get(q, id, { ...options, forUpdate: true });
      }
      const query = q
        .update(table)
        .set(values)
        .where(live(and(byId(id), options.where)))
        .returning();
      return andThen(one(query), (r) => rows(r)[0]);
    },

    /** Soft delete when the table has deleted_at, else a real DELETE. Says whether a row was hit. */
    delete(q: Database, id: string): Plan<boolean> {
      if (!deletedAt) return self.hardDelete(q, id);
      const query = q
        .update(table)
        .set({ deleted_at: sql`now()` } as PgUpdateSetSource<T>)
        .where(live(byId(id)))
        .returning({ id: table.id });
      return andThen(one(query), (hit) => hit.length > 0);
    },

    hardDelete(q: Database, id: string): Plan<boolean> {
      return andThen(one(q.delete(table).where(byId(id)).returning({ id: table.id })), (hit) => hit.length > 0);
    },

    /** Undoes a soft delete. */
    restore(q: Database, id: string): Plan<Row<T> | undefined> {
      if (!deletedAt) throw new Error(`${getTableName(table)} has no deleted_at`);
      const query = q
        .update(table)
        .set({ deleted_at: null } as PgUpdateSetSource<T>)
        .where(and(byId(id), isNotNull(deletedAt)))
        .returning();
      return andThen(one(query), (r) => rows(r)[0]);
    },
  };
  return self;
}
