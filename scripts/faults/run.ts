// `npm run test:faults`: `npm start` on a real Postgres (node-postgres, through a TCP proxy this script
// controls) under the faults a production database has, then a soak:
//   1. backends terminated while 8 clients write: the process survives, every request is answered (201 or
//      503) within the timeouts, and every 201 is in the database;
//   2. the database refusing connections, then 3. a black hole (accepts, never answers): 503 with Retry-After
//      within the timeouts, and recovery once it is back;
//   4. SOAK_SECONDS (60) at SOAK_CONNECTIONS (100) on GET /items: no error, RSS sampled throughout.
// Postgres from TEST_DATABASE_URL (an owner URL; default the local server). Exits 1 on any failed check.
// Figures in bench/results/faults.json.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../db/client";
import { openNodeDatabase } from "../../db/node";
import { ensureDefaultTier } from "../../db/seed";
import { startFaultProxy } from "./fault-proxy";

const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SOAK_CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 100);
const TIMEOUTS = { connect: 1_000, statement: 2_000 };
/** The longest any request may take while the database misbehaves: the answer timeout and some slack. */
const BOUND_MS = TIMEOUTS.statement + 1_000 + 3_000;

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rssMb = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Math.round(Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024);
};

const name = `rls_faults_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const server = new URL(SERVER);
const ownerUrl = Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
const admin = await openNodeDatabase({ databaseUrl: SERVER });
await admin.db.execute(sql.raw(`create database ${name}`));
const proxy = await startFaultProxy({ host: server.hostname, port: Number(server.port || 5432) });
let app: ChildProcess | undefined;
const results: Record<string, unknown> = {};
try {
  const owner = await openNodeDatabase({ databaseUrl: ownerUrl, migrationUrl: ownerUrl });
  await ensureDefaultTier(owner.db);
  await owner.db.execute(sql`update rate_limits set "limit" = 1000000000`);

  const port = 21_000 + Math.floor(Math.random() * 1000);
  const appUrl = Object.assign(new URL(ownerUrl), {
    username: "rls_authenticator",
    password: "unused",
    host: `127.0.0.1:${proxy.port}`,
  }).toString();
  let appOutput = "";
  app = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: appUrl,
      JWT_SECRET: "a-fault-run-secret-of-at-least-thirty-two-characters",
      DATABASE_CONNECT_TIMEOUT_MS: String(TIMEOUTS.connect),
      DATABASE_STATEMENT_TIMEOUT_MS: String(TIMEOUTS.statement),
      LOG_LEVEL: "error",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  app.stdout?.on("data", (chunk) => (appOutput += chunk));
  app.stderr?.on("data", (chunk) => (appOutput += chunk));
  const base = `http://127.0.0.1:${port}/api/v1`;
  for (let i = 0; i < 300 && !(await fetch(`${base}/health`).catch(() => undefined)); i++) await sleep(100);

  const call = async (path: string, init: RequestInit = {}) => {
    const started = Date.now();
    try {
      const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
      return { status: response.status, ms: Date.now() - started, response };
    } catch {
      return { status: 0, ms: Date.now() - started, response: undefined }; // no answer at all
    }
  };
  const email = `faults-${randomUUID().slice(0, 8)}@example.com`;
  const json = (body: unknown) => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await call("/auth/register", json({ email, password: "a fault run password" }));
  const login = await call("/auth/login", json({ email, password: "a fault run password" }));
  const { access_token: token } = (await (login.response as Response).json()) as { access_token: string };
  const authed = { authorization: `Bearer ${token}`, "content-type": "application/json" };

  // 1. Backends terminated while 8 clients write.
  const answered: { status: number; ms: number; id?: string }[] = [];
  let writing = true;
  const writer = async () => {
    while (writing) {
      const r = await call("/items", { method: "POST", headers: authed, body: JSON.stringify({ title: "fault" }) });
      const id = r.status === 201 ? ((await (r.response as Response).json()) as { id: string }).id : undefined;
      answered.push({ status: r.status, ms: r.ms, id });
    }
  };
  let terminated = 0;
  const terminator = async () => {
    while (writing) {
      await sleep(300);
      const killed = rowsOf<{ n: number }>(
        await admin.db.execute(sql`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where usename = 'rls_authenticator' and datname = ${name}`),
      );
      terminated += killed[0]?.n ?? 0;
    }
  };
  const load = Promise.all([...Array.from({ length: 8 }, writer), terminator()]);
  await sleep(10_000);
  writing = false;
  await load;
  const created = answered.filter((a) => a.status === 201);
  const stored = rowsOf<{ id: string }>(await owner.db.execute(sql`select id from items`)).map((row) => row.id);
  const storedSet = new Set(stored);
  const unanswered = stored.length - created.length;
  results.terminate = {
    requests: answered.length,
    created: created.length,
    service_unavailable: answered.filter((a) => a.status === 503).length,
    backends_terminated: terminated,
    max_ms: Math.max(...answered.map((a) => a.ms)),
    rows_committed_but_answered_503: unanswered,
  };
  console.log("terminate:", results.terminate);
  check(app.exitCode === null, "the process survives backends terminated under load");
  check(terminated > 0, "backends were terminated during the run");
  check(
    answered.every((a) => a.status === 201 || a.status === 503),
    "every write answered 201 or 503 (none hung, none 500)",
  );
  check(
    answered.every((a) => a.ms < BOUND_MS),
    `every write answered within ${BOUND_MS} ms`,
  );
  check(
    created.every((a) => a.id && storedSet.has(a.id)),
    "every 201 is in the database",
  );
  check((await call("/items", { headers: authed })).status === 200, "reads succeed once the terminations stop");

  // 2 and 3. A database that refuses, then one that never answers; each time, recovery.
  for (const mode of ["refuse", "black-hole"] as const) {
    proxy.setMode(mode);
    const health = await call("/health");
    const items = await call("/items", { headers: authed });
    results[mode] = {
      health_status: health.status,
      health_ms: health.ms,
      items_status: items.status,
      items_ms: items.ms,
    };
    console.log(`${mode}:`, results[mode]);
    check(
      health.status === 503 && health.response?.headers.get("retry-after") === "5",
      `${mode}: health answers 503 with Retry-After`,
    );
    check(items.status === 503, `${mode}: GET /items answers 503`);
    check(health.ms < BOUND_MS && items.ms < BOUND_MS, `${mode}: both within ${BOUND_MS} ms`);
    proxy.setMode("pass");
    let recovered = false;
    for (let i = 0; i < 20 && !recovered; i++) {
      recovered = (await call("/items", { headers: authed })).status === 200;
      if (!recovered) await sleep(250);
    }
    check(recovered, `${mode}: serves again once the database is back`);
  }

  // 4. The soak.
  const pid = app.pid as number;
  const rss: number[] = [await rssMb(pid)];
  const sampler = setInterval(async () => rss.push(await rssMb(pid)), 5_000);
  const soak = await autocannon({
    url: `${base}/items`,
    connections: SOAK_CONNECTIONS,
    duration: SOAK_SECONDS,
    headers: { authorization: `Bearer ${token}` },
  });
  clearInterval(sampler);
  rss.push(await rssMb(pid));
  // Flat: after the first samples (warm-up: JIT, pools), memory does not keep climbing.
  const settled = rss[Math.min(2, rss.length - 1)] as number;
  const last = rss.at(-1) as number;
  results.soak = {
    seconds: SOAK_SECONDS,
    connections: SOAK_CONNECTIONS,
    requests: soak.requests.total,
    requests_per_s: Math.round(soak.requests.average),
    p50_ms: soak.latency.p50,
    p99_ms: soak.latency.p99,
    errors: soak.errors,
    timeouts: soak.timeouts,
    non_2xx: soak.non2xx,
    rss_mb: rss,
  };
  console.log("soak:", results.soak);
  check(soak.errors === 0 && soak.timeouts === 0 && soak.non2xx === 0, "soak: no errors, timeouts or non-2xx answers");
  check(last <= settled * 1.3 + 20, `soak: RSS flat after warm-up (${settled} MB -> ${last} MB)`);
  check(app.exitCode === null, "the process is still up after the soak");
  check(!/Unhandled|uncaught/i.test(appOutput), "no unhandled error in the server's output");
  await owner.close();
} finally {
  app?.kill("SIGTERM");
  await proxy.close();
  await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
  await admin.close();
}

await mkdir("bench/results", { recursive: true });
await writeFile(
  "bench/results/faults.json",
  `${JSON.stringify({ benchmark: "faults", date: new Date().toISOString(), timeouts_ms: TIMEOUTS, ...results, failures }, null, 2)}\n`,
);
console.log(failures.length === 0 ? "all fault checks passed" : `${failures.length} fault check(s) failed`);
process.exit(failures.length === 0 ? 0 : 1);
