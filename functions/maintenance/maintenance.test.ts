import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/client";
import { items } from "../../db/schema";
import { loadConfig } from "../lib/config";
import { openTestDatabase, type TestDatabase, testEnv } from "../testing/harness";
import { pruneAccountTokens } from "./account-tokens";
import { pruneRateLimitCounters } from "./counters";
import { pruneKeyUsage } from "./key-usage";
import { purgeSoftDeleted, softDeleteTables } from "./purge";
import { runMaintenance } from "./run";
import { pruneSessions, pruneSpentRefreshTokens } from "./sessions";

let t: TestDatabase;
let alice: string;
let bob: string;

beforeAll(async () => {
  t = await openTestDatabase();
  [alice, bob] = (await t.asOwner(async (tx) =>
    rowsOf<{ id: string }>(
      await tx.execute(
        sql`insert into users (email, hashed_password) values ('a@example.com', 'x'), ('b@example.com', 'x') returning id`,
      ),
    ).map((row) => row.id),
  )) as [string, string];
});
afterAll(() => t.close());

/** Items of `owner`, soft-deleted `daysAgo` days ago (null: alive). */
const seed = (owner: string, count: number, daysAgo: number | null) =>
  t.asOwner((tx) =>
    tx.execute(sql`
      insert into items (owner_id, title, deleted_at)
      select ${owner}::uuid, 'seeded ' || g,
        ${daysAgo === null ? null : sql`now() - make_interval(days => ${daysAgo})`}
      from generate_series(1, ${count}) g`),
  );

const counts = () =>
  t.asOwner(async (tx) => {
    const [row] = rowsOf<{ alive: number; recent: number; old: number }>(
      await tx.execute(sql`select
        count(*) filter (where deleted_at is null)::int as alive,
        count(*) filter (where deleted_at >= now() - interval '30 days')::int as recent,
        count(*) filter (where deleted_at < now() - interval '30 days')::int as old
      from items`),
    );
    return row;
  });

describe("maintenance purge", () => {
  it("knows every soft-delete table of the schema", () => {
    expect(softDeleteTables).toContain(items);
  });

  it("hard-deletes rows soft-deleted past the retention, of every user, in bounded batches", async () => {
    await t.asOwner((tx) => tx.execute(sql`delete from items`));
    await seed(alice, 7, 45);
    await seed(bob, 5, 31);
    await seed(alice, 3, 10);
    await seed(bob, 4, null);

    const first = await purgeSoftDeleted(t.maintenance, { retentionDays: 30, batchSize: 5, maxBatches: 2 });
    expect(first.find((run) => run.table === "items")).toEqual({
      table: "items",
      deleted: 10,
      batches: 2,
      complete: false,
    });
    expect(await counts()).toEqual({ alive: 4, recent: 3, old: 2 });

    const second = await purgeSoftDeleted(t.maintenance, { retentionDays: 30, batchSize: 5, maxBatches: 2 });
    expect(second.find((run) => run.table === "items")).toEqual({
      table: "items",
      deleted: 2,
      batches: 1,
      complete: true,
    });
    expect(await counts()).toEqual({ alive: 4, recent: 3, old: 0 });

    const again = await purgeSoftDeleted(t.maintenance, { retentionDays: 30, batchSize: 5, maxBatches: 2 });
    expect(again.find((run) => run.table === "items")).toEqual({
      table: "items",
      deleted: 0,
      batches: 1,
      complete: true,
    });
  });

  it("runs with the configured retention as the cron does", async () => {
    await t.asOwner((tx) => tx.execute(sql`delete from items`));
    await seed(alice, 2, 8);
    await seed(alice, 1, 2);
    const config = loadConfig({ ...testEnv, MAINTENANCE_RETENTION_DAYS: "7" });
    const { purged } = await runMaintenance(t.maintenance, config);
    expect(purged.find((run) => run.table === "items")).toEqual({
      table: "items",
      deleted: 2,
      batches: 1,
      complete: true,
    });
    expect(await counts()).toMatchObject({ alive: 0 });
  });

  it("cannot be done by a user: RLS confines a user's hard delete to its own rows", async () => {
    await t.asOwner((tx) => tx.execute(sql`delete from items`));
    await seed(alice, 2, 45);
    const deleted = await t.asUser(bob, (tx) => tx.delete(items).returning());
    expect(deleted).toEqual([]);
    expect(await counts()).toMatchObject({ old: 2 });
  });
});

