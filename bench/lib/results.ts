import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";

/**
 * Writes bench/results/<benchmark>.json: the benchmark's name, when and on what machine it ran (figures compare
 * only between runs on the same machine), then `body`; and says so.
 */
export async function writeResults(benchmark: string, body: Record<string, unknown>) {
  const report = {
    benchmark,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    ...body,
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile(`bench/results/${benchmark}.json`, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote bench/results/${benchmark}.json`);
}
