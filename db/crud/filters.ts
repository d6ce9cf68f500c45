import {
  and,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  ne,
  not,
  notInArray,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { type Field, type FieldType, integerRange } from "./fields";

export const OPERATORS = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "not_in",
  "between",
  "like",
  "ilike",
  "startswith",
  "endswith",
  "contains",
  "istartswith",
  "iendswith",
  "icontains",
  "is",
  "is_not",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** A value or operator a client got wrong; the caller turns it into a 422 naming the parameter. */
export class FilterError extends Error {
  override name = "FilterError";
}

const ORDERED: Operator[] = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "between", "is", "is_not"];
const ALLOWED: Record<FieldType, readonly Operator[]> = {
  text: OPERATORS,
  int: ORDERED,
  number: ORDERED,
  timestamp: ORDERED,
  uuid: ["eq", "ne", "in", "not_in", "is", "is_not"],
  boolean: ["eq", "ne", "is", "is_not"],
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Years 0001-9999: Postgres has no year 0 (22008), and five-digit years are not ISO 8601 dates.
const ISO_DATE = /^(?!0000)\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;
const MAX_LIST = 100;

/** A URL string as a value of the field's type. Values are always bound parameters, never SQL text. */
export function coerce(field: Field, raw: string): string | number | boolean | Date {
  switch (field.type) {
    case "uuid":
      if (!UUID.test(raw)) throw new FilterError("must be a UUID");
      return raw.toLowerCase();
    case "int": {
      const [min, max] = integerRange(field);
      if (!/^-?\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        throw new FilterError(`must be an integer from ${min} to ${max}`);
      }
      return Number(raw);
    }
    case "number": {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(value)) throw new FilterError("must be a number");
      return value;
    }
    case "timestamp": {
      const value = new Date(raw);
      if (!ISO_DATE.test(raw) || Number.isNaN(value.getTime())) throw new FilterError("must be an ISO 8601 date");
      return value;
    }
    case "boolean":
      if (raw !== "true" && raw !== "false") throw new FilterError("must be true or false");
      return raw === "true";
    case "text":
      if (raw.length > 1000) throw new FilterError("is longer than 1000 characters");
      if (raw.includes("\u0000")) throw new FilterError("must not contain NUL characters");
      return raw;
  }
}

const list = (field: Field, raw: string) => {
  const values = raw.split(",").map((part) => coerce(field, part));
  if (values.length > MAX_LIST) throw new FilterError(`takes at most ${MAX_LIST} values`);
  return values;
};

/** `%`, `_` and `\` in a value are literal characters for startswith/endswith/contains. */
const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

/**
 * A LIKE pattern as the client wrote it (`%` and `_` are wildcards, `\` escapes): one ending in a lone `\` is
 * refused here, not by Postgres (22025). Its wildcards are bounded, so one pattern cannot ask Postgres for
 * the backtracking that `%a_a_a_...` on long text costs.
 */
function pattern(field: Field, raw: string) {
  const value = String(coerce(field, raw));
  if (/(^|[^\\])(\\\\)*\\$/.test(value)) throw new FilterError("ends with an unfinished escape (\\)");
  if ((value.match(/[%_]/g) ?? []).length > 10) throw new FilterError("has more than 10 wildcards");
  return value;
}

/** One condition `field <op> raw`, e.g. ("created_at", "gte", "2026-01-01"). */
export function condition(field: Field, op: Operator, raw: string): SQL {
  if (!ALLOWED[field.type].includes(op)) {
    throw new FilterError(`operator ${op} does not apply to a ${field.type} field`);
  }
  const column = field.column;
  switch (op) {
    case "eq":
      return eq(column, coerce(field, raw));
    case "ne":
      return ne(column, coerce(field, raw));
    case "gt":
      return gt(column, coerce(field, raw));
    case "gte":
      return gte(column, coerce(field, raw));
    case "lt":
      return lt(column, coerce(field, raw));
    case "lte":
      return lte(column, coerce(field, raw));
    case "in":
      return inArray(column, list(field, raw));
    case "not_in":
      return notInArray(column, list(field, raw));
    case "between": {
      const values = list(field, raw);
      if (values.length !== 2) throw new FilterError("takes two comma-separated values");
      return and(gte(column, values[0]), lte(column, values[1])) as SQL;
    }
    case "like":
      return like(column, pattern(field, raw));
    case "ilike":
      return sql`${column} ilike ${pattern(field, raw)}`;
    case "startswith":
    case "endswith":
    case "contains":
    case "istartswith":
    case "iendswith":
    case "icontains": {
      // The value is literal text (FastCRUD's names); the i- forms ignore case.
      const text = escapeLike(String(coerce(field, raw)));
      const wrapped = op.endsWith("startswith") ? `${text}%` : op.endsWith("endswith") ? `%${text}` : `%${text}%`;
      return op.startsWith("i") ? sql`${column} ilike ${wrapped}` : sql`${column} like ${wrapped}`;
    }
    case "is":
    case "is_not": {
      const negate = op === "is_not";
      if (raw === "null") return negate ? isNotNull(column) : isNull(column);
      if (field.type === "boolean" && (raw === "true" || raw === "false")) {
        const predicate = sql`${column} is ${sql.raw(raw)}`;
        return negate ? not(predicate) : predicate;
      }
      throw new FilterError(field.type === "boolean" ? "must be null, true or false" : "must be null");
    }
  }
}

/** `op:value` entries of an OR (`field__or`) or NOT (`field__not`) group. */
export function group(field: Field, kind: "or" | "not", entries: string[]): SQL {
  const conditions = entries.map((entry) => {
    const separator = entry.indexOf(":");
    const op = entry.slice(0, separator) as Operator;
    if (separator < 1 || !OPERATORS.includes(op)) throw new FilterError(`expects op:value, e.g. eq:${field.name}`);
    return condition(field, op, entry.slice(separator + 1));
  });
  return (kind === "or" ? or(...conditions) : not(and(...conditions) as SQL)) as SQL;
}
