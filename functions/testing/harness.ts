import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { neonConfig } from "@neondatabase/serverless";
import { sql } from "drizzle-orm";
import { type ClientResponse, hc } from "hono/client";
import { inject } from "vitest";
import type { z } from "zod";
import type { Database, Tx } from "../../db/client";
import { neonHttpRunner } from "../../db/drivers/neon-http/runner";
import { openPg } from "../../db/drivers/node-postgres/open";
import { openPglite } from "../../db/drivers/pglite/open";
import { openNodeDatabase } from "../../db/node";
import type { Caller, RequestContext } from "../../db/runner/context";
import type { Runner } from "../../db/runner/runner";
import { transactionRunner } from "../../db/runner/transaction";
import { users } from "../../db/schema";
import type { SqlLog } from "../../db/sql-log";
import { startRelay } from "../../scripts/local/relay";
import { type App, createApp } from "../app";
import { ConfigError, loadConfig } from "../lib/config";
import { jobHandlers } from "../lib/jobs/handlers";
import { startJobRunner } from "../lib/jobs/runner";
import { findPgError } from "../lib/pg-errors";
import type { RateLimiter } from "../lib/rate-limits/limiter";
import type { ErrorSchema } from "../lib/schemas";
import { type Contract, contractOf, type OpenApiDocument } from "./contract";

/** Settings every test app gets; tests may add their own. */
export const testEnv = {
  JWT_SECRET: "test-secret-that-is-long-enough-for-hs256-0123456789",
  JWT_ISSUER: "test-issuer",
  JWT_AUDIENCE: "test-audience",
};

/**
 * How the app reaches a real server in tests (TEST_DRIVER): `http`, the Worker's production path (Neon's HTTP
 * API, here the local /sql endpoint: one request per transaction); `ws`, the neon WebSocket Pool; `pg`,
 * node-postgres as `npm start` uses it. On PGlite the runner is PGlite's own transaction.
 */
export type TestDriver = "pglite" | "http" | "ws" | "pg";

export const testDriver = (): TestDriver => {
  if (!process.env.TEST_DATABASE_URL) return "pglite";
  const driver = process.env.TEST_DRIVER ?? "http";
  if (driver !== "http" && driver !== "ws" && driver !== "pg") throw new Error(`TEST_DRIVER=${driver}: http, ws or pg`);
  return driver;
};

/** A fresh, migrated database, as each kind opens it. */
type OpenedDatabase = {
  kind: "pglite" | "postgres";
  driver: TestDriver;
  /** A statement runner for the app, per the driver. */
  runner: () => Runner;
  /** The app's database: the login role, which reads nothing until a context statement switches role (asUser, asAnon). */
  db: Database;
  /** The maintenance login's database (rls_maintainer; PGlite: the owner for one transaction): withAdmin. */
  maintenance: Database;
  /** Postgres only: the login role's (rls_authenticator) URL of the fresh database, for a separate process. */
  appUrl?: string;
  /** Postgres only: the maintenance login's (rls_maintainer) URL of the fresh database. */
  maintenanceUrl?: string;
  /** Runs `fn` as the schema owner (setup and assertions that must see past RLS). */
  asOwner: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /** Applies the migrations again (they must be a no-op). */
  migrateAgain: () => Promise<void>;
  close: () => Promise<void>;
};

/** A test database, and SQL run as a caller through the request path. */
export type TestDatabase = OpenedDatabase & {
  /**
   * Runs `fn` as the user `userId`, under RLS, the way a request of that user runs: an interactive
   * transaction of the runner, whose first statement is the request's context statement (app_auth.begin_request
   * checks the user and switches role; db/runner/context.ts). There is no other way into RLS to test: what
   * passes here passes in production. Refused like a request (PT401 unknown, PT403 inactive).
   */
  asUser: <T>(
    userId: string,
    fn: (tx: Tx, caller: Caller) => Promise<T>,
    options?: { readOnly?: boolean },
  ) => Promise<T>;
  /** Runs `fn` for nobody signed in (rls_anon), as a request with no credentials runs. */
  asAnon: <T>(fn: (tx: Tx) => Promise<T>, options?: { readOnly?: boolean }) => Promise<T>;
};

