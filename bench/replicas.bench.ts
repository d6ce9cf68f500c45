// `npm run bench:replicas`: the API on a primary and a real streaming standby that replays one second late
// (functions/testing/streaming-replica.ts; needs Postgres's server binaries), with rate limits counted in Redis
// (REDIS_URL or 127.0.0.1:6379), as `npm start` runs with DATABASE_REPLICA_URLS. In process, at 10 concurrent
// requests:
//
// 1. a mixed load for BENCH_SECONDS (10): readers list their items (GET /items, 90% of requests) while writers
//    add items (POST /items, 10%): the share of GETs the replica served, and the primary's transactions per
//    request (pg_stat_database.xact_commit on the primary, over the requests sent: a write is two, its own and
//    the position asked after its COMMIT; the process's watch of the primary's position adds about 1 a second);
// 2. BENCH_PAIRS (1,000) write-then-read pairs, each read at once after its write, by the writer: how many reads
//    missed their write (read-your-writes violations: must be 0), and who served them.
//
// Results in bench/results/replicas.json.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { rowsOf } from "../db/client";
import { openNodeDatabase } from "../db/node";
import type { ReplicaStats } from "../db/runner/replicas";
import { createApp } from "../functions/app";
import { redisStore } from "../functions/lib/rate-limits/redis";
import { storeLimiter } from "../functions/lib/rate-limits/store-limiter";
import { testEnv } from "../functions/testing/harness";
import { startStreamingReplica } from "../functions/testing/streaming-replica";
import { writeResults } from "./lib/results";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 1_000);
const CONCURRENCY = 10;
const APPLY_DELAY_MS = 1_000;
const READERS = 40;
const WRITERS = 10;

const replica = await startStreamingReplica({ applyDelayMs: APPLY_DELAY_MS });
const loginUrl = (url: string) => Object.assign(new URL(url), { username: "rls_authenticator" }).toString();
const counters = redisStore(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
try {
  const owner = await openNodeDatabase({ databaseUrl: replica.primaryUrl, migrationUrl: replica.primaryUrl });
  // The default tier's rules stay, out of reach: every request is counted in Redis.
  await owner.db.execute(sql`update rate_limits set "limit" = 100000000`);
  const commits = async () =>
    Number(
      rowsOf<{ n: string }>(
        await owner.db.execute(sql`select xact_commit as n from pg_stat_database where datname = current_database()`),
      )[0]?.n,
    );

  const opened = await openNodeDatabase({
    databaseUrl: loginUrl(replica.primaryUrl),
    replicas: { urls: [loginUrl(replica.standbyUrl)], maxLagMs: 5_000 },
    poolMax: 10,
  });
  const stats = opened.replicaStats as ReplicaStats;
  const app = createApp({
    openDatabase: () => opened.runner,
    rateLimiter: storeLimiter(counters, { rulesTtlMs: 10_000 }),
    clientIp: () => "127.0.0.1",
  });
  const request = async (path: string, token: string, json?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (json !== undefined) headers["content-type"] = "application/json";
    const init = { method: json === undefined ? "GET" : "POST", headers, body: JSON.stringify(json) };
    const response = await app.request(path, json === undefined ? { headers } : init, testEnv);
    if (response.status >= 500) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const signUp = async () => {
    const json = { email: `bench-${randomUUID().slice(0, 8)}@example.com`, password: "a fine password" };
    const post = (path: string) =>
      app.request(
        path,
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) },
        testEnv,
      );
    await post("/api/v1/auth/register");
    return ((await (await post("/api/v1/auth/login")).json()) as { access_token: string }).access_token;
  };
  const readers: string[] = [];
  for (let i = 0; i < READERS; i++) readers.push(await signUp());
  const writers: string[] = [];
  for (let i = 0; i < WRITERS; i++) writers.push(await signUp());
  for (const token of readers) {
    for (let i = 0; i < 20; i++) await request("/api/v1/items", token, { title: `item ${i}` });
  }
  await sleep(APPLY_DELAY_MS + 1_000); // every account on the replica
  // Each caller once before the measure: the rate limiter learns its tier (a writer's first write would otherwise
  // be preceded by a read-only resolution of its caller, served by the replica and counted there).
  for (const token of [...readers, ...writers]) await request("/api/v1/items", token);

  // 1. The mixed load.
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)] as T;
  const before = { stats: structuredClone(stats), commits: await commits() };
  let gets = 0;
  let posts = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        if (Math.random() < 0.1) {
          await request("/api/v1/items", pick(writers), { title: "written" });
          posts++;
        } else {
          await request("/api/v1/items", pick(readers));
          gets++;
        }
      }
    }),
  );
  const mixedCommits = (await commits()) - before.commits;
  const servedByReplica = stats.replica - before.stats.replica;
  const mixed = {
    seconds: SECONDS,
    requests: gets + posts,
    gets,
    posts,
    requests_per_s: Math.round((gets + posts) / SECONDS),
    gets_served_by_replica: servedByReplica,
    replica_share: +(servedByReplica / gets).toFixed(4),
    primary_transactions_per_request: +(mixedCommits / (gets + posts)).toFixed(3),
    fell_back: Object.fromEntries(
      Object.entries(stats.fellBack).map(([reason, n]) => [reason, n - (before.stats.fellBack[reason] ?? 0)]),
    ),
  };

  // 2. Write-then-read pairs.
  const pairsBefore = structuredClone(stats);
  let violations = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = worker; i < PAIRS; i += CONCURRENCY) {
        const token = writers[i % WRITERS] as string;
        const created = await request("/api/v1/items", token, { title: `pair ${i}` });
        const { id } = (await created.json()) as { id: string };
        if ((await request(`/api/v1/items/${id}`, token)).status !== 200) violations++;
      }
    }),
  );
  const pairs = {
    pairs: PAIRS,
    read_your_writes_violations: violations,
    reads_served_by_replica: stats.replica - pairsBefore.replica,
    reads_served_by_primary: stats.primary - pairsBefore.primary,
  };

  console.table([mixed]);
  console.table([pairs]);
  await writeResults("replicas", {
    setup: `one streaming standby replaying ${APPLY_DELAY_MS} ms late (recovery_min_apply_delay), DATABASE_REPLICA_MAX_LAG_MS=5000, rate limits in Redis, ${CONCURRENCY} concurrent requests in process; ${READERS} readers (GET /items, 90%) and ${WRITERS} writers (POST /items, 10%)`,
    mixed,
    write_then_read: pairs,
  });
  await opened.close();
  await owner.close();
} finally {
  await counters.close();
  replica.stop();
}
