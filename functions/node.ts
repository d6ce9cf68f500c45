import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { rowsOf } from "../db/client";
import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier } from "../db/seed";
import { createApp } from "./app";
import { readLocalBundle } from "./docs/local-bundle";
import { type Config, ConfigError, loadConfig, timeoutsOf } from "./lib/config";
import { describeFirstSuperuser, ensureFirstSuperuserFrom } from "./lib/first-superuser";
import { jobHandlers } from "./lib/jobs/handlers";
import { startJobRunner } from "./lib/jobs/runner";
import { describeError, log, logStatement } from "./lib/log";
import { readOrCreateSecret } from "./lib/private-file";
import { redisStore } from "./lib/rate-limits/redis";
import { storeLimiter } from "./lib/rate-limits/store-limiter";
import { startupHint } from "./lib/startup-hint";

// `npm start`: the same Hono app on Node. No DATABASE_URL: embedded PGlite kept in PGLITE_DATA_DIR, so a
// fresh clone runs with nothing to install. With DATABASE_URL: that Postgres, as the app's login role.

const env: Record<string, string | undefined> = { ...process.env };
const embedded = !env.DATABASE_URL;
const dataDir = env.PGLITE_DATA_DIR ?? ".data/pglite";

/**
 * The embedded default may make up its signing key, once, and keep it inside its own data directory, readable
 * by this OS user alone (a key others could read or plant would let them sign any user's token).
 */
