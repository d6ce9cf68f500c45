// `npm run bench:lists`: how lists scale with the owner's row count. A fresh database on Postgres holds 10,000
// users and 1,000,000 items, skewed as real tenants are: one owner holds 20% of the rows, 100 owners ~7,000
// each, the other 9,899 ten each; created over the past year, about 1% soft-deleted. For the heaviest, a medium
// and a light owner it takes the p50 of the first page, page 50 by offset and by cursor, cursor page 1,000 (the
// heaviest owner only: the others have fewer pages) and a filtered list (the last 30 days), three ways, one
// after another in each round so a noisy machine slows them alike:
// - http: GET /api/v1/items through the app in process (token check, rate limit, one flight to Postgres);
// - rls: the list's statements (page and count) as rls_app_user with the request's context set, as the app
//   runs them; the context statement itself is not timed;
// - plain: the same statements with an explicit `owner_id = $1` and no RLS: as rls_maintenance_admin
//   (BYPASSRLS), through a pool opened as the app's is (same driver options, same size), with the role set in
//   the transaction as the rls way sets its own, so the only difference between the two is the policy.
// Results in bench/results/lists.json; the ratios are what the listing index and the count policy promise.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { eq, sql } from "drizzle-orm";
import { withAdmin } from "../db/admin";
import { rowsOf } from "../db/client";
import { crud, parseListQuery } from "../db/crud";
import { openPg } from "../db/drivers/node-postgres/open";
import { openNodeDatabase } from "../db/node";
import { items } from "../db/schema";
import { ensureDefaultTier } from "../db/seed";
import { createApp } from "../functions/app";
import { itemsListSpec } from "../functions/items/schemas";
import { testEnv } from "../functions/testing/harness";
import { writeResults } from "./lib/results";

const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const itemsCrud = crud(items);

