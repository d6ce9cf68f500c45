import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertUser, openTestDatabase, pgCodeOf, type TestDatabase } from "../functions/testing/harness";
import { rowsOf, type Tx } from "./client";
import { openPg } from "./drivers/node-postgres/open";

// The worked example of docs/migrations.md: a NOT NULL column added to a live table without blocking its
// writers. On Postgres a second session writes to the table meanwhile, to show which step would wait for it.

let t: TestDatabase;
let writer: ReturnType<typeof openPg> | undefined;

beforeAll(async () => {
  t = await openTestDatabase();
  if (t.kind === "postgres" && t.appUrl && process.env.TEST_DATABASE_URL) {
    const owner = new URL(process.env.TEST_DATABASE_URL);
    owner.pathname = new URL(t.appUrl).pathname;
    writer = openPg(owner.toString(), { max: 1 });
  }
  const alice = await insertUser(t, "alice@example.com");
  await t.asOwner((tx) =>
    tx.execute(
      sql`insert into items (owner_id, title) select ${alice}::uuid, 'item ' || n from generate_series(1, 45) n`,
    ),
  );
});
afterAll(async () => {
  await writer?.close();
  await t.close();
});

const count = async (query: ReturnType<typeof sql>) =>
  t.asOwner(async (tx) => rowsOf<{ n: number }>(await tx.execute(query))[0]?.n);

/** Runs `step` while another session holds an uncommitted write on items (Postgres only). */
async function besideAWriter<T>(step: () => Promise<T>): Promise<T> {
  if (!writer) return step();
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = () => {};
  const writing = new Promise<void>((resolve) => {
    started = resolve;
  });
  const transaction = writer.db.transaction(async (tx: Tx) => {
    await tx.execute(sql`update items set title = title where title = 'item 1'`);
    started();
    await held;
  });
  await writing;
  try {
    return await step();
  } finally {
    release();
    await transaction;
  }
}

const migration = (statement: ReturnType<typeof sql>) =>
  t.asOwner(async (tx) => {
    await tx.execute(sql`set local lock_timeout = '200ms'`);
    await tx.execute(statement);
  });

describe("expand, backfill, constrain, validate, contract", () => {
  it("1. expand: the column is added nullable; beside a writer it gives up at lock_timeout instead of queueing", async () => {
    const add = sql`alter table items add column priority integer`;
    if (writer) expect(await pgCodeOf(besideAWriter(() => migration(add)))).toBe("55P03");
    await migration(add);
    expect(await count(sql`select count(*)::int as n from items where priority is null`)).toBe(45);
  });

  it("2. backfill in batches: short transactions that skip rows a request holds", async () => {
    let batches = 0;
    for (;;) {
      const updated = await t.asOwner(
        async (tx) =>
          rowsOf(
            await tx.execute(sql`update items set priority = 0 where id in (
            select id from items where priority is null limit 10 for update skip locked) returning 1`),
          ).length,
      );
      if (updated === 0) break;
      batches++;
    }
    expect(batches).toBe(5);
    expect(await count(sql`select count(*)::int as n from items where priority is null`)).toBe(0);
  });

  it("3. constrain NOT VALID: new rows must comply at once, old rows are not scanned", async () => {
    await migration(sql`alter table items add constraint chk_items_priority check (priority is not null) not valid`);
    const missing = t.asOwner((tx) =>
      tx.execute(sql`insert into items (owner_id, title) select owner_id, 'no priority' from items limit 1`),
    );
    expect(await pgCodeOf(missing)).toBe("23514");
  });

  it("4. validate: scans without blocking writers (it proceeds beside one)", async () => {
    await besideAWriter(() => migration(sql`alter table items validate constraint chk_items_priority`));
    expect(
      await count(
        sql`select count(*)::int as n from pg_constraint where conname = 'chk_items_priority' and convalidated`,
      ),
    ).toBe(1);
  });

  it("5. contract: SET NOT NULL uses the validated check (no second scan), then the check goes", async () => {
    await migration(sql`alter table items alter column priority set not null`);
    await migration(sql`alter table items drop constraint chk_items_priority`);
    expect(
      await count(
        sql`select count(*)::int as n from information_schema.columns where table_name = 'items' and column_name = 'priority' and is_nullable = 'NO'`,
      ),
    ).toBe(1);
  });
});
