import { neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import ws from "ws";
import { type Database, openNeon, useLocalRelay } from "./client";
import { startRelay } from "./local/relay";
import { migrationConfig } from "./migrations";
import { resilientPool } from "./pg-pool";
import { openPglite } from "./pglite";
import { pipelinedPgRunner } from "./runner/pipelined-pg";
import type { Runner } from "./runner/runner";
import { transactionRunner } from "./runner/transaction";
import * as schema from "./schema";
import type { SqlLog } from "./sql-log";
import { DEFAULT_TIMEOUTS, poolTimeouts, type Timeouts } from "./timeouts";

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

/**
 * The database for a Node process (npm start, scripts, tests): a real Postgres when `databaseUrl` is given,
 * else embedded PGlite in `dataDir`, with the statement runner for requests. On Postgres the driver is
 * node-postgres (`pg`, the default; pipelined: one flight per request), or the neon
 * driver over its WebSocket (`ws`, through an in-process relay when the host is local), the path Workers used
 * before the HTTP runner. With `migrationUrl` (the schema owner's URL), migrations are applied first; PGlite
 * always migrates.
 */
export async function openNodeDatabase(options: {
  databaseUrl?: string;
  migrationUrl?: string;
  dataDir?: string;
  driver?: "pg" | "ws";
  wsProxy?: string;
  timeouts?: Timeouts;
  /** A login that may switch to rls_maintenance_admin (rls_maintainer, or the owner): seeding, maintenance. */
  maintenanceUrl?: string;
  /** Embedded: told each step of opening (creating, migrating), for the start-up log. */
  onStep?: (message: string) => void;
  /** The request pool's size on a server (DATABASE_POOL_MAX); the maintenance login keeps 2. */
  poolMax?: number;
  /** Told every statement's text and duration (LOG_SQL=true), on every driver; never its parameters. */
  sqlLog?: SqlLog;
}): Promise<{
  db: Database;
  /** Where withAdmin works: the maintenance login's pool, PGlite's owner-authorized handle, or none. */
  maintenance: Database | undefined;
  runner: Runner;
  close: () => Promise<void>;
  description: string;
}> {
  if (!options.databaseUrl) {
    const embedded = await openPglite(options.dataDir, { onStep: options.onStep, sqlLog: options.sqlLog });
    return {
      db: embedded.db,
      maintenance: embedded.maintenance,
      runner: transactionRunner(embedded.db, undefined, () => embedded.maintenance),
      close: embedded.close,
      description: `PGlite (${options.dataDir ?? "in memory"})`,
    };
  }
  if (options.migrationUrl) {
    const owner = openPg(options.migrationUrl, { max: 1 });
    try {
      await migratePg(owner.db as never, migrationConfig);
    } finally {
      await owner.close();
    }
  }
  const url = new URL(options.databaseUrl);
  const description = `Postgres ${url.username}@${url.host}${url.pathname}`;
  const maintenance = options.maintenanceUrl
    ? openPg(options.maintenanceUrl, { max: 2, timeouts: options.timeouts, sqlLog: options.sqlLog })
    : undefined;
  const maintenanceDb = maintenance && (() => maintenance.db);
  if ((options.driver ?? "pg") === "pg") {
    const app = openPg(options.databaseUrl, {
      max: options.poolMax,
      pipeline: true,
      timeouts: options.timeouts,
      sqlLog: options.sqlLog,
    });
    return {
      db: app.db,
      maintenance: maintenance?.db,
      runner: pipelinedPgRunner(app.pool, maintenanceDb),
      close: async () => {
        await Promise.all([app.close(), maintenance?.close()]);
      },
      description,
    };
  }

  neonConfig.webSocketConstructor = ws;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  if (options.wsProxy) useLocalRelay(options.wsProxy);
  else {
    relay = await startRelay();
    useLocalRelay(relay.proxy);
  }
  const app = openNeon(options.databaseUrl, {
    max: options.poolMax ?? 10,
    timeouts: options.timeouts,
    sqlLog: options.sqlLog,
  });
  return {
    db: app.db,
    maintenance: maintenance?.db,
    runner: transactionRunner(app.db, undefined, maintenanceDb),
    close: async () => {
      await Promise.all([app.close(), maintenance?.close()]);
      await relay?.close();
    },
    description: `${description} (neon WebSocket driver)`,
  };
}
