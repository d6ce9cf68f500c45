import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/client";
import { items } from "../../db/schema";
import { withRls } from "../../db/session";
import { loadConfig } from "../config";
import { openTestDatabase, type TestDatabase, testEnv } from "../testing/harness";
import { purgeSoftDeleted, softDeleteTables } from "./purge";
import { runMaintenance } from "./run";

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

    const first = await purgeSoftDeleted(t.db, { retentionDays: 30, batchSize: 5, maxBatches: 2 });
    expect(first.find((run) => run.table === "items")).toEqual({
      table: "items",
      deleted: 10,
      batches: 2,
      complete: false,
    });
    expect(await counts()).toEqual({ alive: 4, recent: 3, old: 2 });

    const second = await purgeSoftDeleted(t.db, { retentionDays: 30, batchSize: 5, maxBatches: 2 });
    expect(second.find((run) => run.table === "items")).toEqual({
      table: "items",
      deleted: 2,
      batches: 1,
      complete: true,
    });
    expect(await counts()).toEqual({ alive: 4, recent: 3, old: 0 });

    const again = await purgeSoftDeleted(t.db, { retentionDays: 30, batchSize: 5, maxBatches: 2 });
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
    const { purged } = await runMaintenance(t.db, config);
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
    const deleted = await withRls(t.db, bob, (tx) => tx.delete(items).returning());
    expect(deleted).toEqual([]);
    expect(await counts()).toMatchObject({ old: 2 });
  });
});
