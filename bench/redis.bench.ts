// `npm run bench:redis`: what coalescing the rate-limit hits sent to Redis saves (functions/lib/rate-limits/
// coalesce.ts). Two copies of the app in one process, on the same Postgres pool (the local server, pipelined and
// prepared as npm start runs it), differing only in their Redis store: hits coalesced (the default), or each sent
// on its own. Each serves GET /items (20 of 104 rows) through app.fetch, with 1 and 10 requests at a time, for
// BENCH_SECONDS (2) per round; the two alternate, BENCH_ROUNDS (10) rounds each, starting with the other one
// every round. Measured: the process's CPU per request. On a shared 2-core machine whose speed drifts by a third
// within minutes, comparing two copies in one process round by round is what makes a difference of some tens of
// µs visible; the figure is the median of the rounds, and how many paired rounds favoured coalescing.
// Results in bench/results/redis.json. Needs the local Postgres and Redis (REDIS_URL or 127.0.0.1:6379).
import { redisStore } from "../functions/lib/rate-limits/redis";
import { storeLimiter } from "../functions/lib/rate-limits/store-limiter";
import { inProcessApp } from "./lib/in-process";
import { writeResults } from "./lib/results";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

const stores = { coalesced: redisStore(REDIS_URL), unbatched: redisStore(REDIS_URL, { coalesce: false }) };
const bench = await inProcessApp({ RATE_LIMIT_STORE: "redis", REDIS_URL });
try {
  const limiter = (store: ReturnType<typeof redisStore>) => storeLimiter(store, { rulesTtlMs: 60_000 });
  const apps = {
    coalesced: bench.appWith(limiter(stores.coalesced)),
    unbatched: bench.appWith(limiter(stores.unbatched)),
  };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const rows = [];
  for (const concurrency of [1, 10]) {
    await bench.load(apps.coalesced, concurrency, 1); // warm both
    await bench.load(apps.unbatched, concurrency, 1);
    const runs = { coalesced: [] as number[], unbatched: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 ? (["unbatched", "coalesced"] as const) : (["coalesced", "unbatched"] as const);
      for (const key of order) runs[key].push((await bench.load(apps[key], concurrency, SECONDS)).cpuUsPerRequest);
    }
    rows.push({
      concurrency,
      coalesced_cpu_us: Math.round(median(runs.coalesced)),
      unbatched_cpu_us: Math.round(median(runs.unbatched)),
      rounds_coalescing_cheaper: runs.coalesced.filter((us, i) => us < (runs.unbatched[i] as number)).length,
    });
  }
  console.table(rows);
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
  await bench.close();
}
