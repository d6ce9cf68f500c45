// `npm run bench:gc`: what the young generation's size (node's --max-semi-space-size, which npm start sets) does to
// a loaded server's garbage-collection pauses and memory. For each size, a fresh process serves GET /items in
// process (bench/lib/gc-load.ts, rate limits counted in Postgres) at 10 and 50 requests at a time, with --trace-gc;
// the pauses V8 reports during the measured load are summed and divided by its requests. V8's own pause times
// do not move with the machine's drift as much as CPU time does. Results in bench/results/gc.json.
import { spawn } from "node:child_process";
import { writeResults } from "./lib/results";

/** One load under `flags`: GC pause ms (scavenges, mark-compacts) per request, and the resident memory after. */
async function run(flags: string[], concurrency: number) {
  const child = spawn(process.execPath, [...flags, "--trace-gc", "--import", "tsx", "bench/lib/gc-load.ts"], {
    env: { ...process.env, LOG_LEVEL: "silent", GC_CONCURRENCY: String(concurrency) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`gc-load exited with ${code}`);
  const measured = output.slice(output.indexOf("measure start"));
  const end = measured.match(/measure end (\{.*\})/);
  if (!end) throw new Error("gc-load printed no result");
  const { requests, rss_mb } = JSON.parse(end[1] as string) as { requests: number; rss_mb: number };
  // --trace-gc: "[pid:addr]  1234 ms: Scavenge 12.3 (14.0) -> 4.5 (15.0) MB, 1.23 / 0.00 ms  (...)"
  const pauses = [...measured.matchAll(/: (Scavenge|Mark-Compact)[^,]*, ([\d.]+) \/ [\d.]+ ms/g)];
  const sum = (kind: string) => pauses.filter((p) => p[1] === kind).reduce((ms, p) => ms + Number(p[2]), 0);
  return {
    requests,
    scavenges: pauses.filter((p) => p[1] === "Scavenge").length,
    gc_us_per_request: Math.round(((sum("Scavenge") + sum("Mark-Compact")) * 1000) / requests),
    rss_mb,
  };
}

const sizes = [
  { semi_space_mb: "default", flags: [] },
  { semi_space_mb: "32", flags: ["--max-semi-space-size=32"] },
  { semi_space_mb: "64 (npm start)", flags: ["--max-semi-space-size=64"] },
];
const rows = [];
for (const concurrency of [10, 50]) {
  for (const size of sizes)
    rows.push({ concurrency, semi_space_mb: size.semi_space_mb, ...(await run(size.flags, concurrency)) });
}
console.table(rows);
await writeResults("gc", {
  request: "GET /api/v1/items (20 of 104 rows) through app.fetch, node-postgres (prepared), pool of 10, 6 s",
  unit: "main-thread GC pause microseconds per request (--trace-gc), resident memory after the load",
  rows,
});
