import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Database } from "../../client";
import * as schema from "../../schema";
import type { SqlLog } from "../../sql-log";

// The HTTP client holds no connection, so one per connection string serves every request of an isolate;
// drizzle() with a schema builds its relational config, which is not worth redoing per request.
const databases = new Map<string, Database>();
export function httpDatabase(connectionString: string) {
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
export function answerWithin(ms: number, sqlLog?: SqlLog) {
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