function withCallers(database: OpenedDatabase): TestDatabase {
  const run = async <T>(context: RequestContext, fn: (tx: Tx, caller: Caller) => Promise<T>) =>
    (await database.runner().transaction(context, fn)).value();
  return {
    ...database,
    asUser: async (userId, fn, options = {}) => {
      // The token a request would carry names the user's current token version (refused otherwise).
      const [user] = await database.asOwner((tx) =>
        tx.select({ version: users.token_version }).from(users).where(sql`id = ${userId}`),
      );
      return run(
        {
          credentials: { via: "token", userId, tokenVersion: user?.version ?? 0 },
          readOnly: options.readOnly ?? false,
        },
        fn,
      );
    },
    asAnon: (fn, options = {}) => run({ readOnly: options.readOnly ?? false }, (tx) => fn(tx)),
  };
}

/**
 * One relay (WebSocket + /sql endpoint) for every test database of a file: the neon driver's endpoint settings
 * are global, so a test that opens and closes a second database must not pull the endpoint from under the first.
 */
const sharedRelay = (() => {
  let relay: Promise<Awaited<ReturnType<typeof startRelay>>> | undefined;
  let users = 0;
  return {
    open: () => {
      users++;
      relay ??= startRelay();
      return relay;
    },
    release: async () => {
      if (--users > 0 || !relay) return;
      const closing = relay;
      relay = undefined;
      await (await closing).close();
    },
  };
})();

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database on the
 * Postgres server named by TEST_DATABASE_URL (dropped again on close). Roles are cluster-wide, so every
 * file after the first also proves that migrations run cleanly on a second database of the same cluster.
 */
export async function openTestDatabase(
  options: { tiers?: "migrated" | "none"; sqlLog?: SqlLog } = {},
): Promise<TestDatabase> {
  const database = withCallers(await openMigratedDatabase(options.sqlLog));
  // The migrations make the default tier, whose per-address limits (10 sign-ins a minute) would throttle a suite
  // whose in-process requests all come from one address. Tests start with no tier and no limit; a test of
  // limits makes its own, and a test of the migrated default asks for it.
  if (options.tiers !== "migrated") {
    await database.asOwner(async (tx) => {
      await tx.execute(sql`delete from rate_limits`);
      await tx.execute(sql`delete from tiers`);
    });
  }
  return database;
}

