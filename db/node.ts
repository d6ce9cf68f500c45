import { neonConfig } from "@neondatabase/serverless";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import ws from "ws";
import type { Database } from "./client";
import { openNeon, useLocalRelay } from "./drivers/neon-ws/open";
import { listenOn } from "./drivers/node-postgres/listen";
import { openPg } from "./drivers/node-postgres/open";
import { pipelinedPgRunner } from "./drivers/node-postgres/runner";
import { openPglite } from "./drivers/pglite/open";
import { migrationConfig } from "./migrations";
import { type ReplicaStats, replicatedRunner } from "./runner/replicas";
import type { Runner } from "./runner/runner";
import { transactionRunner } from "./runner/transaction";
import type { SqlLog } from "./sql-log";
import type { Timeouts } from "./timeouts";

/**
 * The database for a Node process (npm start, scripts, tests): a real Postgres when `databaseUrl` is given,
 * else embedded PGlite in `dataDir`, with the statement runner for requests. On Postgres the driver is
 * node-postgres (`pg`, the default; pipelined: one flight per request), or the neon
 * driver over its WebSocket (`ws`, through the local relay at `wsProxy`), the path Workers used
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
  /**
   * Read replicas of `databaseUrl` (the same login role): reads that count nothing in the database run there
   * unless they lag more than `maxLagMs` or are behind the caller's last write (db/runner/replicas.ts).
   */
  replicas?: { urls: string[]; maxLagMs: number };
  /**
   * Statements as named prepared statements, once per connection (the default); false behind a transaction-mode
   * pooler that does not keep them (DATABASE_PREPARE). Left true there, the first statement the server shows it
   * did not keep turns naming off for the pool, with a warning.
   */
  prepare?: boolean;
  /** Told what an operator should know and change (prepared statements turned off behind a pooler). */
  warn?: (message: string) => void;
}): Promise<{
  db: Database;
  /** Where withAdmin works: the maintenance login's pool, PGlite's owner-authorized handle, or none. */
  maintenance: Database | undefined;
  runner: Runner;
  /** With read replicas: what served the reads so far. */
  replicaStats?: ReplicaStats;
  /**
   * Calls `onNotify` on each NOTIFY on `channel` (the job runner's wake-up): PGlite's own, or a connection of its
   * own to the maintenance URL; none without one.
   */
  listen?: (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;
  close: () => Promise<void>;
  description: string;
}> {
  if (!options.databaseUrl) {
    const embedded = await openPglite(options.dataDir, { onStep: options.onStep, sqlLog: options.sqlLog });
    return {
      db: embedded.db,
      maintenance: embedded.maintenance,
      runner: transactionRunner(embedded.db, undefined, () => embedded.maintenance),
      listen: async (channel, onNotify) => {
        const unlisten = await embedded.client.listen(channel, () => onNotify());
        return async () => unlisten();
      },
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
    const replicaUrls = options.replicas?.urls ?? [];
    const primary = pipelinedPgRunner(app.pool, maintenanceDb, {
      positions: replicaUrls.length > 0,
      prepare: options.prepare ?? true,
      warn: options.warn,
    });
    const replicas = replicaUrls.map((replicaUrl) => {
      const replica = openPg(replicaUrl, {
        max: options.poolMax,
        pipeline: true,
        timeouts: options.timeouts,
        sqlLog: options.sqlLog,
      });
      const { host } = new URL(replicaUrl);
      return {
        name: host,
        runner: pipelinedPgRunner(replica.pool, undefined, { prepare: options.prepare ?? true, warn: options.warn }),
        close: replica.close,
      };
    });
    const replicated =
      replicas.length > 0
        ? replicatedRunner(primary, replicas, { maxLagMs: options.replicas?.maxLagMs ?? 5_000 })
        : undefined;
    const maintenanceUrl = options.maintenanceUrl;
    return {
      db: app.db,
      maintenance: maintenance?.db,
      listen: maintenanceUrl ? (channel, onNotify) => listenOn(maintenanceUrl, channel, onNotify) : undefined,
      runner: replicated ?? primary,
      replicaStats: replicated?.stats,
      close: async () => {
        await Promise.all([app.close(), maintenance?.close(), ...replicas.map((replica) => replica.close())]);
      },
      description:
        replicas.length > 0 ? `${description}, read replicas ${replicas.map((r) => r.name).join(", ")}` : description,
    };
  }

  // Neon's WebSocket proxy speaks to Neon only: a plain Postgres needs the local relay (scripts/local/relay.ts),
  // which the caller starts (development tooling, not the app's).
  if (!options.wsProxy) throw new Error("the ws driver needs wsProxy: the local relay's host:port/v1");
  neonConfig.webSocketConstructor = ws;
  useLocalRelay(options.wsProxy);
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
    },
    description: `${description} (neon WebSocket driver)`,
  };
}
