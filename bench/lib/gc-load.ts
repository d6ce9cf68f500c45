// One run of bench/gc.bench.ts, started with the node flags under test and --trace-gc: GET /items through
// app.fetch (bench/lib/in-process.ts), GC_CONCURRENCY at a time for GC_SECONDS, after a warm-up; prints a line
// `measure start` before the measured load and, after it, one JSON line with the requests and the resident memory.
import { inProcessApp } from "./in-process";

const bench = await inProcessApp();
try {
  const app = bench.appWith();
  const concurrency = Number(process.env.GC_CONCURRENCY ?? 50);
  await bench.load(app, concurrency, 2);
  console.log("measure start");
  const { requests } = await bench.load(app, concurrency, Number(process.env.GC_SECONDS ?? 6));
  console.log(`measure end ${JSON.stringify({ requests, rss_mb: Math.round(process.memoryUsage().rss / 1048576) })}`);
} finally {
  await bench.close();
}