/** `count` usage records of a key of alice, made `daysAgo` days ago. */
const seedUsage = (count: number, daysAgo: number) =>
  t.asOwner((tx) =>
    tx.execute(sql`
      with k as (
        insert into api_keys (owner_id, name, prefix, key_hash)
        values (${alice}::uuid, 'k', substr(md5(random()::text), 1, 12), 'x') returning id, owner_id)
      insert into key_usage (api_key_id, owner_id, method, path, status, at)
      select k.id, k.owner_id, 'GET', '/api/v1/items', 200, now() - make_interval(days => ${daysAgo})
      from k, generate_series(1, ${count})`),
  );

/** `count` counters of one rule, whose window ended `secondsAgo` seconds ago (negative: still open). */
const seedCounters = (count: number, secondsAgo: number) =>
  t.asOwner((tx) =>
    tx.execute(sql`
      with tier as (
        insert into tiers (name) values ('maintenance ' || gen_random_uuid()) returning id
      ), rule as (
        insert into rate_limits (tier_id, name, path, "limit", period)
        select id, 'all', '/api/v1/*', 10, 60 from tier returning id
      )
      insert into rate_limit_counters (rate_limit_id, subject, window_start, expires_at, count)
      select rule.id, 'user:' || g, now() - make_interval(secs => ${secondsAgo} + 60),
        now() - make_interval(secs => ${secondsAgo}), 1
      from rule, generate_series(1, ${count}) g`),
  );