const name = `rls_lists_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const ownerUrl = Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
const appUrl = Object.assign(new URL(ownerUrl), { username: "rls_authenticator", password: "unused" }).toString();
const maintenanceUrl = Object.assign(new URL(ownerUrl), { username: "rls_maintainer", password: "unused" }).toString();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(3);
};
const ratio = (a: number, b: number) => +(a / b).toFixed(2);

type Params = Record<string, string>;
type Owner = { label: string; id: string; token: string; rows: number };

const admin = openPg(SERVER, { max: 1 });
await admin.db.execute(sql.raw(`create database ${name}`));
try {
  const opened = await openNodeDatabase({ databaseUrl: appUrl, migrationUrl: ownerUrl, driver: "pg", maintenanceUrl });
  // The fill runs for minutes: no statement timeout worth the name on this connection.
  const owner = openPg(ownerUrl, { max: 1, timeouts: { connectMs: 5_000, statementMs: 900_000 } });
  await ensureDefaultTier(owner.db);
  await owner.db.execute(sql`update rate_limits set "limit" = 100000000`);
  // The plain way's pool: the same options as the app's request pool (db/node.ts), another login.
  const plainPool = openPg(maintenanceUrl, { pipeline: true });
  const app = createApp({ openDatabase: () => opened.runner });
  const call = (path: string, init: RequestInit = {}) => app.request(`/api/v1${path}`, init, testEnv);

  async function register(label: string): Promise<Owner> {
    const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
    const body = JSON.stringify({ email, password: "password-123" });
    const init = { method: "POST", headers: { "content-type": "application/json" }, body };
    const { id } = (await (await call("/auth/register", init)).json()) as { id: string };
    const { access_token: token } = (await (await call("/auth/login", init)).json()) as { access_token: string };
    return { label, id, token, rows: 0 };
  }
  const heavy = await register("heaviest");
  const medium = await register("medium");
  const light = await register("light");

  // 9,997 more users; owners 1..10,000 in order: the heaviest, 100 medium ones (the registered one first), then
  // 9,899 light ones (the registered one first).
  console.log("filling: 10,000 users, 1,000,000 items ...");
  const started = performance.now();
  await owner.db.execute(sql`insert into users (email, hashed_password)
    select 'filler-' || g || '@example.com', '!' from generate_series(1, 9997) g`);
  await owner.db.execute(sql`
    with ranked as (
      select id, row_number() over (order by case id when ${heavy.id}::uuid then 0 when ${medium.id}::uuid then 1
                                                     when ${light.id}::uuid then 2 else 3 end, id) as n
      from users),
    -- 1: the heaviest; 2 and 4..102: medium; 3 and 103..10,000: light.
    shares as (
      select id, case when n = 1 then 200010 when n = 2 or n between 4 and 102 then 7010 else 10 end as rows
      from ranked)
    insert into items (owner_id, title, description, created_at, deleted_at)
    select s.id, 'item ' || g, case when g % 3 = 0 then 'notes on item ' || g end, t.at,
           case when random() < 0.01 then t.at + interval '1 day' end
    from shares s, generate_series(1, s.rows) g,
         lateral (select now() - random() * interval '365 days' + g * interval '0 seconds' as at) t`);
  await owner.db.execute(sql`vacuum analyze items`);
  await owner.db.execute(sql`vacuum analyze users`);
  const [counts] = rowsOf<{ items: number; users: number; heavy: number; medium: number; light: number }>(
    await owner.db.execute(sql`select count(*)::int as items, (select count(*)::int from users) as users,
      count(*) filter (where owner_id = ${heavy.id}::uuid)::int as heavy,
      count(*) filter (where owner_id = ${medium.id}::uuid)::int as medium,
      count(*) filter (where owner_id = ${light.id}::uuid)::int as light from items`),
  );
  if (!counts) throw new Error("the fill counted nothing");
  heavy.rows = counts.heavy;
  medium.rows = counts.medium;
  light.rows = counts.light;
  const fillSeconds = +((performance.now() - started) / 1000).toFixed(1);
  console.log(`filled in ${fillSeconds} s: ${counts.users} users, ${counts.items} items`);

  // The cursor of page `n` (20 rows a page) for an owner, walked page by page as a client would.
  async function cursorOfPage(who: Owner, n: number) {
    let cursor = "";
    for (let page = 1; page < n; page++) {
      const response = await call(`/items?cursor=${cursor}&limit=20`, { headers: auth(who) });
      const body = (await response.json()) as { next_cursor: string | null };
      if (!body.next_cursor) return undefined;
      cursor = body.next_cursor;
    }
    return cursor;
  }
  const auth = (who: Owner) => ({ authorization: `Bearer ${who.token}` });
  const thirtyDaysAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();

  type Case = { list: string; who: Owner; params: Params };
  const cases: Case[] = [];
  for (const who of [heavy, medium, light]) {
    cases.push({ list: "first page", who, params: {} });
    cases.push({ list: "page 50 by offset", who, params: { offset: "980", limit: "20" } });
    const page50 = await cursorOfPage(who, 50);
    if (page50) cases.push({ list: "page 50 by cursor", who, params: { cursor: page50, limit: "20" } });
    if (who === heavy) {
      cases.push({ list: "page 1 by cursor", who, params: { cursor: "", limit: "20" } });
      const page1000 = await cursorOfPage(who, 1000);
      if (!page1000) throw new Error("the heaviest owner has fewer than 1,000 pages");
      cases.push({ list: "page 1000 by cursor", who, params: { cursor: page1000, limit: "20" } });
    }
    cases.push({ list: "last 30 days", who, params: { created_at__gte: thirtyDaysAgo } });
  }

  const timings = cases.map(() => ({ http: [] as number[], rls: [] as number[], plain: [] as number[] }));
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  // As a GET of the owner runs (read-only, after the request's context statement); registered just now, the
  // owner's token version is 0.
  const byRls = async (c: Case) =>
    (
      await opened.runner.transaction(
        { credentials: { via: "token", userId: c.who.id, tokenVersion: 0 }, readOnly: true },
        (tx) => time(() => itemsCrud.list(tx, parseListQuery(c.params, itemsListSpec))),
      )
    ).value();
  const byPlain = (c: Case) =>
    withAdmin(plainPool.db, (tx) =>
      time(() => itemsCrud.list(tx, parseListQuery(c.params, itemsListSpec), { where: eq(items.owner_id, c.who.id) })),
    );
  const byHttp = async (c: Case) => {
    const query = new URLSearchParams(c.params).toString();
    const t0 = performance.now();
    const response = await call(`/items?${query}`, { headers: auth(c.who) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${c.list}: ${response.status}`);
    return performance.now() - t0;
  };
  // Every case once before timing: plans cached, pages in shared buffers.
  for (const c of cases) await Promise.all([byHttp(c), byRls(c), byPlain(c)].map((p) => p.catch((e) => e)));
  console.log(`timing ${cases.length} cases x 3 ways, ${ROUNDS} rounds ...`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of cases.entries()) {
      const slot = timings[i];
      if (!slot) continue;
      // The order of the three ways turns each round, so none always runs on the warmest connection.
      const ways = [
        async () => slot.http.push(await byHttp(c)),
        async () => slot.rls.push(await byRls(c)),
        async () => slot.plain.push(await byPlain(c)),
      ];
      for (let k = 0; k < 3; k++) await ways[(round + k) % 3]?.();
    }
  }

  const rows = cases.map((c, i) => {
    const slot = timings[i] ?? { http: [], rls: [], plain: [] };
    const [http, rls, plain] = [median(slot.http), median(slot.rls), median(slot.plain)];
    return {
      owner: c.who.label,
      owner_rows: c.who.rows,
      list: c.list,
      http_p50_ms: http,
      rls_p50_ms: rls,
      plain_p50_ms: plain,
      rls_to_plain: ratio(rls, plain),
    };
  });
  const p50 = (label: string, list: string, way: "http_p50_ms" | "rls_p50_ms") =>
    rows.find((row) => row.owner === label && row.list === list)?.[way] ?? Number.NaN;
  const checks = {
    heaviest_to_light_first_page_http: ratio(
      p50("heaviest", "first page", "http_p50_ms"),
      p50("light", "first page", "http_p50_ms"),
    ),
    heaviest_to_light_first_page_rls: ratio(
      p50("heaviest", "first page", "rls_p50_ms"),
      p50("light", "first page", "rls_p50_ms"),
    ),
    worst_rls_to_plain: Math.max(...rows.map((row) => row.rls_to_plain)),
    cursor_page_1000_to_page_1_rls: ratio(
      p50("heaviest", "page 1000 by cursor", "rls_p50_ms"),
      p50("heaviest", "page 1 by cursor", "rls_p50_ms"),
    ),
    cursor_page_1000_to_page_1_http: ratio(
      p50("heaviest", "page 1000 by cursor", "http_p50_ms"),
      p50("heaviest", "page 1 by cursor", "http_p50_ms"),
    ),
  };
  console.table(rows);
  console.table(checks);
  await writeResults("lists", {
    data: { users: counts.users, items: counts.items, fill_seconds: fillSeconds },
    ways: {
      http: "GET /api/v1/items in process: token, rate limit, one flight (node-postgres, pipelined)",
      rls: "the list's statements as rls_app_user with the request's context (context statement not timed)",
      plain:
        "the same statements with owner_id = $1 and no RLS, as rls_maintenance_admin through a pool like the app's",
    },
    rounds: ROUNDS,
    rows,
    checks,
  });
  await plainPool.close();
  await owner.close();
  await opened.close();
} finally {
  // BENCH_KEEP_DATABASE=1 keeps the filled database, to EXPLAIN its lists by hand.
  if (process.env.BENCH_KEEP_DATABASE) console.log(`kept database ${name}`);
  else await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
  await admin.close();
}
