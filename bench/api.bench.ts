// `npm run bench:api`: the API in-process (Hono app.request, no network), on embedded PGlite and, with
// TEST_DATABASE_URL, on a real Postgres through the neon driver and the relay. Per endpoint: median and p95
// latency of sequential requests, and resident memory. A benchmark, not a test: it never fails on time;
// it prints a table and writes bench/results/api.json so runs can be compared.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { rateLimits, tiers } from "../db/schema";
import { startTestApp, type TestApp } from "../functions/testing/harness";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const ITEMS_PER_USER = 1000;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

async function measure(name: string, run: () => Response | Promise<Response>) {
  for (let i = 0; i < 20; i++) await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    const response = await run();
    await response.arrayBuffer();
    samples.push(performance.now() - start);
    if (response.status >= 400) throw new Error(`${name}: ${response.status}`);
  }
  samples.sort((a, b) => a - b);
  return {
    name,
    requests: REQUESTS,
    median_ms: +quantile(samples, 0.5).toFixed(3),
    p95_ms: +quantile(samples, 0.95).toFixed(3),
  };
}

async function bench(t: TestApp) {
  // A default tier whose rule matches every route, so each request pays for rate limiting as in production.
  await t.asOwner(async (tx) => {
    const [tier] = await tx.insert(tiers).values({ name: "bench", is_default: true }).returning({ id: tiers.id });
    await tx
      .insert(rateLimits)
      .values({ tier_id: tier?.id as string, name: "all", path: "/api/v1/*", limit: 1_000_000, period: 3600 });
  });
  const alice = await t.signUp();
  const bob = await t.signUp();
  // Two owners with many rows each, so the owner index and the RLS predicate matter.
  for (const user of [alice, bob]) {
    await t.asOwner((tx) =>
      tx.execute(
        `insert into items (owner_id, title) select '${user.id}', 'item ' || g from generate_series(1, ${ITEMS_PER_USER}) g`,
      ),
    );
  }
  const [first] = (
    (await (await t.request("/api/v1/items?limit=1", { token: alice.token })).json()) as {
      data: { id: string }[];
    }
  ).data;
  const results = [
    await measure("GET /api/v1/health", () => t.request("/api/v1/health")),
    await measure("GET /api/v1/items?limit=20 (of 1000 own, 2000 total)", () =>
      t.request("/api/v1/items?limit=20", { token: alice.token }),
    ),
    await measure("GET /api/v1/items/{id}", () => t.request(`/api/v1/items/${first?.id}`, { token: alice.token })),
    await measure("POST /api/v1/items", () =>
      t.request("/api/v1/items", { method: "POST", token: alice.token, json: { title: "bench" } }),
    ),
    await measure("GET /api/v1/users/me", () => t.request("/api/v1/users/me", { token: alice.token })),
  ];
  return results;
}

const databases = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
const report: Record<string, unknown> = {
  date_note: "figures from one run on this machine; compare runs on the same machine only",
  cpus: cpus().length,
  node: process.version,
  requests_per_endpoint: REQUESTS,
};
const original = process.env.TEST_DATABASE_URL;
for (const kind of databases) {
  if (kind === "pglite") delete process.env.TEST_DATABASE_URL;
  else process.env.TEST_DATABASE_URL = original;
  const t = await startTestApp();
  const results = await bench(t);
  const rssMiB = +(process.memoryUsage().rss / 1024 / 1024).toFixed(1);
  await t.close();
  report[kind] = { results, rss_mib_after: rssMiB };
  console.log(`\n${kind} (rss ${rssMiB} MiB)`);
  console.table(results);
}
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL("./results/api.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log("written to bench/results/api.json");