const countOf = (table: "key_usage" | "rate_limit_counters" | "refresh_tokens" | "account_tokens" | "stripe_events") =>
  t.asOwner(async (tx) => {
    const [row] = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`));
    return row?.n;
  });

describe("maintenance pruning", () => {
  it("prunes key usage older than the retention, in bounded batches, then nothing", async () => {
    await t.asOwner((tx) => tx.execute(sql`delete from api_keys`));
    await seedUsage(7, 100);
    await seedUsage(3, 10);
    const bounds = { retentionDays: 90, batchSize: 3, maxBatches: 2 };
    expect(await pruneKeyUsage(t.maintenance, bounds)).toEqual({
      table: "key_usage",
      deleted: 6,
      batches: 2,
      complete: false,
    });
    expect(await countOf("key_usage")).toBe(4);
    expect(await pruneKeyUsage(t.maintenance, bounds)).toEqual({
      table: "key_usage",
      deleted: 1,
      batches: 1,
      complete: true,
    });
    expect(await pruneKeyUsage(t.maintenance, bounds)).toEqual({
      table: "key_usage",
      deleted: 0,
      batches: 1,
      complete: true,
    });
    expect(await countOf("key_usage")).toBe(3);
  });

  it("prunes rate-limit counters whose window has ended, and keeps the open ones", async () => {
    await t.asOwner((tx) => tx.execute(sql`delete from tiers`));
    await seedCounters(5, 30);
    await seedCounters(2, -30);
    const bounds = { batchSize: 2, maxBatches: 2 };
    expect(await pruneRateLimitCounters(t.maintenance, bounds)).toMatchObject({
      deleted: 4,
      batches: 2,
      complete: false,
    });
    expect(await pruneRateLimitCounters(t.maintenance, bounds)).toMatchObject({
      deleted: 1,
      batches: 1,
      complete: true,
    });
    expect(await countOf("rate_limit_counters")).toBe(2);
  });

  it("runs every job in one run, with the configured retentions, and is idempotent", async () => {
    await t.asOwner(async (tx) => {
      await tx.execute(sql`delete from items`);
      await tx.execute(sql`delete from api_keys`);
      await tx.execute(sql`delete from tiers`);
    });
    await seed(bob, 2, 40);
    await seedUsage(3, 20);
    await seedUsage(1, 5);
    await seedCounters(4, 1);
    // Stripe events: one received 40 days ago (Stripe no longer sends it), one 20 days ago (it still may).
    await t.asOwner((tx) =>
      tx.execute(sql`insert into stripe_events (id, type, stripe_created_at, outcome, received_at) values
        ('evt_old', 'invoice.paid', now() - interval '40 days', 'ignored', now() - interval '40 days'),
        ('evt_recent', 'invoice.paid', now() - interval '20 days', 'ignored', now() - interval '20 days')`),
    );
    const config = loadConfig({ ...testEnv, KEY_USAGE_RETENTION_DAYS: "14" });
    const first = await runMaintenance(t.maintenance, config);
    expect(first.purged.find((run) => run.table === "items")).toMatchObject({ deleted: 2, complete: true });
    expect(first.keyUsagePruned).toEqual({ table: "key_usage", deleted: 3, batches: 1, complete: true });
    expect(first.countersPruned).toEqual({ table: "rate_limit_counters", deleted: 4, batches: 1, complete: true });
    expect(first.stripeEventsPruned).toEqual({ table: "stripe_events", deleted: 1, batches: 1, complete: true });
    expect(await countOf("stripe_events")).toBe(1);
    const again = await runMaintenance(t.maintenance, config);
    const runs = [...again.purged, again.keyUsagePruned, again.countersPruned];
    runs.push(again.sessionsPruned, again.refreshTokensPruned, again.accountTokensPruned, again.stripeEventsPruned);
    expect(runs.map((run) => run.deleted)).toEqual(runs.map(() => 0));
    expect(await countOf("key_usage")).toBe(1);
  });

  // PGlite is one session: a second transaction cannot hold locks while the job runs.
  it.runIf(process.env.TEST_DATABASE_URL)("skips rows another transaction holds, and takes them next run", async () => {
    await t.asOwner((tx) => tx.execute(sql`delete from api_keys`));
    await seedUsage(4, 100);
    const bounds = { retentionDays: 90, batchSize: 10, maxBatches: 5 };
    await t.asOwner(async (tx) => {
      await tx.execute(sql`select id from key_usage order by at limit 1 for update`);
      expect(await pruneKeyUsage(t.maintenance, bounds)).toMatchObject({ deleted: 3, complete: true });
    });
    expect(await pruneKeyUsage(t.maintenance, bounds)).toMatchObject({ deleted: 1, complete: true });
  });

  it("drops sessions ended past the retention with their tokens, and expired spent tokens of live sessions", async () => {
    const session = (revoked: string | null, lastUsed: string) =>
      t.asOwner(async (tx) => {
        const [row] = rowsOf<{ id: string }>(
          await tx.execute(sql`insert into auth_sessions (owner_id, revoked_at, last_used_at)
            values (${alice}::uuid, ${revoked === null ? null : sql`now() - ${revoked}::interval`},
              now() - ${lastUsed}::interval) returning id`),
        );
        // Two tokens each: a spent, expired one and the current one.
        await tx.execute(sql`insert into refresh_tokens (session_id, owner_id, token_hash, expires_at, used_at)
          values (${row?.id}::uuid, ${alice}::uuid, md5(random()::text), now() - interval '1 day', now() - interval '2 days'),
                 (${row?.id}::uuid, ${alice}::uuid, md5(random()::text), now() + interval '1 day', null)`);
        return row?.id;
      });
    const live = await session(null, "1 hour");
    const revokedRecently = await session("1 day", "2 days");
    await session("40 days", "41 days");
    await session(null, "80 days"); // its last token expired 50 days ago (30-day lifetime)
    const bounds = { retentionDays: 30, batchSize: 10, maxBatches: 5 };
    expect(await pruneSessions(t.maintenance, { ...bounds, refreshTtlSeconds: 30 * 86400 })).toMatchObject({
      deleted: 2,
      complete: true,
    });
    const left = await t.asOwner(async (tx) =>
      rowsOf<{ id: string }>(await tx.execute(sql`select id from auth_sessions order by created_at`)).map((r) => r.id),
    );
    expect(left.sort()).toEqual([live, revokedRecently].sort());
    expect(await pruneSpentRefreshTokens(t.maintenance, bounds)).toMatchObject({ deleted: 2, complete: true });
    expect(await countOf("refresh_tokens")).toBe(2);
  });

  it("drops e-mailed one-time tokens a day after they expired, used or not", async () => {
    await t.asOwner((tx) =>
      tx.execute(sql`insert into account_tokens (owner_id, purpose, token_hash, email, expires_at, used_at) values
        (${alice}::uuid, 'reset_password', md5(random()::text), 'a@example.com', now() - interval '2 days', null),
        (${alice}::uuid, 'verify_email', md5(random()::text), 'a@example.com', now() - interval '3 days', now() - interval '3 days'),
        (${alice}::uuid, 'reset_password', md5(random()::text), 'a@example.com', now() - interval '1 hour', null),
        (${alice}::uuid, 'verify_email', md5(random()::text), 'a@example.com', now() + interval '1 day', null)`),
    );
    const bounds = { batchSize: 10, maxBatches: 5 };
    expect(await pruneAccountTokens(t.maintenance, bounds)).toMatchObject({ deleted: 2, complete: true });
    expect(await countOf("account_tokens")).toBe(2);
  });
});
