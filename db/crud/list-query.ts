import { and, type SQL } from "drizzle-orm";
import { z } from "zod";
import { type FieldProblem, ListQueryError } from "../errors";
import type { Field, Fields } from "./fields";
import { condition, FilterError, group, OPERATORS, type Operator } from "./filters";

export type SortKey = { field: Field; descending: boolean };
/**
 * How an offset page counts the rows that match (`count=`): `capped` (the default) counts exactly up to
 * PAGING_BOUNDS.countCap and stops there, `exact` counts them all, `estimated` asks the planner, `none` skips it.
 */
export const COUNT_MODES = ["capped", "exact", "estimated", "none"] as const;
export type CountMode = (typeof COUNT_MODES)[number];
export type Paging =
  | { mode: "offset"; offset: number; limit: number; count: CountMode }
  | { mode: "cursor"; cursor?: string; limit: number };
/**
 * Related rows to read with each row, as Drizzle's relational `with` takes them (`{ author: true }`, or
 * `{ author: { columns: { id: true, full_name: true } } }`), by the relations in db/schema/relations.ts.
 */
export type Include = Record<string, true | Record<string, unknown>>;
/** `expand`: the relations to read with each row (crud's getMultiJoined), when the client asks for any. */
export type ListQuery = { where?: SQL; sort: SortKey[]; paging: Paging; expand?: Include };

export type ListSpec = {
  fields: Fields;
  /** Fields a client may sort on; all filterable fields when omitted. */
  sortable?: readonly string[];
  /** e.g. "-created_at": newest first. */
  defaultSort: string;
  /**
   * Relations a client may ask for with `expand=a,b`, each as it is read (Drizzle's `with`, usually naming the
   * columns shown): the rows of the page then carry them, read in the page's one statement.
   */
  expand?: Include;
};

const RESERVED = new Set(["offset", "limit", "cursor", "sort", "count", "expand"]);

/**
 * The paging bounds of every list, in one place: the validator and the API's documentation read them.
 * `maxOffset`: an offset page costs every row before it (Postgres reads and drops them), so deep pages are
 * refused and cursor paging, as fast on page 1,000 as on page 1, takes over. `countCap`: the default count
 * stops there, so a page never costs more than that many index entries however many rows the caller owns.
 */
export const PAGING_BOUNDS = { maxOffset: 10_000, maxLimit: 100, defaultLimit: 20, countCap: 10_000 } as const;

const PAGING = z.object({
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(PAGING_BOUNDS.maxOffset, {
      message: `is past ${PAGING_BOUNDS.maxOffset}: page further with cursor= (empty for the first page, then each page's next_cursor)`,
    })
    .default(0),
  limit: z.coerce.number().int().min(1).max(PAGING_BOUNDS.maxLimit).default(PAGING_BOUNDS.defaultLimit),
  count: z.enum(COUNT_MODES, { message: `must be one of ${COUNT_MODES.join(", ")}` }).default("capped"),
});

/** A URL query as Hono's validator hands it over: one string per parameter, or an array when repeated. */
export type RawQuery = Record<string, string | string[] | undefined>;

function parseSort(raw: string, spec: ListSpec): SortKey[] {
  const sortable = new Set(spec.sortable ?? Object.keys(spec.fields));
  const seen = new Set<string>();
  return raw.split(",").map((part) => {
    const name = part.trim().replace(/^[-+]/, "");
    const field = Object.hasOwn(spec.fields, name) ? spec.fields[name] : undefined;
    if (!field || !sortable.has(name)) throw new FilterError(`cannot sort by ${name || "an empty field"}`);
    if (seen.has(name)) throw new FilterError(`sorts by ${name} twice`);
    seen.add(name);
    return { field, descending: part.trim().startsWith("-") };
  });
}

