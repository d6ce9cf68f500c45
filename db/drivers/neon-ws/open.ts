import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { Database } from "../../client";
import * as schema from "../../schema";
import { type SqlLog, timeQueries } from "../../sql-log";
import { DEFAULT_TIMEOUTS, poolTimeouts, type Timeouts } from "../../timeouts";

/**
 * Routes the neon driver's WebSocket through a local WebSocket-to-TCP relay (scripts/local/relay.ts), so the
 * driver used in production also reaches a plain local Postgres: under `wrangler dev`, in tests, and on
 * Node. `proxy` is `host:port/v1`. Global on purpose: the driver reads neonConfig when a client connects.
 */
export function useLocalRelay(proxy: string) {
  neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

/**
 * A Drizzle database over a neon Pool. On Workers make one per request and end it with
 * `ctx.waitUntil(close())`: a Worker may not keep a socket open across requests.
 */
export function openNeon(
  connectionString: string,
  options: { max?: number; timeouts?: Timeouts; onLost?: (error: Error) => void; sqlLog?: SqlLog } = {},
) {
  const pool = new Pool({
    connectionString,
    max: options.max ?? 5,
    ...poolTimeouts(options.timeouts ?? DEFAULT_TIMEOUTS),
  });
  // An idle client whose connection the server ends (restart, failover, a dropped database) makes the
  // pool emit "error"; unheard, that event would crash the process. The next query simply reconnects.
  // `onLost` hears it too (the app logs it; the data layer has no logger of its own).
  pool.on("error", (error: Error) => options.onLost?.(error));
  // A checked-out client emits "error" itself when its connection drops between queries; heard here, the
  // query in flight (if any) fails on its own and maps to 503, and the process lives on.
  pool.on("connect", (client: { on: (event: "error", listener: () => void) => void; query: () => unknown }) => {
    client.on("error", () => {});
    timeQueries(client, options.sqlLog);
  });
  const db = drizzle(pool, { schema }) as unknown as Database;
  return { db, close: () => pool.end() };
}
