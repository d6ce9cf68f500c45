// `npm run bench:node`: throughput of `npm start` on Postgres (node-postgres) for GET /items (20 of 104 rows),
// against bare Hono handlers on the same pool size (bench/lib/bare-server.ts), with autocannon at 1, 10 and
// 50 connections: one sends the app's own statements (its context statement included) one after another, so
// the ratio is what the app's code costs; the other a minimal set_config context instead, which also shows what
// the app's caller checks and rate-limit count cost in Postgres. Each server runs in its own process; rate
// limiting stays on in the app (its limit out of reach). Per request, the CPU milliseconds each server and
// Postgres used say where the time goes. The app runs twice: its rate-limit hits counted in Postgres (the
// default) and in Redis (RATE_LIMIT_STORE=redis, REDIS_URL or 127.0.0.1:6379).
//
// On a shared 2-core machine one 10-second run moves by 20-30 % from the next, so each point is measured in
// rounds (BENCH_ROUNDS, 3), every server once per round for BENCH_SECONDS (5), starting with a different one
// each round: a ratio is the median of the rounds' ratios, each between runs a few seconds apart, and its
// spread is kept beside it. Results in bench/results/node.json.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier } from "../db/seed";
import { testEnv } from "../functions/testing/harness";
import { writeResults } from "./lib/results";

const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// BENCH_CONNECTIONS=1,10: a subset of the connection counts (for profiling one of them).
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,10,50").split(",").map(Number);