function embeddedJwtSecret() {
  const file = join(dataDir, "jwt-secret");
  try {
    const { value, created } = readOrCreateSecret(file, () => randomBytes(48).toString("base64url"));
    if (created) log("warn", `JWT_SECRET not set: generated one, kept in ${file}. Set JWT_SECRET outside local use.`);
    return value;
  } catch (error) {
    log("error", `cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

if (!env.JWT_SECRET && embedded) env.JWT_SECRET = embeddedJwtSecret();
let config: Config;
try {
  config = loadConfig(env);
  if (config.RATE_LIMIT_STORE === "durable_object") {
    throw new ConfigError(
      "RATE_LIMIT_STORE=durable_object needs a Worker's Durable Object binding: on Node, use redis",
    );
  }
} catch (error) {
  // A bad setting is the operator's to fix: say which, in one line, and stop.
  if (!(error instanceof ConfigError)) throw error;
  log("error", error.message);
  process.exit(1);
}

/** The database, migrated and seeded, after checking that the login role cannot read around RLS. */
async function prepareDatabase() {
  const opened = await openNodeDatabase({
    databaseUrl: config.DATABASE_URL,
    migrationUrl: env.MIGRATION_DATABASE_URL,
    dataDir: embedded ? dataDir : undefined,
    timeouts: timeoutsOf(config),
    poolMax: config.DATABASE_POOL_MAX,
    sqlLog: config.LOG_SQL ? logStatement : undefined,
    replicas: { urls: config.DATABASE_REPLICA_URLS, maxLagMs: config.DATABASE_REPLICA_MAX_LAG_MS },
    prepare: config.DATABASE_PREPARE,
    maintenanceUrl: env.MAINTENANCE_DATABASE_URL ?? env.MIGRATION_DATABASE_URL,
    onStep: (message) => log("info", message),
    warn: (message) => log("warn", message),
  });
  const { db, maintenance } = opened;
  // Asked in a transaction, as every request is: a pooler in statement mode, which runs none, is refused here
  // (startup-hint.ts says so) instead of answering every request 503.
  const [role] = rowsOf<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; reaches: string | null }>(
    await db.transaction((tx) =>
      tx.execute(sql`select rolname, rolsuper, rolbypassrls,
        (select string_agg(b.rolname, ', ') from pg_roles b
          where b.rolbypassrls and b.oid <> r.oid and pg_has_role(r.oid, b.oid, 'MEMBER')) as reaches
        from pg_roles r where rolname = current_user`),
    ),
  );
  // Fail closed: a login role that is a superuser, bypasses RLS or can switch to a role that does would
  // read every row.
  if (!role || role.rolsuper || role.rolbypassrls) {
    throw new Error(`the login role ${role?.rolname} is a superuser or bypasses RLS: use rls_authenticator`);
  }
  if (role.reaches) {
    throw new Error(
      `the login role ${role.rolname} can switch to ${role.reaches}, which bypasses RLS: apply the migrations (npm run db:migrate)`,
    );
  }
  if (maintenance) {
    if (await ensureDefaultTier(maintenance)) log("info", "created the default tier and its rate limits");
    const first = await ensureFirstSuperuserFrom(maintenance, env, embedded ? dataDir : undefined);
    const superuser = describeFirstSuperuser(first);
    if (superuser) log("info", superuser);
  } else {
    log(
      "warn",
      "no MAINTENANCE_DATABASE_URL: the default tier and first superuser are not checked, maintenance is off",
    );
  }
  return { ...opened, role: role.rolname };
}

const { runner, close, description, role, maintenance, listen } = await prepareDatabase().catch((error: unknown) => {
  // The innermost cause says what went wrong (a query error's own message would only name the statement).
  let root = describeError(error);
  while (root.cause) root = root.cause;
  const hint = startupHint(error, config.DATABASE_URL);
  log("error", `cannot start: ${root.message}${hint ? `. ${hint}` : ""}`, { error });
  process.exit(1);
});

// One runner for the process: its statements share the process's pool (or the embedded database).
// Rate limits key anonymous callers by address: here the socket's, whatever headers a client sent. Behind a
// proxy, read it from the proxy's header instead. Kept beside the request, which stays as Node handed it over.
const addresses = new WeakMap<Request, string>();
// Rate limits in Redis (RATE_LIMIT_STORE=redis): no request writes on the primary to be counted.
const counters = config.RATE_LIMIT_STORE === "redis" ? redisStore(config.REDIS_URL as string) : undefined;
// The jobs requests queue (e-mails), run here unless `npm run worker` runs them (JOBS_IN_PROCESS=false). They
// need the maintenance login: the runner acts as rls_maintenance_admin.
const jobs =
  config.JOBS_IN_PROCESS && maintenance
    ? startJobRunner({
        db: maintenance,
        handlers: jobHandlers(config),
        leaseMs: config.JOBS_LEASE_MS,
        listen: listen && ((wake) => listen("app_jobs", wake)),
      })
    : undefined;
if (config.JOBS_IN_PROCESS && !maintenance) {
  log("warn", "no MAINTENANCE_DATABASE_URL: queued jobs (e-mails) wait for a runner that has one (npm run worker)");
}
const app = createApp({
  openDatabase: () => runner,
  jobsQueued: () => jobs?.wake(),
  rateLimiter: counters && storeLimiter(counters, { rulesTtlMs: config.RATE_LIMIT_RULES_TTL_MS }),
  clientIp: (request) => addresses.get(request),
  docsBundle: readLocalBundle,
});
// Work a request leaves running after its response (recording a key's use, finishing with the database), as
// Workers' waitUntil has it; a shutdown waits for what is still pending.
const pending = new Set<Promise<unknown>>();
const executionContext = {
  waitUntil(promise: Promise<unknown>) {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
  },
  passThroughOnException() {},
  props: {},
};
const port = Number(env.PORT ?? 8787);
const server = serve(
  {
    fetch: (request, node: { incoming?: { socket?: { remoteAddress?: string } } }) => {
      const address = node.incoming?.socket?.remoteAddress;
      if (address) addresses.set(request, address);
      return app.fetch(request, env, executionContext);
    },
    port,
    hostname: env.HOST ?? "127.0.0.1",
  },
  () => log("info", `API on http://${env.HOST ?? "127.0.0.1"}:${port} (database: ${description}, login role ${role})`),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void Promise.allSettled(pending)
      .then(() => jobs?.stop())
      .then(() => Promise.all([close(), counters?.close()]))
      .finally(() => process.exit(0));
  });
}
