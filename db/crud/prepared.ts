import { type Placeholder, sql } from "drizzle-orm";
import type { Database } from "../client";
import type { Query } from "../runner/plan";

/** A statement prepared by Drizzle on one connection: bound to values and run, its rows mapped as usual. */
type Prepared = { execute(values: Record<string, unknown>): Promise<unknown> };
/** What a statement's builder takes where a value goes: the value itself, or a placeholder to bind it to later. */
export type Slot = <V>(name: string, value: V) => V | Placeholder<string, V>;

const kept = new WeakMap<Database, Map<string, Prepared>>();
const names = new Map<string, string>();
/**
 * How many shapes are prepared, per connection and in all. A client choosing sorts and columns could make many;
 * past the bound a shape is built anew each time, as on any other driver, so neither the process nor a
 * connection's server backend grows without bound.
 */
const SHAPES = 200;

/** The shape's statement name, the same on every connection; none past the bound. */
function nameOf(key: string) {
  let name = names.get(key);
  if (!name && names.size < SHAPES) {
    name = `crud_${names.size + 1}`;
    names.set(key, name);
  }
  return name;
}

/**
 * Marks `q` as a Database whose statements all go through one connection that stays open (the pipelined
 * node-postgres runner makes one per pooled connection): the hottest statements (a list's page and count) are
 * then built and compiled once per shape on it, and only bound to their values afterwards. Building Drizzle's
 * SQL anew was the largest part of a list request's CPU in the Node process.
 */
export function keepPrepared(q: Database) {
  kept.set(q, new Map());
  return q;
}

/**
 * The statement `build` makes. On a Database that keeps prepared statements, it is built with placeholders and
 * prepared once per `key` (which must name everything its text depends on: table, columns, order, filters'
 * shape), then bound to `values`; elsewhere (a transaction per request, Neon's HTTP batch, which takes Drizzle's
 * own builders), it is built with the values, as any query.
 */
export function prepared<B extends Query & { prepare(name: string): Prepared }>(
  q: Database,
  key: string,
  values: Record<string, unknown>,
  build: (slot: Slot) => B,
): Query {
  const statements = kept.get(q);
  const asBuilt = () => build((_name, value) => value);
  if (!statements) return asBuilt();
  let statement = statements.get(key);
  if (!statement) {
    const name = nameOf(key);
    if (!name || statements.size >= SHAPES) return asBuilt();
    statement = build((slotName) => sql.placeholder(slotName)).prepare(name);
    statements.set(key, statement);
  }
  const ready = statement;
  // Lazy, as Drizzle's builders are: nothing is sent until the runner asks.
  // biome-ignore lint/suspicious/noThenProperty: a query is awaitable on purpose (db/runner/plan.ts)
  return { then: (onFulfilled, onRejected) => ready.execute(values).then(onFulfilled, onRejected) };
}
