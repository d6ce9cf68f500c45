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
import { type Database, rowsOf } from "../client";
import { ListQueryError } from "../errors";
import { andThen, nothing, one, type Plan, plan, type Query } from "../runner/plan";
import { listingOrderOf } from "../schema/user-scoped";
import { fieldOf, sortOrderOf } from "./fields";
import { coerce, FilterError } from "./filters";
import { type CountMode, type Include, type ListQuery, PAGING_BOUNDS, type SortKey } from "./list-query";
import { type Decoder, prepared, type Slot } from "./prepared";

/** How a prepared count's one column becomes its number, as Drizzle's count() maps it (bigint comes as text). */
const countDecoder: Decoder = { mapFromDriverValue: (value) => Number(value) };

type CrudTable = PgTable & { id: AnyPgColumn };
type Row<T extends CrudTable> = T["$inferSelect"];
type Column<T extends CrudTable> = keyof Row<T> & string;

/**
 * What `total_count` is: `exact`; `lower_bound` (the capped count reached its cap: at least that many rows);
 * `estimated` (the planner's guess); `none` (not counted, total_count is null).
 */
export type CountKind = "exact" | "lower_bound" | "estimated" | "none";
export type Page<R> = {
  data: R[];
  total_count: number | null;
  total_count_kind: CountKind;
  offset: number;
  limit: number;
};
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
type ListOptions<T extends CrudTable> = ReadOptions<T> & {
  sort?: SortKey[];
  /** Each row's related rows, in the same statement as the page (getMultiJoined). */
  with?: Include;
};
type Counted = { total_count: number | null; total_count_kind: CountKind };

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
 * opens or commits a transaction: its methods return plans, which a request's scope runs in its one
 * transaction after the context statement (or which run, awaited, in the transaction that built them), so RLS
 * decides what they see, and a failed step rolls back every step before it.
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
  // The sort keys, then id: a total order, so equal sort keys never make pages overlap. id takes the last key's
  // direction, so one index (..., key, id) serves the sort both ways (a backward scan for descending) with no
  // sort step, and keyset paging compares all keys at once as a row: (key, id) < (x, y).
  // Text keys compare in TEXT_ORDER (case-insensitive, as people sort), the same on every server.
  const keysOf = (sort: SortKey[] = []) => {
    const keys = sort.map((key) => ({
      column: key.field.column,
      order: sortOrderOf(key.field),
      descending: key.descending,
    }));
    const id = table.id as AnyPgColumn;
    return [...keys, { column: id, order: sql`${id}`, descending: keys[keys.length - 1]?.descending ?? false }];
  };
  /** A sort as text, for the shape of a prepared page (prepared.ts). */
  const shapeOfSort = (sort: SortKey[] = []) =>
    sort.map((key) => `${key.descending ? "-" : ""}${key.field.column.name}`).join(",");
  const orderBy = (sort: SortKey[] = []) =>
    keysOf(sort).map((key) => (key.descending ? desc(key.order) : asc(key.order)));
  // The order of the table's listing index (userScoped: owner_id, created_at, id), for the capped count: read
  // in index order, the count stops after the cap within the owner's range of the index, where the planner,
  // which cannot know whose rows RLS will keep, could otherwise choose to scan the whole table.
  const countOrder = listingOrderOf(table)?.map((column) => asc(column)) ?? [];
  // Drizzle's builders are typed per concrete table; for a generic table the row type is stated once here.
  const rows = (result: unknown) => result as Row<T>[];
  const from = table as PgTable;
  const name = getTableName(table);

  /** The table's relational query (findFirst, findMany) and relations, from the schema the client was made with. */
  const relational = (q: Database) => {
    const config = (q._.schema as Record<string, TableRelationalConfig> | undefined)?.[name];
    const query = (q.query as unknown as Record<string, Record<"findFirst" | "findMany", (q: object) => Query>>)[name];
    if (!config || !query) throw new Error(`no relational query for ${name}: export its relations from db/schema`);
    // Related rows that soft-delete (a many side) are left out, as every read leaves out deleted rows.
    const withClause = (include: Include, withDeleted = false) =>
      Object.fromEntries(
        Object.entries(include).map(([relationName, value]) => {
          const relation = config.relations[relationName];
          if (!relation) throw new Error(`${name} has no relation ${relationName}`);
          const childDeletedAt = (getTableColumns(relation.referencedTable) as Record<string, AnyPgColumn>).deleted_at;
          if (!(relation instanceof Many) || !childDeletedAt || withDeleted) return [relationName, value];
          return [relationName, { ...(value === true ? {} : value), where: isNull(childDeletedAt) }];
        }),
      );
    return { query, withClause };
  };

  /**
   * The one statement of a page, either paging: a select, or with `with` a relational findMany, which reads each
   * row's related rows in the same statement (a lateral subquery per relation, aggregated to JSON), never one
   * query per row. Both take the same filter, order, offset and limit, so a joined list pages as a plain one.
   */
  const pageQuery = (
    q: Database,
    options: ListOptions<T> & { where?: SQL; offset?: number; limit: number; extras?: Record<string, SQL> },
    filtered: boolean,
  ): Query => {
    const order = orderBy(options.sort);
    if (!options.with) {
      const select = (slot: Slot) =>
        q
          .select({ ...selection(options.columns, options.select), ...options.extras })
          .from(from)
          .where(options.where)
          .orderBy(...order)
          .offset(slot("offset", options.offset ?? 0))
          .limit(slot("limit", options.limit));
      // A page with no filter of the caller's, no selection of its own: one shape per columns and order.
      const shape =
        !filtered && !options.select && !options.extras
          ? `${name}/page/${options.columns?.join(",") ?? "*"}/${shapeOfSort(options.sort)}/${options.withDeleted ?? false}`
          : undefined;
      return shape
        ? prepared(
            q,
            shape,
            { offset: options.offset ?? 0, limit: options.limit },
            select,
            () => selection(options.columns) as Record<string, AnyPgColumn>,
          )
        : select((_name, value) => value);
    }
    if (options.select) throw new Error("a joined list picks columns; a selection of its own cannot be joined");
    const { query, withClause } = relational(q);
    return query.findMany({
      where: options.where,
      orderBy: order,
      offset: options.offset,
      limit: options.limit,
      columns: options.columns && Object.fromEntries(options.columns.map((column) => [column, true])),
      extras: options.extras && Object.fromEntries(Object.entries(options.extras).map(([k, v]) => [k, v.as(k)])),
      with: withClause(options.with, options.withDeleted),
    });
  };

  const self = {
    table,
    name,
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

    /**
     * A page by offset/limit, sorted (then by id), with the count of matching rows as `count` asks: `capped`
     * (default) exact up to PAGING_BOUNDS.countCap, `exact`, `estimated` by the planner, or `none`. With
     * `with`, each row carries its related rows, read in the page's statement (getMultiJoined).
     */
    getMulti(
      q: Database,
      options: ListOptions<T> & { offset: number; limit: number; count?: CountMode },
    ): Plan<Page<Row<T>>> {
      const where = live(options.where, options.withDeleted);
      const page = pageQuery(q, { ...options, where }, options.where !== undefined);
      const counted = self.countAs(q, options.count ?? "capped", options);
      return plan([page, ...counted.queries], ([data, ...total]) => ({
        data: rows(data),
        ...counted.map(total),
        offset: options.offset,
        limit: options.limit,
      }));
    },

    /** The count of a list as `mode` asks (see getMulti), with what kind of number it is. */
    countAs(q: Database, mode: CountMode, options: { where?: SQL; withDeleted?: boolean } = {}): Plan<Counted> {
      const where = live(options.where, options.withDeleted);
      const kind = (total_count: number | null, total_count_kind: CountKind): Counted => ({
        total_count,
        total_count_kind,
      });
      if (mode === "none") return nothing(kind(null, "none"));
      if (mode === "exact") return andThen(self.count(q, options), (n) => kind(n, "exact"));
      if (mode === "estimated") {
        const query = q.select({ one: sql`1` }).from(from).where(where);
        return andThen(one(q.execute(sql`explain (format json) ${query}`)), (result) => {
          const [row] = rowsOf<Record<string, unknown>>(result);
          const explained = row?.["QUERY PLAN"];
          const document = (typeof explained === "string" ? JSON.parse(explained) : explained) as {
            Plan: { "Plan Rows": number };
          }[];
          return kind(Math.round(document[0]?.Plan["Plan Rows"] ?? 0), "estimated");
        });
      }
      const cap = PAGING_BOUNDS.countCap;
      const counting = () => {
        const capped = q
          .select({ one: sql`1` })
          .from(from)
          .where(where)
          .orderBy(...countOrder)
          .limit(cap + 1)
          .as("capped");
        return q.select({ n: count() }).from(capped);
      };
      const counted =
        options.where === undefined
          ? prepared(q, `${name}/count/${options.withDeleted ?? false}`, {}, counting, () => ({ n: countDecoder }))
          : counting();
      return andThen(one(counted as ReturnType<typeof counting>), ([total]) => {
        const n = total?.n ?? 0;
        return n > cap ? kind(cap, "lower_bound") : kind(n, "exact");
      });
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
      const keys = keysOf(options.sort);
      let after: SQL | undefined;
      if (options.cursor) {
        const values = decodeCursor(
          options.cursor,
          keys.map((key) => key.column),
        );
        const typed = (i: number) => sql`cast(${values[i]} as ${sql.raw(keys[i]?.column.getSQLType() ?? "text")})`;
        const descending = keys[0]?.descending ?? false;
        if (keys.every((key) => key.descending === descending)) {
          // One direction: a row comparison, which Postgres turns into an index range (no rows read and dropped).
          const left = sql.join(
            keys.map((key) => key.order),
            sql`, `,
          );
          const right = sql.join(
            keys.map((_, i) => typed(i)),
            sql`, `,
          );
          after = descending ? sql`(${left}) < (${right})` : sql`(${left}) > (${right})`;
        } else {
          // Mixed directions have no row form: each key's strict step with the keys before it equal, plus the
          // first key's own bound, which an index on it can use.
          const [first] = keys;
          after = and(
            first && (first.descending ? sql`${first.order} <= ${typed(0)}` : sql`${first.order} >= ${typed(0)}`),
            or(
              ...keys.map((key, i) =>
                and(
                  ...keys.slice(0, i).map((previous, j) => sql`${previous.order} = ${typed(j)}`),
                  key.descending ? sql`${key.order} < ${typed(i)}` : sql`${key.order} > ${typed(i)}`,
                ),
              ),
            ),
          );
        }
      }
      const cursorColumns = Object.fromEntries(
        keys.map((key, i) => [`__cursor${i}`, sql<string>`${key.column}::text`]),
      );
      const query = pageQuery(
        q,
        {
          ...options,
          where: live(and(options.where, after), options.withDeleted),
          extras: cursorColumns,
          limit: options.limit + 1,
        },
        true,
      );
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
      const { query, withClause } = relational(q);
      return andThen(
        one(
          query.findFirst({
            where: live(byId(id), options.withDeleted),
            with: withClause(include, options.withDeleted),
          }),
        ),
        (row) => row as Record<string, unknown> | undefined,
      );
    },

    /**
     * FastCRUD's get_multi_joined: getMulti's page (the same filters, sort, offset, count and soft-delete rules)
     * with each row's related rows, all in one statement whatever the page's size. RLS applies to the related
     * rows as to any read: one the caller may not see comes back null (a one) or absent (a many).
     */
    getMultiJoined(
      q: Database,
      include: Include,
      options: ListOptions<T> & { offset: number; limit: number; count?: CountMode },
    ): Plan<Page<Row<T> & Record<string, unknown>>> {
      return self.getMulti(q, { ...options, with: include });
    },

    /** What a list endpoint needs: a parsed URL query (parseListQuery) becomes an offset or a cursor page. */
    list(q: Database, query: ListQuery, options: ReadOptions<T> = {}): Plan<Page<Row<T>> | CursorPage<Row<T>>> {
      const base = { ...options, where: and(options.where, query.where), sort: query.sort, with: query.expand };
      return query.paging.mode === "cursor"
        ? self.getMultiByCursor(q, { ...base, cursor: query.paging.cursor, limit: query.paging.limit })
        : self.getMulti(q, {
            ...base,
            offset: query.paging.offset,
            limit: query.paging.limit,
            count: query.paging.count,
          });
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

    /**
     * Undoes a soft delete; with `deletedWithinDays`, only of a row deleted that recently (an older one is due to
     * be purged, and reads as not found).
     */
    restore(
      q: Database,
      id: string,
      options: { deletedWithinDays?: number; where?: SQL } = {},
    ): Plan<Row<T> | undefined> {
      if (!deletedAt) throw new Error(`${getTableName(table)} has no deleted_at`);
      const days = options.deletedWithinDays;
      const recent = days === undefined ? undefined : sql`${deletedAt} >= now() - make_interval(days => ${days})`;
      const query = q
        .update(table)
        .set({ deleted_at: null } as PgUpdateSetSource<T>)
        .where(and(byId(id), isNotNull(deletedAt), recent, options.where))
        .returning();
      return andThen(one(query), (r) => rows(r)[0]);
    },
  };
  return self;
}
