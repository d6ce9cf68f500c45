import pg from "pg";
import type { RunPrepared } from "../../crud/prepared";
import type { PgError } from "../../pg-error";

/**
 * How many statement texts get a name (and so a prepared statement on each connection that runs them). The app
 * sends a few dozen shapes (each list's filters and sorts are a shape, their values are parameters); past the
 * cap, a new text runs unnamed, as before, so a connection's prepared statements stay bounded.
 */
const NAMED_TEXTS = 500;

/**
 * Names for statement texts, the same in every connection of the process: node-postgres prepares a named
 * statement once per connection (Parse), then only binds and executes it. Postgres then skips parsing, the
 * rewrite (where RLS policies are added) and, once it finds a generic plan as good, planning: measured with
 * pgbench on this project's list request, the database's work per request is about half.
 */
export function statementNames(limit = NAMED_TEXTS) {
  const names = new Map<string, string>();
  return (text: string) => {
    let name = names.get(text);
    if (name === undefined && names.size < limit) {
      name = `app_${++named}`;
      names.set(text, name);
    }
    return name;
  };
}
// Numbered across every runner of the process: two runners sharing a connection never give a name two texts.
let named = 0;
export type StatementNames = ReturnType<typeof statementNames>;

type QueryConfig = { text: string; name?: string } & Record<string, unknown>;

/**
 * A pooled connection as Drizzle sees it, whose statements are sent as named prepared statements (`names`); what
 * Drizzle builds is unchanged. Only `query` is used by Drizzle's node-postgres session on a client.
 */
export function preparing(client: pg.PoolClient, names: StatementNames): pg.PoolClient {
  const named = (config: unknown) => {
    if (typeof config !== "object" || config === null || typeof (config as QueryConfig).text !== "string") {
      return config;
    }
    const query = config as QueryConfig;
    const name = query.name ?? names(query.text);
    return name ? { ...query, name } : query;
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "query") {
        return (config: unknown, ...rest: unknown[]) =>
          (target.query as (...args: unknown[]) => unknown).call(target, named(config), ...rest);
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * A prepared statement that no longer fits the database: a migration changed what it returns ("cached plan
 * must not change result type", 0A000) or it is gone (26000, a pooler or DISCARD ALL dropped it). The connection
 * is dropped, and the transaction, which failed as a whole, may run again on a fresh one.
 */
export function stalePreparedStatement(error: PgError | undefined) {
  const { code, message } = error ?? {};
  return code === "26000" || (code === "0A000" && /cached plan must not change result type/.test(message ?? ""));
}

// Date and time types (and their arrays) as Postgres's text, as Drizzle's node-postgres session reads them: a
// Drizzle column's decoder then makes the same value from them (a timestamp column its Date).
const AS_TEXT = new Set([
  pg.types.builtins.TIMESTAMPTZ,
  pg.types.builtins.TIMESTAMP,
  pg.types.builtins.DATE,
  pg.types.builtins.INTERVAL,
  1115, // timestamp[]
  1182, // date[]
  1185, // timestamptz[]
  1187, // interval[]
  1231, // numeric[]
]);
const asText = (value: string) => value;
const drizzleTypes = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    AS_TEXT.has(oid) ? asText : pg.types.getTypeParser(oid, format),
};

/** How db/crud/prepared.ts sends a shape it compiled: by name on this connection, rows as arrays. */
export const runPrepared =
  (client: pg.PoolClient): RunPrepared =>
  async (name, text, values) =>
    (await client.query<unknown[]>({ name, text, values, rowMode: "array", types: drizzleTypes as never })).rows;
