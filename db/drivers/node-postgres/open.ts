import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Database } from "../../client";
import * as schema from "../../schema";
import { type SqlLog, timeQueries } from "../../sql-log";
import { DEFAULT_TIMEOUTS, poolTimeouts, type Timeouts } from "../../timeouts";

/**
 * A pg Pool that survives its server going away. A connection the server ends (restart, failover, a dropped
 * database, pg_terminate_backend) makes its client emit "error", and the pool re-emits it for idle clients;
 * unheard, either event crashes the process. Both are heard: the query in flight, if any, fails on its own
 * (and maps to 503), the broken client is discarded, and the next query reconnects. With `sqlLog`, every
 * statement's text and duration is told to it (db/sql-log.ts).
 */
export function resilientPool(config: pg.PoolConfig, sqlLog?: SqlLog) {
  const pool = new pg.Pool(config);
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
    timeQueries(client, sqlLog);
  });
  return pool;
}

/** node-postgres over TCP: reaches any Postgres (RDS, Cloud SQL, Neon, a local server), one pool per process. */
export function openPg(
  connectionString: string,
  options: { max?: number; pipeline?: boolean; timeouts?: Timeouts; sqlLog?: SqlLog } = {},
) {
  const pool = resilientPool(
    {
      connectionString,
      max: options.max ?? 10,
      pipeline: options.pipeline,
      ...poolTimeouts(options.timeouts ?? DEFAULT_TIMEOUTS),
    },
    options.sqlLog,
  );
  const db = drizzle(pool, { schema }) as unknown as Database;
  return { db, pool, close: () => pool.end() };
}
