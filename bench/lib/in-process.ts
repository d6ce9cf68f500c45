// The app in this process on the local Postgres, for benchmarks that compare variants of it without HTTP:
// a fresh database (migrated, the default tier's limits out of reach), one user with 104 items and a token, the
// request pool as npm start opens it (pipelined, prepared), and GET /items through app.fetch.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { openNodeDatabase } from "../../db/node";
import { ensureDefaultTier } from "../../db/seed";
import { createApp } from "../../functions/app";
import type { RateLimiter } from "../../functions/lib/rate-limits/limiter";
import { testEnv } from "../../functions/testing/harness";

type App = ReturnType<typeof createApp>;

export async function inProcessApp(env: Record<string, string> = {}) {
  const server = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `rls_bench_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const ownerUrl = Object.assign(new URL(server), { pathname: `/${name}` }).toString();
  const appUrl = Object.assign(new URL(ownerUrl), { username: "rls_authenticator", password: "unused" }).toString();
  const admin = await openNodeDatabase({ databaseUrl: server });
  await admin.db.execute(sql.raw(`create database ${name}`));
  const owner = await openNodeDatabase({ databaseUrl: ownerUrl, migrationUrl: ownerUrl });
  await ensureDefaultTier(owner.db);
  await owner.db.execute(sql`update rate_limits set "limit" = 100000000`);
  const served = await openNodeDatabase({ databaseUrl: appUrl, poolMax: 10 });
  const appEnv = { ...testEnv, DATABASE_URL: appUrl, ...env };
  const executionContext = { waitUntil() {}, passThroughOnException() {}, props: {} };
  const appWith = (rateLimiter?: RateLimiter) =>
    createApp({ openDatabase: () => served.runner, rateLimiter, clientIp: () => "127.0.0.1" });
  const call = (app: App, path: string, init?: RequestInit) =>
    app.fetch(new Request(`http://127.0.0.1/api/v1${path}`, init), appEnv, executionContext);

  const first = appWith();
  const json = { "content-type": "application/json" };
  const body = JSON.stringify({ email: `bench-${randomUUID().slice(0, 8)}@example.com`, password: "password-123" });
  const { id: userId } = (await (
    await call(first, "/auth/register", { method: "POST", headers: json, body })
  ).json()) as {
    id: string;
  };
  const { access_token: token } = (await (
    await call(first, "/auth/login", { method: "POST", headers: json, body })
  ).json()) as { access_token: string };
  await owner.db.execute(
    sql`insert into items (owner_id, title) select ${userId}::uuid, 'item ' || g from generate_series(1, 104) g`,
  );
  await owner.close();

  /** GET /items for `seconds`, `concurrency` at a time: how many, and this process's CPU µs per request. */
  async function load(app: App, concurrency: number, seconds: number) {
    let requests = 0;
    const end = Date.now() + seconds * 1000;
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const response = await call(app, "/items", { headers: { authorization: `Bearer ${token}` } });
          if (response.status !== 200) throw new Error(`GET /items answered ${response.status}`);
          await response.arrayBuffer();
          requests++;
        }
      }),
    );
    const used = process.cpuUsage(before);
    return { requests, cpuUsPerRequest: (used.user + used.system) / requests };
  }

  return {
    appWith,
    load,
    async close() {
      await served.close();
      await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
      await admin.close();
    },
  };
}
