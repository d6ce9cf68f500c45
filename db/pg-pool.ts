import pg from "pg";
import { type SqlLog, timeQueries } from "./sql-log";

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
