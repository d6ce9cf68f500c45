import { fillPlaceholders, type Placeholder, sql } from "drizzle-orm";
import type { Database } from "../client";
import type { Query } from "../runner/plan";

/** What a builder takes where a value goes: the value itself, or a placeholder to bind it to later. */
export type Slot = <V>(name: string, value: V) => V | Placeholder<string, V>;

/** How a result column becomes its row field: a Drizzle column (its own mapFromDriverValue), or a function's. */
export type Decoder = { mapFromDriverValue(value: unknown): unknown };

/**
 * Runs one statement text on the connection a Database stands for, prepared there once (the driver names it):
 * its rows as arrays of the driver's values, date and time types as Postgres's text (as Drizzle reads them, so
 * a column's decoder makes the same value).
 */
export type RunPrepared = (text: string, values: unknown[]) => Promise<unknown[][]>;

/** A shape compiled once: its statement, where each parameter comes from, and how a row becomes an object. */
type Shape = { text: string; params: unknown[]; decode: (row: unknown[]) => Record<string, unknown> };

const kept = new WeakMap<Database, { run: RunPrepared; shapes: Map<string, Shape> }>();
/**
 * How many shapes are compiled, per connection. A client choosing sorts and columns could make many; past the
 * bound a shape is built anew each time, as on any other driver, so the process does not grow without bound
 * (the driver bounds how many texts it prepares).
 */
const SHAPES = 200;

/**
 * Marks `q` as a Database whose statements all go through one connection that stays open (the pipelined
 * node-postgres runner makes one per pooled connection), with `run` to send a named statement on it: the
 * hottest statements (a list's page and count) are then built and compiled once per shape, and afterwards only
 * bound to their values, sent, and their rows mapped by a decoder list made once. Building Drizzle's SQL anew
 * was the largest part of a list request's CPU in the Node process, and Drizzle's generic execution (its
 * per-query wrappers, and a row mapper that looks up each field's kind on every row) the next.
 */
export function keepPrepared(q: Database, run: RunPrepared) {
  kept.set(q, { run, shapes: new Map() });
  return q;
}

/** Rows as objects with `fields`' keys, each value through its decoder (null stays null), as Drizzle maps them. */
function decoding(fields: Record<string, Decoder>) {
  const keys = Object.keys(fields);
  const decoders = keys.map((key) => fields[key] as Decoder);
  return (row: unknown[]) => {
    const mapped: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = row[i];
      mapped[keys[i] as string] = value === null ? null : (decoders[i] as Decoder).mapFromDriverValue(value);
    }
    return mapped;
  };
}

/**
 * The statement `build` makes, whose result columns are what `fields` gives, in order (a flat selection; asked
 * only when the shape is compiled). On a Database that keeps prepared statements, it is built with placeholders
 * and compiled once per `key` (which must name everything its text depends on: table, columns, order, filters'
 * shape), then bound to `values`; elsewhere (a transaction per request, Neon's HTTP batch, which takes Drizzle's
 * own builders), it is built with the values, as any query.
 */
export function prepared<B extends Query & { toSQL(): { sql: string; params: unknown[] } }>(
  q: Database,
  key: string,
  values: Record<string, unknown>,
  build: (slot: Slot) => B,
  fields: () => Record<string, Decoder>,
): Query {
  const connection = kept.get(q);
  const asBuilt = () => build((_name, value) => value);
  if (!connection) return asBuilt();
  let shape = connection.shapes.get(key);
  if (!shape) {
    if (connection.shapes.size >= SHAPES) return asBuilt();
    const { sql: text, params } = build((slotName) => sql.placeholder(slotName)).toSQL();
    shape = { text, params, decode: decoding(fields()) };
    connection.shapes.set(key, shape);
  }
  const { text, params, decode } = shape;
  const bound = fillPlaceholders(params, values);
  // Lazy, as Drizzle's builders are: nothing is sent until the runner asks.
  return {
    // biome-ignore lint/suspicious/noThenProperty: a query is awaitable on purpose (db/runner/plan.ts)
    then: (onFulfilled, onRejected) =>
      connection
        .run(text, bound)
        .then((rows) => rows.map(decode))
        .then(onFulfilled, onRejected),
  };
}
