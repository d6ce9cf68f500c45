// `npm run bench:redis`: what coalescing the rate-limit hits sent to Redis saves (functions/lib/rate-limits/
// coalesce.ts). Two copies of the app in one process, on the same Postgres pool (the local server, pipelined and
// prepared as npm start runs it), differing only in their Redis store: hits coalesced (the default), or each sent
// on its own. Each serves GET /items (20 of 104 rows) through app.fetch, with 1 and 10 requests at a time, for
// BENCH_SECONDS (2) per round; the two alternate, BENCH_ROUNDS (10) rounds each, starting with the other one
// every round. Measured: the process's CPU per request. On a shared 2-core machine whose speed drifts by a third
// within minutes, comparing two copies in one process round by round is what makes a difference of some tens of
// µs visible; the figure is the median of the rounds, and how many paired rounds favoured coalescing.
// Results in bench/results/redis.json. Needs the local Postgres and Redis (REDIS_URL or 127.0.0.1:6379).
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier } from "../db/seed";
import { createApp } from "../functions/app";
import { redisStore } from "../functions/lib/rate-limits/redis";
import { storeLimiter } from "../functions/lib/rate-limits/store-limiter";
import { testEnv } from "../functions/testing/harness";
import { writeResults } from "./lib/results";

const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

const name = `rls_redis_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const ownerUrl = Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
const appUrl = Object.assign(new URL(ownerUrl), { username: "rls_authenticator", password: "unused" }).toString();
const admin = await openNodeDatabase({ databaseUrl: SERVER });
await admin.db.execute(sql.raw(`create database ${name}`));
const stores = { coalesced: redisStore(REDIS_URL), unbatched: redisStore(REDIS_URL, { coalesce: false }) };
try {
  const owner = await openNodeDatabase({ databaseUrl: ownerUrl, migrationUrl: ownerUrl });
  await ensureDefaultTier(owner.db);
  await owner.db.execute(sql`update rate_limits set "limit" = 100000000`);
  const served = await openNodeDatabase({ databaseUrl: appUrl, poolMax: 10 });
  const env = { ...testEnv, DATABASE_URL: appUrl, RATE_LIMIT_STORE: "redis", REDIS_URL };
  const executionContext = { waitUntil() {}, passThroughOnException() {}, props: {} };
  const appWith = (store: ReturnType<typeof redisStore>) =>
    createApp({
      openDatabase: () => served.runner,
      rateLimiter: storeLimiter(store, { rulesTtlMs: 60_000 }),
      clientIp: () => "127.0.0.1",
    });
  const apps = { coalesced: appWith(stores.coalesced), unbatched: appWith(stores.unbatched) };
  const call = (app: ReturnType<typeof createApp>, path: string, init?: RequestInit) =>
    app.fetch(new Request(`http://127.0.0.1/api/v1${path}`, init), env, executionContext);

  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const json = { "content-type": "application/json" };
  const body = JSON.stringify({ email, password: "password-123" });
  const { id: userId } = (await (
    await call(apps.coalesced, "/auth/register", { method: "POST", headers: json, body })
  ).json()) as { id: string };
  const { access_token: token } = (await (
    await call(apps.coalesced, "/auth/login", { method: "POST", headers: json, body })
  ).json()) as { access_token: string };
  await owner.db.execute(
    sql`insert into items (owner_id, title) select ${userId}::uuid, 'item ' || g from generate_series(1, 104) g`,
  );
  await owner.close();

  /** CPU microseconds of this process per request, over `seconds` with `concurrency` requests at a time. */
  async function round(app: ReturnType<typeof createApp>, concurrency: number, seconds: number) {
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
    return (used.user + used.system) / requests;
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

  const rows = [];
  for (const concurrency of [1, 10]) {
    await round(apps.coalesced, concurrency, 1); // warm both
    await round(apps.unbatched, concurrency, 1);
    const runs = { coalesced: [] as number[], unbatched: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 ? (["unbatched", "coalesced"] as const) : (["coalesced", "unbatched"] as const);
      for (const key of order) runs[key].push(await round(apps[key], concurrency, SECONDS));
    }
    rows.push({
      concurrency,
      coalesced_cpu_us: Math.round(median(runs.coalesced)),
      unbatched_cpu_us: Math.round(median(runs.unbatched)),
      rounds_coalescing_cheaper: runs.coalesced.filter((us, i) => us < (runs.unbatched[i] as number)).length,
    });
  }
  console.table(rows);
  await served.close();
  await writeResults("redis", {
    request: "GET /api/v1/items (20 of 104 rows) through app.fetch, node-postgres (prepared), pool of 10",
    compared: "Redis rate-limit hits coalesced (default) against each hit sent on its own",
    unit: "CPU microseconds of the process per request, the median of the rounds",
    rounds: ROUNDS,
    seconds_per_round: SECONDS,
    rows,
  });
} finally {
  await Promise.all(Object.values(stores).map((store) => store.close()));
  await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
  await admin.close();
}