/** `expand=author,category`: the spec's relations by those names; none for an empty value. */
function parseExpand(raw: string, spec: ListSpec, fail: (field: string, message: string) => void) {
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) return undefined;
  const offered = spec.expand ?? {};
  const include: Include = {};
  for (const name of names) {
    const read = Object.hasOwn(offered, name) ? offered[name] : undefined;
    if (!read) {
      const known = Object.keys(offered);
      fail(
        "expand",
        `cannot expand ${name}; ${known.length > 0 ? `one of ${known.join(", ")}` : "this list expands nothing"}`,
      );
      return undefined;
    }
    if (Object.hasOwn(include, name)) {
      fail("expand", `expands ${name} twice`);
      return undefined;
    }
    include[name] = read;
  }
  return include;
}

/**
 * Reads a list endpoint's query string: `field=value` or `field__op=value` filters (ANDed), `field__or=op:v`
 * and `field__not=op:v` groups (repeatable), `sort=-created_at,title`, `expand=` relations, and paging by
 * `offset`/`limit` or by `cursor`/`limit`. Everything not allowed is a 422 naming the parameter, all of them at once.
 */
export function parseListQuery(raw: RawQuery, spec: ListSpec): ListQuery {
  const query: Record<string, string[]> = {};
  for (const [param, value] of Object.entries(raw)) if (value !== undefined) query[param] = [value].flat();
  const errors: FieldProblem[] = [];
  const fail = (field: string, message: string) => errors.push({ field, location: "query", message });
  const conditions: SQL[] = [];

  for (const [param, values] of Object.entries(query)) {
    if (RESERVED.has(param)) {
      if (values.length > 1) fail(param, "is given more than once");
      continue;
    }
    const separator = param.lastIndexOf("__");
    const name = separator === -1 ? param : param.slice(0, separator);
    const op = separator === -1 ? "eq" : param.slice(separator + 2);
    // Own fields only: `constructor`, `toString` or `__proto__` are not fields, whatever Object.prototype says.
    const field = Object.hasOwn(spec.fields, name) ? spec.fields[name] : undefined;
    if (!field) {
      fail(param, `unknown field ${name}; filterable: ${Object.keys(spec.fields).join(", ")}`);
      continue;
    }
    try {
      if (op === "or" || op === "not") conditions.push(group(field, op, values));
      else if (!OPERATORS.includes(op as Operator))
        fail(param, `unknown operator ${op}; one of ${OPERATORS.join(", ")}, or, not`);
      else if (values.length > 1) fail(param, "is given more than once");
      else conditions.push(condition(field, op as Operator, values[0] ?? ""));
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      fail(param, error.message);
    }
  }

  let sort: SortKey[] = [];
  try {
    sort = parseSort(query.sort?.[0] ?? spec.defaultSort, spec);
  } catch (error) {
    if (!(error instanceof FilterError)) throw error;
    fail("sort", error.message);
  }

  const expand = parseExpand(query.expand?.[0] ?? "", spec, fail);

  const paging = PAGING.safeParse({ offset: query.offset?.[0], limit: query.limit?.[0], count: query.count?.[0] });
  if (!paging.success) for (const issue of paging.error.issues) fail(String(issue.path[0]), issue.message);
  const cursor = query.cursor?.[0];
  if (cursor !== undefined && query.offset) fail("cursor", "cannot be combined with offset");
  if (cursor !== undefined && query.count) fail("count", "applies to offset paging; cursor pages are not counted");
  if (cursor !== undefined) {
    for (const key of sort)
      if (key.field.nullable) fail("sort", `cursor paging cannot sort by ${key.field.name}: it may be null`);
  }

  if (errors.length > 0 || !paging.success) throw new ListQueryError(errors);
  return {
    where: conditions.length > 0 ? and(...conditions) : undefined,
    sort,
    paging:
      cursor === undefined
        ? { mode: "offset", ...paging.data }
        : { mode: "cursor", cursor: cursor || undefined, limit: paging.data.limit },
    ...(expand && { expand }),
  };
}
