// `npm run bench:pbkdf2`: what one password hash (PBKDF2-SHA256 through WebCrypto) costs, in Node and in
// workerd (wrangler dev), at several iteration counts, to choose the count functions/lib/credentials/password.ts
// uses. Node: CPU time of the process per hash (process.cpuUsage). workerd: clocks do not advance inside a
// Worker while it computes, so the cost is measured from outside, as the wall time of a request that derives
// K keys minus one that derives none, divided by K (the local machine is otherwise idle). Medians of ROUNDS.
// A benchmark, not a test: it prints a table and writes bench/results/pbkdf2.json.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import type { Unstable_DevWorker } from "wrangler";
import { derive } from "../functions/lib/credentials/password";

const COUNTS = [25_000, 50_000, 100_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const HASHES = 5;

Object.assign(process.env, {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true",
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (ms: number) => Math.round(ms * 10) / 10;

async function nodeMs(iterations: number) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 0; i < 3; i++) await derive("warm up", salt, iterations);
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < HASHES; i++) await derive("correct horse battery", salt, iterations);
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000 / HASHES);
  }
  return median(samples);
}

async function workerdMs(worker: Unstable_DevWorker, iterations: number) {
  const timed = async (hashes: number) => {
    const started = performance.now();
    const response = await fetch(`http://${worker.address}:${worker.port}/?iterations=${iterations}&hashes=${hashes}`);
    await response.text();
    return performance.now() - started;
  };
  await timed(1);
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) samples.push(((await timed(HASHES)) - (await timed(0))) / HASHES);
  return median(samples);
}

const { unstable_dev } = await import("wrangler");
const worker = await unstable_dev("bench/lib/pbkdf2-worker.ts", {
  ip: "127.0.0.1",
  compatibilityDate: "2025-06-01",
  logLevel: "warn",
  experimental: { disableExperimentalWarning: true, disableDevRegistry: true, watch: false },
});
const rows: { iterations: number; nodeCpuMsPerHash: number; workerdMsPerHash: number }[] = [];
try {
  for (const iterations of COUNTS) {
    rows.push({
      iterations,
      nodeCpuMsPerHash: round(await nodeMs(iterations)),
      workerdMsPerHash: round(await workerdMs(worker, iterations)),
    });
  }
} finally {
  await worker.stop();
}
console.table(rows);
await mkdir("bench/results", { recursive: true });
await writeFile(
  "bench/results/pbkdf2.json",
  `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, rounds: ROUNDS, hashesPerSample: HASHES, rows }, null, 2)}\n`,
);
console.log("written to bench/results/pbkdf2.json");
