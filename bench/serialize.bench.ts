// `npm run bench:serialize`: what a page of 20 items costs to turn into its JSON body, in CPU microseconds per
// page: the rows as Drizzle returns them (Date timestamps) given to JSON.stringify, against the same rows through
// exposing() (functions/lib/expose.ts), which writes the Dates as ISO 8601 strings first. A Date anywhere in a
// body sends JSON.stringify down its slow path for the whole body. Medians of ROUNDS, each of PAGES pages; the
// JSON must come out the same both ways. A benchmark, not a test: it prints a table and writes
// bench/results/serialize.json.
import { randomUUID } from "node:crypto";
import { ItemSchema } from "../functions/items/schemas";
import { exposing } from "../functions/lib/expose";
import { writeResults } from "./lib/results";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const PAGES = 20_000;

const owner = randomUUID();
const rows = Array.from({ length: 20 }, (_, i) => ({
  id: randomUUID(),
  owner_id: owner,
  title: `item ${i}`,
  description: i % 2 ? null : `the description of item ${i}`,
  created_at: new Date(Date.UTC(2026, 11, 6, 12, 0, i, 123)),
  updated_at: new Date(Date.UTC(2026, 11, 6, 13, 0, i, 456)),
  deleted_at: null,
}));
const show = exposing(ItemSchema);
const page = (data: unknown[]) => ({ data, total_count: 104, total_count_kind: "exact", offset: 0, limit: 20 });

const ways = {
  // What c.json sent before: rows picked to the schema's fields, their Dates left for JSON.stringify.
  dates: () => JSON.stringify(page(rows.map(({ deleted_at: _, ...row }) => row))),
  // What it sends now: exposing() picks the fields and writes the Dates as strings.
  exposed: () => JSON.stringify(page(rows.map(show))),
};
if (ways.dates() !== ways.exposed()) throw new Error("the two ways give different JSON");

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
function microsPerPage(make: () => string) {
  for (let i = 0; i < 2_000; i++) make();
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < PAGES; i++) make();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / PAGES);
  }
  return Math.round(median(samples) * 10) / 10;
}

// Interleaved, so that neither is always measured on a warmer or quieter machine.
const results = { dates: [] as number[], exposed: [] as number[] };
for (let r = 0; r < 3; r++) {
  results.dates.push(microsPerPage(ways.dates));
  results.exposed.push(microsPerPage(ways.exposed));
}
const row = { dates_us: median(results.dates), exposed_us: median(results.exposed) };
console.table([row]);
await writeResults("serialize", {
  page: "20 items, 2 timestamps each, as GET /items answers them",
  unit: "CPU microseconds per page, the median of 3 interleaved series of medians",
  ...row,
});
