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
 * A statement's name, from its text alone: the same text has the same name in every process and every version
 * of the app, and two texts never share one. Behind a transaction-mode pooler a server connection carries the
 * statements other clients prepared; a name handed out in first-use order could there stand for another
 * process's text and run it with this one's parameters. A name from the text can only be missing (26000) or
 * already there (42P05), never wrong. 64 bits of two FNV-style hashes: no two texts of an app collide.
 */
export function statementName(text: string) {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return `app_${(a >>> 0).toString(16).padStart(8, "0")}${(b >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Names for statement texts (statementName): node-postgres prepares a named statement once per connection
 * (Parse), then only binds and executes it. Postgres then skips parsing, the rewrite (where RLS policies are
 * added) and, once it finds a generic plan as good, planning: measured with pgbench on this project's list
 * request, the database's work per request is about half.
 *
 * `abandon()` stops naming for good, for a pool whose server showed it does not keep a connection's prepared
 * statements (a pooler in transaction mode: preparedStatementsNotKept); it returns true the first time only.
 */
export function statementNames(limit = NAMED_TEXTS) {
  const names = new Map<string, string>();
  let abandoned = false;
  const name = (text: string) => {
    if (abandoned) return undefined;
    let found = names.get(text);
    if (found === undefined && names.size < limit) {
      found = statementName(text);
      names.set(text, found);
    }
    return found;
  };
  return Object.assign(name, {
    abandon: () => {
      if (abandoned) return false;
      abandoned = true;
      names.clear();
      return true;
    },
  });
}
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
 * must not change result type", 0A000). The connection is dropped, and the transaction, which failed as a
 * whole, may run again on a fresh one.
 */
export function stalePreparedStatement(error: PgError | undefined) {
  return error?.code === "0A000" && /cached plan must not change result type/.test(error.message);
}

/**
 * The server does not keep what this connection prepared: a statement it prepared is missing (26000), or one it
 * never prepared is already there (42P05). Behind a transaction-mode pooler (PgBouncer before 1.21 or without
 * max_prepared_statements, Supavisor, RDS Proxy) each transaction may run on another server connection; after
 * DISCARD ALL, on the same one. The statement failed before it ran, and with it the whole transaction.
 */
export function preparedStatementsNotKept(error: PgError | undefined) {
  return error?.code === "26000" || error?.code === "42P05";
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

/** How db/crud/prepared.ts sends a shape it compiled: by name on this connection (while named), rows as arrays. */
export const runPrepared =
  (client: pg.PoolClient, names: StatementNames): RunPrepared =>
  async (text, values) =>
    (
      await client.query<unknown[]>({
        name: names(text),
        text,
        values,
        rowMode: "array",
        types: drizzleTypes as never,
      })
    ).rows;