async function start(script: string, env: Record<string, string>, port: number, nodeArgs: string[] = []) {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script], {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/api/v1/items`).catch(() => undefined);
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`${script} did not start`);
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); 0 where /proc is missing. */
async function cpuMs(pid: number) {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) || 0) + (Number(fields[12]) || 0)) * (1000 / 100); // clock ticks of 1/100 s
}

/** CPU time of every postgres process on this machine (the local server the bench runs on), by pid. */
async function postgresCpuMs() {
  const pids = (await readdir("/proc").catch(() => [])).filter((name) => /^\d+$/.test(name));
  const byPid = new Map<string, number>();
  for (const pid of pids) {
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    if (comm.startsWith("postgres")) byPid.set(pid, await cpuMs(Number(pid)));
  }
  return byPid;
}

/** Postgres CPU used between two readings; a backend that exited in between takes its share with it. */
const postgresDelta = (before: Map<string, number>, after: Map<string, number>) =>
  [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

type Run = { requests: number; requests_per_s: number; p50_ms: number; server_cpu_ms: number; postgres_cpu_ms: number };

/** One run of `duration` seconds at `connections`, after a warm-up when `warm`; its CPU totals, not per request. */
async function load(url: string, token: string, connections: number, server: ChildProcess, warm: boolean) {
  const headers = { authorization: `Bearer ${token}` };
  if (warm) await autocannon({ url, connections, duration: 2, headers });
  const before = { server: await cpuMs(server.pid ?? 0), postgres: await postgresCpuMs() };
  const result = await autocannon({ url, connections, duration: DURATION, headers });
  const after = { server: await cpuMs(server.pid ?? 0), postgres: await postgresCpuMs() };
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
  return {
    requests: result.requests.total,
    requests_per_s: result.requests.average,
    p50_ms: result.latency.p50,
    server_cpu_ms: after.server - before.server,
    postgres_cpu_ms: postgresDelta(before.postgres, after.postgres),
  } satisfies Run;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const round2 = (value: number) => +value.toFixed(2);

/** A server's rounds at one point: the median rate and p50, and CPU per request over all its requests. */
function summary(runs: Run[]) {
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const perRequest = (key: "server_cpu_ms" | "postgres_cpu_ms") =>
    +(runs.reduce((sum, run) => sum + run[key], 0) / requests).toFixed(3);
  return {
    requests_per_s: Math.round(median(runs.map((run) => run.requests_per_s))),
    p50_ms: median(runs.map((run) => run.p50_ms)),
    server_cpu_ms: perRequest("server_cpu_ms"),
    postgres_cpu_ms: perRequest("postgres_cpu_ms"),
  };
}

/** The median of the rounds' ratios of `a` to `b` (each pair a few seconds apart), and their lowest and highest. */
function ratioOf(a: Run[], b: Run[]) {
  const ratios = a.map((run, i) => run.requests_per_s / (b[i] as Run).requests_per_s);
  return { median: round2(median(ratios)), low: round2(Math.min(...ratios)), high: round2(Math.max(...ratios)) };
}

const name = `rls_node_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const ownerUrl = Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
const appUrl = Object.assign(new URL(ownerUrl), { username: "rls_authenticator", password: "unused" }).toString();
const admin = await openNodeDatabase({ databaseUrl: SERVER });
await admin.db.execute(sql.raw(`create database ${name}`));
const children: ChildProcess[] = [];
try {
  const owner = await openNodeDatabase({ databaseUrl: ownerUrl, migrationUrl: ownerUrl });
  await ensureDefaultTier(owner.db);
  // BENCH_NO_RATE_LIMIT=1 drops the rules, to see what the counter costs.
  if (process.env.BENCH_NO_RATE_LIMIT) await owner.db.execute(sql`delete from rate_limits`);
  else await owner.db.execute(sql`update rate_limits set "limit" = 100000000`);
  await owner.close();

  // The app runs as `npm start` runs it: with the node flags of its script in package.json (a larger young
  // generation); the bare handlers with node's defaults, as a hand-written handler would run.
  const { scripts } = JSON.parse(await readFile("package.json", "utf8")) as { scripts: Record<string, string> };
  const startFlags = (scripts.start ?? "").split(/\s+/).filter((arg) => arg.startsWith("--") && arg !== "--import");
  const appPort = 18_000 + Math.floor(Math.random() * 1000);
  const barePort = appPort + 1000;
  const env = { ...testEnv, DATABASE_URL: appUrl };
  // BENCH_PROFILE_DIR: CPU profiles of each server (.cpuprofile, for Chrome DevTools), written when it stops into
  // a folder named after it (app-postgres, app-redis, bare, minimal); the largest is the main thread's.
  const profile = process.env.BENCH_PROFILE_DIR;
  const profiled = (server: string) => (profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}/${server}`] : []);
  const appServer = await start("functions/node.ts", env, appPort, [...startFlags, ...profiled("app-postgres")]);
  children.push(appServer);
  const base = `http://127.0.0.1:${appPort}/api/v1`;
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const register = await fetch(`${base}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "password-123" }),
  });
  const { id: userId } = (await register.json()) as { id: string };
  const login = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "password-123" }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const filler = await openNodeDatabase({ databaseUrl: ownerUrl });
  await filler.db.execute(
    sql`insert into items (owner_id, title) select ${userId}::uuid, 'item ' || g from generate_series(1, 104) g`,
  );
  await filler.close();
  // The same app with its hits counted in Redis (RATE_LIMIT_STORE=redis): no write on the primary per request.
  const redisServer = await start(
    "functions/node.ts",
    { ...env, RATE_LIMIT_STORE: "redis", REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
    appPort + 2000,
    [...startFlags, ...profiled("app-redis")],
  );
  children.push(redisServer);
  const bareEnv = { DATABASE_URL: appUrl, USER_ID: userId };
  const bareServer = await start(
    "bench/lib/bare-server.ts",
    { ...bareEnv, BARE_CONTEXT: "app" },
    barePort,
    profiled("bare"),
  );
  children.push(bareServer);
  const minimalServer = await start(
    "bench/lib/bare-server.ts",
    { ...bareEnv, BARE_CONTEXT: "minimal" },
    barePort + 1,
    profiled("minimal"),
  );
  children.push(minimalServer);

  const rows = [];
  const servers = [
    { key: "app", url: `${base}/items`, process: appServer },
    { key: "app_redis", url: `http://127.0.0.1:${appPort + 2000}/api/v1/items`, process: redisServer },
    { key: "bare", url: `http://127.0.0.1:${barePort}/api/v1/items`, process: bareServer },
    { key: "minimal", url: `http://127.0.0.1:${barePort + 1}/api/v1/items`, process: minimalServer },
  ] as const;
  for (const connections of CONNECTIONS) {
    const runs: Record<(typeof servers)[number]["key"], Run[]> = { app: [], app_redis: [], bare: [], minimal: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another server, so none is always the one measured first (or last).
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(round + i) % servers.length] as (typeof servers)[number];
        runs[server.key].push(await load(server.url, token, connections, server.process, round === 0));
      }
    }
    const redisToMinimal = ratioOf(runs.app_redis, runs.minimal);
    rows.push({
      connections,
      app: summary(runs.app),
      app_redis: summary(runs.app_redis),
      bare: summary(runs.bare),
      minimal: summary(runs.minimal),
      ratio: ratioOf(runs.app, runs.bare).median,
      ratio_to_minimal: ratioOf(runs.app, runs.minimal).median,
      redis_ratio_to_minimal: redisToMinimal.median,
      // The lowest and highest of the rounds' ratios: how far one run alone could have been from the median.
      redis_ratio_to_minimal_range: [redisToMinimal.low, redisToMinimal.high],
    });
  }
  const cpu = (r: { server_cpu_ms: number; postgres_cpu_ms: number }) => `${r.server_cpu_ms} + ${r.postgres_cpu_ms}`;
  console.table(
    rows.map((r) => ({
      connections: r.connections,
      "app req/s (p50 ms)": `${r.app.requests_per_s} (${r.app.p50_ms})`,
      "app, Redis limits": `${r.app_redis.requests_per_s} (${r.app_redis.p50_ms})`,
      "bare req/s (p50 ms)": `${r.bare.requests_per_s} (${r.bare.p50_ms})`,
      "minimal req/s (p50 ms)": `${r.minimal.requests_per_s} (${r.minimal.p50_ms})`,
      ratio: r.ratio,
      "ratio to minimal": r.ratio_to_minimal,
      "Redis app to minimal": `${r.redis_ratio_to_minimal} (${r.redis_ratio_to_minimal_range.join("-")})`,
      "cpu ms/req app": cpu(r.app),
      "app, Redis": cpu(r.app_redis),
      bare: cpu(r.bare),
      minimal: cpu(r.minimal),
    })),
  );
  console.log("cpu ms/req: the server's + Postgres's CPU milliseconds per request");
  await writeResults("node", {
    request: "GET /api/v1/items (20 of 104 rows), node-postgres, pool of 10",
    app: "npm start, hits counted in Postgres (the default); app_redis: the same with RATE_LIMIT_STORE=redis",
    baselines: {
      bare: "the app's statements (its context statement included), awaited one by one, no app code",
      minimal: "begin read only, a set_config context, the page, the count, commit",
    },
    // Each point: ROUNDS runs of duration_s per server; rates and ratios are the rounds' medians.
    rounds: ROUNDS,
    duration_s: DURATION,
    rows,
  });
} finally {
  for (const child of children) child.kill("SIGINT");
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let a profiled app write its profile
  await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
  await admin.close();
}
