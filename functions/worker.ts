import { neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/node-postgres";
import type { Database } from "../db/client";
import { neonHttpRunner } from "../db/drivers/neon-http/runner";
import { openNeon, useLocalRelay } from "../db/drivers/neon-ws/open";
import { resilientPool } from "../db/drivers/node-postgres/open";
import { pipelinedPgRunner } from "../db/drivers/node-postgres/runner";
import { type PrimaryClock, primaryClock, replicatedRunner } from "../db/runner/replicas";
import { transactionRunner } from "../db/runner/transaction";
import * as schema from "../db/schema";
import { poolTimeouts } from "../db/timeouts";
import { createApp } from "./app";
import { type Config, ConfigError, loadConfig, timeoutsOf } from "./lib/config";
import { jobHandlers } from "./lib/jobs/handlers";
import { drainDue } from "./lib/jobs/runner";
import { log, logStatement } from "./lib/log";
import { counterNamespaceOf, durableObjectStore, RateLimitCounter } from "./lib/rate-limits/durable-object";
import { databaseLimiter, type RateLimiter } from "./lib/rate-limits/limiter";
import { storeLimiter } from "./lib/rate-limits/store-limiter";
import { runMaintenance } from "./maintenance/run";

const onLost = (error: Error) => log("warn", "idle database connection lost", { error });
const sqlLogOf = (config: Config) => (config.LOG_SQL ? logStatement : undefined);

function pointDriver(config: Config) {
  if (!config.DATABASE_URL) throw new Error("DATABASE_URL is not set (wrangler secret put DATABASE_URL)");
  if (config.NEON_WS_PROXY) useLocalRelay(config.NEON_WS_PROXY);
  if (config.NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = config.NEON_HTTP_ENDPOINT;
  return config.DATABASE_URL;
}

/** A Hyperdrive binding, as Workers hand it over (wrangler.toml `[[hyperdrive]]`, binding = "HYPERDRIVE"). */
type Hyperdrive = { connectionString: string };
const isHyperdrive = (binding: unknown): binding is Hyperdrive =>
  typeof (binding as Partial<Hyperdrive> | undefined)?.connectionString === "string";
const hyperdriveOf = (bindings: Record<string, unknown>) =>
  isHyperdrive(bindings.HYPERDRIVE) ? bindings.HYPERDRIVE : undefined;

/**
 * Read replicas on Workers: Hyperdrive bindings named HYPERDRIVE_REPLICA, HYPERDRIVE_REPLICA_2, ... (a Neon read
 * replica's endpoint, a standby of any Postgres), in name order.
 */
const replicaBindingsOf = (bindings: Record<string, unknown>) =>
  Object.keys(bindings)
    .filter((name) => /^HYPERDRIVE_REPLICA(_\d+)?$/.test(name) && isHyperdrive(bindings[name]))
    .sort()
    .map((name) => ({ name, hyperdrive: bindings[name] as Hyperdrive }));

/** One clock of the primary per isolate: what its requests' writes and questions told it (db/runner/replicas.ts). */
let clock: PrimaryClock | undefined;

/**
 * node-postgres in pipeline mode over a TCP connection (through Hyperdrive, or straight to a server): at most 5
 * connections (a request may hold 6), with the connect and statement timeouts of the Node server.
 */
function pgPool(connectionString: string, config: Config) {
  const pool = resilientPool(
    { connectionString, max: 5, pipeline: true, ...poolTimeouts(timeoutsOf(config)) },
    sqlLogOf(config),
  );
  return { pool, db: drizzle(pool, { schema }) as unknown as Database, close: () => pool.end() };
}

/**
 * Any Postgres through Hyperdrive: the same pipelined runner as the Node server, so a request is still one
 * flight (BEGIN, the context statement, the handler's statements and COMMIT written at once). The pool is the
 * request's and is ended after the response (the app's database middleware hands the closing to waitUntil).
 * Maintenance (on demand) goes over its own login, MAINTENANCE_DATABASE_URL, with node-postgres too.
 */
function openHyperdrive(hyperdrive: Hyperdrive, config: Config, replicas: ReturnType<typeof replicaBindingsOf> = []) {
  const app = pgPool(hyperdrive.connectionString, config);
  let maintenance: ReturnType<typeof pgPool> | undefined;
  const maintenanceUrl = config.MAINTENANCE_DATABASE_URL;
  const runner = pipelinedPgRunner(
    app.pool,
    maintenanceUrl
      ? () => {
          maintenance ??= pgPool(maintenanceUrl, config);
          return maintenance.db;
        }
      : undefined,
    // With replicas, a write reports where its commit ended, for the caller's next reads.
    { positions: replicas.length > 0 },
  );
  const primary = {
    ...runner,
    close: async () => {
      await Promise.all([app.close(), maintenance?.close()]);
    },
  };
  if (replicas.length === 0) return primary;
  const maxLagMs = config.DATABASE_REPLICA_MAX_LAG_MS;
  clock ??= primaryClock(maxLagMs);
  const replicaRunners = replicas.map(({ name, hyperdrive: binding }) => {
    const replica = pgPool(binding.connectionString, config);
    return { name, runner: { ...pipelinedPgRunner(replica.pool), close: replica.close } };
  });
  return replicatedRunner(primary, replicaRunners, { maxLagMs, clock });
}

// Workers keep no connection across requests. With a Hyperdrive binding (wrangler.toml), requests go through it
// to any Postgres (openHyperdrive). Otherwise a request's statements go to Neon's HTTP API as one transaction
// (one round trip); a WebSocket Pool is opened only for a flow that needs an interactive transaction, and
// ended with waitUntil once the response is on its way. NEON_DRIVER=ws runs everything over a Pool per request,
// the slower path, kept for comparison (npm run bench:edge).
function open(config: Config, bindings: Record<string, unknown>) {
  const hyperdrive = hyperdriveOf(bindings);
  const replicas = replicaBindingsOf(bindings);
  if (replicas.length > 0 && config.RATE_LIMIT_STORE === "postgres") {
    throw new ConfigError(
      "HYPERDRIVE_REPLICA needs RATE_LIMIT_STORE=durable_object: counting hits in Postgres writes on every request, reads too",
    );
  }
  if (replicas.length > 0 && !hyperdrive) {
    throw new ConfigError("HYPERDRIVE_REPLICA needs the primary through Hyperdrive too (a HYPERDRIVE binding)");
  }
  // Neon's HTTP API cannot ask where a write's commit ended (no statement after its COMMIT): replicas go through
  // Hyperdrive bindings, Neon's read-replica endpoints included.
  if (config.DATABASE_REPLICA_URLS.length > 0) {
    throw new ConfigError(
      "DATABASE_REPLICA_URLS is for the Node server: a Worker reaches replicas through HYPERDRIVE_REPLICA",
    );
  }
  if (hyperdrive) return openHyperdrive(hyperdrive, config, replicas);
  const url = pointDriver(config);
  const timeouts = timeoutsOf(config);
  if (config.NEON_DRIVER === "ws") {
    const pool = openNeon(url, { timeouts, onLost, sqlLog: sqlLogOf(config) });
    let maintenance: ReturnType<typeof openNeon> | undefined;
    const maintenanceUrl = config.MAINTENANCE_DATABASE_URL;
    return transactionRunner(
      pool.db,
      async () => {
        await Promise.all([pool.close(), maintenance?.close()]);
      },
      maintenanceUrl
        ? () => {
            maintenance ??= openNeon(maintenanceUrl, { timeouts, onLost, sqlLog: sqlLogOf(config) });
            return maintenance.db;
          }
        : undefined,
    );
  }
  return neonHttpRunner(url, timeouts, config.MAINTENANCE_DATABASE_URL, sqlLogOf(config));
}

/**
 * Where hits are counted: in Postgres (the default), or in one Durable Object per counter (durable_object),
 * one limiter per isolate so that its rules and the tiers it learned are kept between requests. A Worker cannot
 * keep Redis's TCP connection across requests: redis is the Node server's.
 */
let counters: RateLimiter | undefined;
function rateLimiterOf(config: Config, bindings: Record<string, unknown>): RateLimiter {
  if (config.RATE_LIMIT_STORE === "postgres") return databaseLimiter;
  if (config.RATE_LIMIT_STORE === "redis") {
    throw new ConfigError("RATE_LIMIT_STORE=redis is for the Node server: on Workers, use durable_object or postgres");
  }
  const namespace = counterNamespaceOf(bindings);
  if (!namespace) throw new ConfigError("RATE_LIMIT_STORE=durable_object needs the RATE_LIMIT_COUNTERS binding");
  counters ??= storeLimiter(durableObjectStore(namespace), { rulesTtlMs: config.RATE_LIMIT_RULES_TTL_MS });
  return counters;
}

/** The maintenance login's database, for the cron and the job runs: Hyperdrive's node-postgres, or Neon's driver. */
function openMaintenance(config: Config, bindings: Record<string, unknown>, url: string) {
  if (hyperdriveOf(bindings)) return pgPool(url, config);
  pointDriver(config);
  return openNeon(url, { timeouts: timeoutsOf(config), onLost });
}

/** How long one run of due jobs may go on: well inside a cron invocation's and a waitUntil's time. */
const JOBS_RUN_MS = 20_000;

/**
 * Runs the due jobs (e-mails) as the maintenance login, until none is due or JOBS_RUN_MS: after a request that
 * queued one (at once, after its response), and from the every-minute cron (what failed, and what a run cut
 * short left: a job is kept until it is done, whatever happens to an isolate).
 */
async function runDueJobs(config: Config, bindings: Record<string, unknown>) {
  if (!config.MAINTENANCE_DATABASE_URL) {
    log("warn", "jobs wait: MAINTENANCE_DATABASE_URL is not set (wrangler secret put MAINTENANCE_DATABASE_URL)");
    return;
  }
  const { db, close } = openMaintenance(config, bindings, config.MAINTENANCE_DATABASE_URL);
  try {
    await drainDue({ db, handlers: jobHandlers(config), leaseMs: config.JOBS_LEASE_MS, forMs: JOBS_RUN_MS });
  } finally {
    await close();
  }
}

const app = createApp({
  openDatabase: open,
  rateLimiter: rateLimiterOf,
  jobsQueued: (config, bindings, waitUntil) => waitUntil(runDueJobs(config, bindings)),
});

/** The cron that runs due jobs (wrangler.toml); any other cron runs maintenance. */
const JOBS_CRON = "* * * * *";

/** The rate-limit counter's class, bound as RATE_LIMIT_COUNTERS (wrangler.toml). */
export { RateLimitCounter };

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const config = loadConfig(env);
    if (controller.cron === JOBS_CRON) {
      ctx.waitUntil(runDueJobs(config, env));
      return;
    }
    // The cron logs in as the maintenance role's own login; the request login cannot reach BYPASSRLS.
    if (!config.MAINTENANCE_DATABASE_URL) {
      log(
        "warn",
        "maintenance skipped: MAINTENANCE_DATABASE_URL is not set (wrangler secret put MAINTENANCE_DATABASE_URL)",
      );
      return;
    }
    // With Hyperdrive the database may be any Postgres: node-postgres reaches it; else Neon's driver.
    const { db, close } = openMaintenance(config, env, config.MAINTENANCE_DATABASE_URL);
    ctx.waitUntil(runMaintenance(db, config).finally(close));
  },
} satisfies ExportedHandler<Record<string, unknown>>;
