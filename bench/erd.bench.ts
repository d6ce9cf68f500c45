// `npm run bench:erd`: how long the ERD takes on synthetic drizzle-kit snapshots of 50 to 400 tables
// (200 tables = 2,000 columns and 400 foreign keys). A benchmark, not a test: it never fails on time, it
// prints a table and writes bench/results/erd.json so runs can be compared.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { generate } from "../scripts/erd/generate";
import { parseSnapshot } from "../scripts/erd/snapshot";
import { syntheticSnapshot } from "../scripts/erd/synthetic";
import { validateMermaid, validateModel } from "../scripts/erd/validate";

const SIZES = [50, 100, 200, 400];
const RUNS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  await fn(); // warm-up: JIT, and for Mermaid its one-off import
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

// Warm the JIT on a mid-size schema first, so the smallest size is not timed on cold code.
const warm = JSON.stringify(syntheticSnapshot(100));
for (let i = 0; i < 10; i++) generate(parseSnapshot(JSON.parse(warm), "bench"), "bench");

const rows = [];
for (const tables of SIZES) {
  const snapshot = syntheticSnapshot(tables);
  const json = JSON.stringify(snapshot, null, 2);
  // What `npm run erd` does per run after reading the file: parse + check the JSON, build, render.
  const generateMs = await time(() => generate(parseSnapshot(JSON.parse(json), "bench"), "bench"), RUNS);
  const docs = generate(snapshot, "bench");
  // What --validate adds: the model checks and Mermaid's own parser (its import is not counted).
  const validateMs = await time(
    async () => [...validateModel(docs.model), ...(await validateMermaid(docs.model, docs.mermaid))],
    5,
  );
  rows.push({
    tables,
    columns: docs.model.entities.reduce((n, e) => n + e.columns.length, 0),
    foreignKeys: docs.model.relationships.length,
    snapshotBytes: json.length,
    generateMs: Number(generateMs.toFixed(2)),
    validateMs: Number(validateMs.toFixed(2)),
  });
}

const base = rows[0];
console.log("ERD generation, median of runs (ms)");
console.log("tables  columns  FKs   generate  x vs 50   validate(+Mermaid parse)");
for (const row of rows) {
  const growth = base ? (row.generateMs / base.generateMs).toFixed(1) : "-";
  console.log(
    `${String(row.tables).padStart(6)}  ${String(row.columns).padStart(7)}  ${String(row.foreignKeys).padStart(4)}  ${row.generateMs.toFixed(2).padStart(8)}  ${growth.padStart(7)}   ${row.validateMs.toFixed(2).padStart(8)}`,
  );
}

await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(
  new URL("./results/erd.json", import.meta.url),
  `${JSON.stringify({ benchmark: "erd", node: process.version, cpus: cpus().length, runs: RUNS, statistic: "median", rows }, null, 2)}\n`,
);
console.log("written bench/results/erd.json");
