// `npm run bench:node`: throughput of `npm start` on Postgres (node-postgres) for GET /items (20 of 104 rows),
// against a bare Hono handler running the same statements on the same pool size (bench/lib/bare-server.ts),
// with autocannon at 1, 10 and 50 connections, same run. Each server runs in its own process; rate limiting
// stays on in the app (its limit out of reach). Results in bench/results/node.json.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier } from "../db/seed";
import { testEnv } from "../functions/testing/harness";

const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = [1, 10, 50];

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

async function load(url: string, token: string, connections: number) {
  const headers = { authorization: `Bearer ${token}` };
  await autocannon({ url, connections, duration: 2, headers }); // warm-up
  const result = await autocannon({ url, connections, duration: DURATION, headers });
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
  return { requests_per_s: Math.round(result.requests.average), p50_ms: result.latency.p50 };
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

  const appPort = 18_000 + Math.floor(Math.random() * 1000);
  const barePort = appPort + 1000;
  const env = { ...testEnv, DATABASE_URL: appUrl };
  // BENCH_PROFILE_DIR: a CPU profile of the app (.cpuprofile, for Chrome DevTools) written there when it stops.
  const profile = process.env.BENCH_PROFILE_DIR;
  children.push(
    await start("functions/node.ts", env, appPort, profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
  );
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
  children.push(await start("bench/lib/bare-server.ts", { DATABASE_URL: appUrl, USER_ID: userId }, barePort));

  const rows = [];
  for (const connections of CONNECTIONS) {
    const app = await load(`${base}/items`, token, connections);
    const bare = await load(`http://127.0.0.1:${barePort}/api/v1/items`, token, connections);
    rows.push({ connections, app, bare, ratio: +(app.requests_per_s / bare.requests_per_s).toFixed(2) });
  }
  console.table(
    rows.map((r) => ({
      connections: r.connections,
      "app req/s": r.app.requests_per_s,
      "app p50 ms": r.app.p50_ms,
      "bare req/s": r.bare.requests_per_s,
      "bare p50 ms": r.bare.p50_ms,
      ratio: r.ratio,
    })),
  );
  await mkdir("bench/results", { recursive: true });
  await writeFile(
    "bench/results/node.json",
    `${JSON.stringify(
      {
        benchmark: "node",
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        request: "GET /api/v1/items (20 of 104 rows), node-postgres, pool of 10",
        duration_s: DURATION,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  console.log("wrote bench/results/node.json");
} finally {
  for (const child of children) child.kill("SIGINT");
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let a profiled app write its profile
  await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
  await admin.close();
}
