import { getTableColumns, getTableName, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";

/** What a URL value is coerced to before it is bound as a parameter. */
export type FieldType = "uuid" | "int" | "number" | "timestamp" | "boolean" | "text";

export type Field = { name: string; column: AnyPgColumn; type: FieldType; nullable: boolean };

const TYPES: Record<string, FieldType> = {
  PgUUID: "uuid",
  PgInteger: "int",
  PgSmallInt: "int",
  PgBigInt53: "int",
  PgSerial: "int",
  PgSmallSerial: "int",
  PgBigSerial53: "int",
  PgNumeric: "number",
  PgReal: "number",
  PgDoublePrecision: "number",
  PgTimestamp: "timestamp",
  PgTimestampString: "timestamp",
  PgDate: "timestamp",
  PgDateString: "timestamp",
  PgBoolean: "boolean",
  PgText: "text",
  PgVarchar: "text",
  PgChar: "text",
  PgEnumColumn: "text",
};

/**
 * The fields of `table` a client may filter and sort on, by name: an allow-list, so a new column (say a
 * password hash) is never filterable by accident. Types come from the columns themselves.
 */
export function fieldsOf<T extends PgTable>(table: T, names: readonly (keyof T["_"]["columns"] & string)[]) {
  const columns = getTableColumns(table) as Record<string, AnyPgColumn>;
  const fields: Record<string, Field> = {};
  for (const name of names) {
    const column = columns[name];
    if (!column) throw new Error(`fieldsOf: ${name} is not a column`);
    fields[name] = fieldOf(name, column);
  }
  return fields;
}

/** One column as a field: its URL value type, and whether it may be null. */
export function fieldOf(name: string, column: AnyPgColumn): Field {
  const type = TYPES[column.columnType];
  if (!type) throw new Error(`fieldsOf: ${name} is not a filterable column`);
  return { name, column, type, nullable: !column.notNull };
}

/** The range of an integer column's Postgres type: a value outside it is a 422, never a 22003 from Postgres. */
export function integerRange(field: Field): [number, number] {
  const type = field.column.columnType;
  if (type === "PgSmallInt" || type === "PgSmallSerial") return [-32_768, 32_767];
  if (type === "PgInteger" || type === "PgSerial") return [-2_147_483_648, 2_147_483_647];
  return [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
}

export type Fields = ReturnType<typeof fieldsOf>;

/**
 * The collation every list sorts text in: ICU's root collation, as people sort (`alpha`, `Beta`, `beta Report`,
 * `Émile`, `Gamma 2`), where the database's own (`C`, byte order) puts every capital before every small letter
 * and accented letters after `z`. It is deterministic (no two different strings compare equal), so a sort stays a
 * total order and keyset cursors stay exact; it is the same on PGlite and on any Postgres built with ICU (Neon,
 * RDS, Cloud SQL, Debian's and the official images). An index serves a text sort only if it is declared in it:
 * `index(...).on(sql\`${t.title} collate "und-x-icu"\`, t.id)` (ix_posts_title_id).
 */
export const TEXT_ORDER = "und-x-icu";

/** What a field sorts by: a text column in TEXT_ORDER, any other column as it is. */
export const sortOrderOf = (field: Field): SQL =>
  field.type === "text" ? sql`${field.column} collate ${sql.identifier(TEXT_ORDER)}` : sql`${field.column}`;

/**
 * A column with its table's name, for a correlated subquery in a `sql` template: Drizzle renders a column there
 * unqualified (`"id"`), which binds to the inner table's column of that name, not the outer row's.
 */
export const qualified = (column: AnyPgColumn): SQL =>
  sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
