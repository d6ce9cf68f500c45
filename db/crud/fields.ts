import { getTableColumns } from "drizzle-orm";
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
    const type = column && TYPES[column.columnType];
    if (!column || !type) throw new Error(`fieldsOf: ${name} is not a filterable column`);
    fields[name] = { name, column, type, nullable: !column.notNull };
  }
  return fields;
}

export type Fields = ReturnType<typeof fieldsOf>;
