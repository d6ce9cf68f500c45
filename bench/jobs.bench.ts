// `npm run bench:jobs`: the job queue as npm start runs it (functions/lib/jobs), on the local Postgres and on
// embedded PGlite. Two figures each:
// - drained: 5,000 jobs whose handler does nothing, queued at once, run by one runner (batches of 10, as npm
//   start's): jobs per second from the runner's start to the last one done;
// - commit to start: 200 jobs, each queued by its own request transaction (the context statement and the INSERT,
//   as a request does), one after another with the runner idle between them: the time from the transaction's
//   COMMIT resolving to the handler starting (LISTEN/NOTIFY wakes the runner), median and p99.
// A benchmark, not a test: it prints a table and writes bench/results/jobs.json.
import { sql } from "drizzle-orm";
import { withAdmin } from "../db/admin";
import { openNodeDatabase } from "../db/node";
import { one } from "../db/runner/plan";
import { jobs } from "../db/schema";
import { enqueue } from "../functions/lib/jobs/queue";
import { startJobRunner } from "../functions/lib/jobs/runner";
import { writeResults } from "./lib/results";

const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DRAINED = Number(process.env.BENCH_JOBS ?? 5_000);
const LATENCY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);

process.env.LOG_LEVEL ??= "silent";

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
};
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

type Opened = Awaited<ReturnType<typeof openNodeDatabase>>;

async function measure(opened: Opened) {
  const maintenance = opened.maintenance;
  if (!maintenance) throw new Error("no maintenance database");

  // Drained: every job queued in one statement, then one runner from a standing start.
  await withAdmin(maintenance, (tx) =>
    tx.insert(jobs).values(Array.from({ length: DRAINED }, (_, n) => ({ kind: "bench.noop", payload: { n } }))),
  );
  let done = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const started = performance.now();
  const drainer = startJobRunner({
    db: maintenance,
    handlers: {
      "bench.noop": async () => {
        if (++done === DRAINED) finished();
      },
    },
  });
  await allDone;
  // The last jobs are marked done after their handler returns: wait for the queue to be empty of them.
  for (;;) {
    const [left] = await withAdmin(maintenance, (tx) =>
      tx.select({ n: sql<number>`count(*)::int` }).from(jobs).where(sql`status <> 'done'`),
    );
    if (left?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const drainSeconds = (performance.now() - started) / 1000;
  await drainer.stop();

  // Commit to start: each job queued by a request's own transaction, the runner waiting for news of it.
  const committed = new Map<number, number>();
  const waits: number[] = [];
  let arrived: () => void = () => {};
  const listen = opened.listen;
  const runner = startJobRunner({
    db: maintenance,
    handlers: {
      "bench.latency": async (payload) => {
        const at = committed.get(payload.n as number);
        waits.push(at === undefined ? 0 : Math.max(0, performance.now() - at));
        arrived();
      },
    },
    listen: listen && ((wake) => listen("app_jobs", wake)),
    pollMs: 1_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 500)); // listening
  for (let n = 0; n < LATENCY_SAMPLES; n++) {
    const started = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    await opened.runner.batch({ readOnly: false }, (q) => one(enqueue(q, { kind: "bench.latency", payload: { n } })));
    committed.set(n, performance.now());
    await started;
  }
  await runner.stop();
  return {
    jobs_per_s: Math.round(DRAINED / drainSeconds),
    drain_s: round(drainSeconds, 2),
    commit_to_start_ms: { p50: round(quantile(waits, 0.5)), p99: round(quantile(waits, 0.99)) },
  };
}

const results: Record<string, unknown> = {};

// Embedded PGlite, in memory, as npm start opens it with no DATABASE_URL.
{
  const opened = await openNodeDatabase({});
  try {
    results.pglite = await measure(opened);
  } finally {
    await opened.close();
  }
}

// The local Postgres: a fresh database, the app's login and the maintenance login as npm start uses them.
{
  const name = `bench_jobs_${Date.now()}`;
  const admin = await openNodeDatabase({ databaseUrl: SERVER });
  await admin.db.execute(sql.raw(`create database ${name}`));
  const ownerUrl = Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
  const login = (user: string) => Object.assign(new URL(ownerUrl), { username: user, password: "unused" }).toString();
  const opened = await openNodeDatabase({
    databaseUrl: login("rls_authenticator"),
    migrationUrl: ownerUrl,
    maintenanceUrl: login("rls_maintainer"),
  });
  try {
    await opened.db.execute(sql`select 1`);
    results.postgres = await measure(opened);
  } finally {
    await opened.close();
    await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
    await admin.close();
  }
}

console.table(
  Object.entries(results).map(([database, r]) => {
    const { jobs_per_s, commit_to_start_ms } = r as {
      jobs_per_s: number;
      commit_to_start_ms: { p50: number; p99: number };
    };
    return {
      database,
      "jobs/s": jobs_per_s,
      "commit->start p50 ms": commit_to_start_ms.p50,
      p99: commit_to_start_ms.p99,
    };
  }),
);
await writeResults("jobs", {
  method:
    `drained: ${DRAINED} no-op jobs queued at once, one runner (batches of 10), from its start to the last done; ` +
    `commit to start: ${LATENCY_SAMPLES} jobs each queued by its own request transaction, one after another, the runner woken by LISTEN/NOTIFY`,
  ...results,
});
