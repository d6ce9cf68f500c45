import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import { type Database, openNeon } from "../client";
import { MaintenanceUnavailableError } from "../errors";
import * as schema from "../schema";
import type { SqlLog } from "../sql-log";
import { answerWithinMs, DEFAULT_TIMEOUTS, type Timeouts } from "../timeouts";
import { contextRowOf, contextStatement } from "./context";
import { retrying } from "./retry";
import type { Runner } from "./runner";
import { transactionRunner } from "./transaction";

// The HTTP client holds no connection, so one per connection string serves every request of an isolate;
// drizzle() with a schema builds its relational config, which is not worth redoing per request.
const databases = new Map<string, Database>();
function httpDatabase(connectionString: string) {
  let db = databases.get(connectionString);
  if (!db) {
    db = drizzle(neon(connectionString), { schema }) as unknown as Database;
    databases.set(connectionString, db);
  }
  return db;
}

/**
 * Every HTTP request to the SQL endpoint is aborted after `ms` (the driver then fails with "Error connecting to
 * database", a 503): a proxy that never answers must not hold the request. The driver reads the fetch function
 * from its global config, so this is set once per isolate (the last runner's setting wins; they all agree).
 */
let fetchSet: { ms: number; sqlLog?: SqlLog } | undefined;
function answerWithin(ms: number, sqlLog?: SqlLog) {
  if (fetchSet?.ms === ms && fetchSet.sqlLog === sqlLog) return;
  fetchSet = { ms, sqlLog };
  neonConfig.fetchFunction = async (url: string, init: RequestInit = {}) => {
    const timeout = AbortSignal.timeout(ms);
    const started = performance.now();
    const response = await fetch(url, {
      ...init,
      signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
    });
    if (sqlLog) logStatements(init.body, performance.now() - started, sqlLog);
    return response;
  };
}

/** The statements of one request to the SQL endpoint (`{query}` or `{queries: [{query}]}`), with its duration. */
function logStatements(body: unknown, ms: number, sqlLog: SqlLog) {
  if (typeof body !== "string") return;
  let sent: { query?: string; queries?: { query: string }[] };
  try {
    sent = JSON.parse(body);
  } catch {
    return;
  }
  for (const { query } of sent.queries ?? [{ query: sent.query ?? "" }]) {
    sqlLog({ sql: query, ms: Math.round(ms * 100) / 100 });
  }
}

/**
 * The edge runner: the context statement and the plan's statements go to Neon's SQL-over-HTTP API as one
 * non-interactive transaction (Drizzle's `db.batch`, the driver's `transaction()`): one HTTP request, one
 * round trip, whatever the number of statements. Neon runs them in order and rolls back at the first error.
 *
 * `transaction()` (a flow with logic between statements) and `database()` (maintenance, as the maintenance
 * login `maintenanceUrl`) need a session, so they open a WebSocket Pool on first use only; `close()` ends it.
 */
export function neonHttpRunner(
  connectionString: string,
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
  maintenanceUrl?: string,
  sqlLog?: SqlLog,
): Runner {
  answerWithin(answerWithinMs(timeouts), sqlLog);
  const db = httpDatabase(connectionString);
  let pool: ReturnType<typeof openNeon> | undefined;
  let maintenancePool: ReturnType<typeof openNeon> | undefined;
  const interactive = () => {
    pool ??= openNeon(connectionString, { timeouts, sqlLog });
    return transactionRunner(pool.db);
  };
  return {
    batch: (context, build, checks = true) =>
      retrying(async () => {
        const plan = build(db);
        const batch = (db as unknown as { batch: (queries: unknown[]) => Promise<unknown[]> }).batch;
        const [context_, ...results] = await batch.call(db, [contextStatement(db, context, checks), ...plan.queries]);
        return { context: contextRowOf(context_), value: () => plan.map(results) };
      }, context),
    statement: (query) => db.execute(query),
    transaction: (context, fn) => interactive().transaction(context, fn),
    database: () => {
      if (!maintenanceUrl) throw new MaintenanceUnavailableError();
      maintenancePool ??= openNeon(maintenanceUrl, { timeouts, sqlLog });
      return maintenancePool.db;
    },
    close: async () => {
      await Promise.all([pool?.close(), maintenancePool?.close()]);
    },
  };
}