async function openMigratedDatabase(sqlLog?: SqlLog): Promise<OpenedDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const templateFile = process.env.VITEST ? inject("pgliteTemplate") : undefined; // benchmarks run outside vitest
    const template = templateFile ? new Blob([await readFile(templateFile)]) : undefined;
    const pglite = await openPglite(undefined, { template, sqlLog });
    const runner = transactionRunner(pglite.db, undefined, () => pglite.maintenance);
    return {
      kind: "pglite",
      driver: "pglite",
      runner: () => runner,
      db: pglite.db,
      maintenance: pglite.maintenance,
      asOwner: pglite.asOwner,
      migrateAgain: pglite.migrate,
      close: pglite.close,
    };
  }

  const relay = await sharedRelay.open();
  const name = `rls_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const ownerUrl = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const appUrl = Object.assign(new URL(ownerUrl), { username: "rls_authenticator", password: "unused" }).toString();
  const maintenanceUrl = Object.assign(new URL(ownerUrl), {
    username: "rls_maintainer",
    password: "unused",
  }).toString();

  const admin = await openNodeDatabase({ databaseUrl: serverUrl, wsProxy: relay.proxy });
  await admin.db.execute(sql.raw(`create database ${name}`));
  const driver = testDriver();
  const app = await openNodeDatabase({
    databaseUrl: appUrl,
    migrationUrl: ownerUrl,
    driver: driver === "pg" ? "pg" : "ws",
    wsProxy: relay.proxy,
    maintenanceUrl,
    sqlLog,
  });
  const owner = openPg(ownerUrl, { max: 2 });
  const shared = app.runner;
  if (driver === "http") neonConfig.fetchEndpoint = relay.sqlEndpoint;
  return {
    kind: "postgres",
    driver,
    runner: () => (driver === "http" ? neonHttpRunner(appUrl, undefined, maintenanceUrl, sqlLog) : shared),
    db: app.db,
    maintenance: app.maintenance as Database,
    appUrl,
    maintenanceUrl,
    asOwner: (fn) => owner.db.transaction(fn),
    migrateAgain: async () => {
      const again = await openNodeDatabase({ databaseUrl: appUrl, migrationUrl: ownerUrl });
      await again.close();
    },
    close: async () => {
      await app.close();
      await owner.close();
      await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
      await admin.close();
      await sharedRelay.release();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/**
 * The real app on a fresh test database, called in-process through Hono's `app.request`. Every answer is
 * checked against the OpenAPI document the app serves (./contract.ts): a test that receives an answer the
 * document does not allow fails, whatever it asserts itself.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { sqlLog?: SqlLog; rateLimiter?: RateLimiter } = {},
) {
  const database = await openTestDatabase({ sqlLog: options.sqlLog });
  const bindings = { ...testEnv, ...env };
  // The jobs the app queues (e-mails) run as npm start runs them: a runner beside the app, woken by each request
  // that queued one. None for a test of settings the app refuses, nor for one that reads the statements sent
  // (sqlLog): the runner's own would mix with the request's.
  let jobs: ReturnType<typeof startJobRunner> | undefined;
  try {
    if (!options.sqlLog) {
      jobs = startJobRunner({ db: database.maintenance, handlers: jobHandlers(loadConfig(bindings)), pollMs: 50 });
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  const app = createApp({
    openDatabase: () => database.runner(),
    rateLimiter: options.rateLimiter,
    jobsQueued: () => jobs?.wake(),
  });
  let contract: Promise<Contract> | undefined;
  const documented = async () => {
    // The document depends on no setting; read with the defaults, so a test of a misconfigured app is checked too.
    const response = await app.request("/openapi.json", {}, testEnv);
    return contractOf((await response.json()) as OpenApiDocument);
  };
  /** app.request, with the answer held against the document. */
  const call = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await app.request(input, init, bindings);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const url = input instanceof Request ? input.url : String(input);
    contract ??= documented();
    await (await contract).check(method, url, response);
    return response;
  };
  const request = (path: string, init: RequestInit & { json?: unknown; token?: string } = {}) => {
    const { json, token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set("content-type", "application/json");
    if (token) headers.set("authorization", `Bearer ${token}`);
    return call(path, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
  };

  let counter = 0;
  /** Registers a new user, signs it in, and returns its id, access token and refresh token. */
  const signUp = async (options: { superuser?: boolean; email?: string } = {}) => {
    const email = options.email ?? `user${++counter}-${randomUUID().slice(0, 8)}@example.com`;
    const password = "password-123";
    const registered = await request("/api/v1/auth/register", { method: "POST", json: { email, password } });
    if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
    const user = (await registered.json()) as { id: string };
    if (options.superuser) {
      await database.asOwner((tx) => tx.update(users).set({ is_superuser: true }).where(sql`id = ${user.id}`));
    }
    const login = await request("/api/v1/auth/login", { method: "POST", json: { email, password } });
    const tokens = (await login.json()) as { access_token: string; refresh_token: string };
    return { id: user.id, email, password, token: tokens.access_token, refreshToken: tokens.refresh_token };
  };

  /**
   * The typed client (hono/client) of the API's `/api/v1`, signed in with `token` (or `headers`): requests and
   * answers typed from the routes, served in-process by this app. For success paths; `readError` for refusals.
   */
  const api = (token?: string, headers: Record<string, string> = {}) =>
    hc<App>("http://localhost", {
      headers: token ? { authorization: `Bearer ${token}`, ...headers } : headers,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => call(input, init),
    }).api.v1;

  const close = async () => {
    await jobs?.stop();
    await database.close();
  };
  return { ...database, close, app, env: bindings, request, call, signUp, api };
}

type BodyOf<R, S extends number> = R extends ClientResponse<infer T, S, "json"> ? T : never;

/** The body of a typed client's response, typed for `status`; any other status fails the test with the body. */
export async function ok<R extends ClientResponse<unknown, number, "json">, S extends number>(
  response: R,
  status: S,
): Promise<BodyOf<R, S>> {
  if (response.status !== status)
    throw new Error(`expected ${status}, got ${response.status}: ${await response.text()}`);
  return (await response.json()) as BodyOf<R, S>;
}

/** A query string (`?a=1&b=2`, as a browser writes it) as the typed client's `query`; repeated names stay repeated. */
export function queryOf(query: string): Record<string, string[]> {
  const params: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) params[name] = [...(params[name] ?? []), value];
  return params;
}

/** The API's error body, `{"error": {"code", "message", "details"?}}`, of a refused request. */
export const readError = async (response: { json(): Promise<unknown> }) =>
  (await response.json()) as z.infer<typeof ErrorSchema>;

/** A user row written as the owner, for SQL-layer tests that need no password or token. */
export const insertUser = (database: TestDatabase, email: string, options: { superuser?: boolean } = {}) =>
  database.asOwner(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({ email, hashed_password: "x", is_superuser: options.superuser ?? false })
      .returning({ id: users.id });
    return row?.id as string;
  });

/** The SQLSTATE a promise is rejected with, or "no error": what Postgres refused, and why. */
export async function pgCodeOf(promise: PromiseLike<unknown>) {
  try {
    await promise;
  } catch (error) {
    return findPgError(error)?.code ?? String(error);
  }
  return "no error";
}
