import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../functions/testing/harness";
import type { Tx } from "../client";
import { items, users } from "../schema";
import { crud } from "./crud";
import { fieldsOf } from "./fields";
import { parseListQuery } from "./list-query";

// The generic CRUD layer on a real database (PGlite, or Postgres with TEST_DATABASE_URL), inside transactions
// of a user as requests run them (t.asUser), as the services use it.

let t: TestDatabase;
let alice: string;
let bob: string;
const itemsCrud = crud(items);
const usersCrud = crud(users);
const spec = { fields: fieldsOf(items, ["id", "title", "description", "created_at"]), defaultSort: "-created_at" };
const query = (params: Record<string, string | string[]>) => parseListQuery(params, spec);

const as = <T>(userId: string, fn: (tx: Tx) => Promise<T>) => t.asUser(userId, fn);

beforeAll(async () => {
  t = await openTestDatabase();
  [alice, bob] = (await t.asOwner((tx) =>
    usersCrud
      .createMany(tx, [
        { email: "alice@example.com", hashed_password: "x" },
        { email: "bob@example.com", hashed_password: "x" },
      ])
      .then((rows) => rows.map((row) => row.id)),
  )) as [string, string];
});
afterAll(() => t.close());

describe("crud", () => {
  it("creates one and many, gets, counts and checks existence", async () => {
    await as(alice, async (tx) => {
      const one = await itemsCrud.create(tx, { title: "one" });
      const many = await itemsCrud.createMany(tx, [{ title: "two" }, { title: "three", description: "3" }]);
      expect(many.map((row) => row.title)).toEqual(["two", "three"]);
      expect(await itemsCrud.get(tx, one.id)).toMatchObject({ id: one.id, title: "one", owner_id: alice });
      expect(await itemsCrud.get(tx, one.id, { columns: ["id", "title"] })).toEqual({ id: one.id, title: "one" });
      expect(await itemsCrud.count(tx)).toBe(3);
      expect(await itemsCrud.exists(tx, { where: eq(items.title, "three") })).toBe(true);
      expect(await itemsCrud.exists(tx, { where: eq(items.title, "nope") })).toBe(false);
    });
    expect(await as(bob, (tx) => itemsCrud.count(tx))).toBe(0);
  });

  it("soft-deletes, hides the row from every read, restores it, and hard-deletes on request", async () => {
    await as(alice, async (tx) => {
      const row = await itemsCrud.create(tx, { title: "soft" });
      expect(await itemsCrud.delete(tx, row.id)).toBe(true);
      expect(await itemsCrud.get(tx, row.id)).toBeUndefined();
      expect(await itemsCrud.exists(tx, { where: eq(items.id, row.id) })).toBe(false);
      expect(await itemsCrud.update(tx, row.id, { title: "x" })).toBeUndefined();
      expect(await itemsCrud.delete(tx, row.id)).toBe(false);
      expect((await itemsCrud.get(tx, row.id, { withDeleted: true }))?.deleted_at).toBeInstanceOf(Date);

      expect(await itemsCrud.restore(tx, row.id)).toMatchObject({ id: row.id, deleted_at: null });
      expect(await itemsCrud.get(tx, row.id)).toBeDefined();

      expect(await itemsCrud.hardDelete(tx, row.id)).toBe(true);
      expect(await itemsCrud.get(tx, row.id, { withDeleted: true })).toBeUndefined();
    });
  });

  it("upserts on a unique target", async () => {
    const first = await t.asOwner((tx) =>
      usersCrud.upsert(
        tx,
        { email: "carol@example.com", hashed_password: "a", full_name: "Carol" },
        { target: users.email },
      ),
    );
    const second = await t.asOwner((tx) =>
      usersCrud.upsert(
        tx,
        { email: "carol@example.com", hashed_password: "b", full_name: "Carol B." },
        { target: users.email, set: ["full_name"] },
      ),
    );
    expect(second).toMatchObject({ id: first.id, full_name: "Carol B.", hashed_password: "a" });
    const many = await t.asOwner((tx) =>
      usersCrud.upsertMany(
        tx,
        [
          { email: "carol@example.com", hashed_password: "c", full_name: "C" },
          { email: "dave@example.com", hashed_password: "d" },
        ],
        { target: users.email, set: ["full_name"] },
      ),
    );
    expect(many.map((row) => row.email).sort()).toEqual(["carol@example.com", "dave@example.com"]);
  });

  it("reads a row with its related rows in one query, leaving soft-deleted children out", async () => {
    const joined = await as(alice, async (tx) => {
      const kept = await itemsCrud.create(tx, { title: "kept child" });
      const gone = await itemsCrud.create(tx, { title: "deleted child" });
      await itemsCrud.delete(tx, gone.id);
      const user = await usersCrud.getJoined(tx, alice, { items: { columns: { id: true, title: true } } });
      const everything = await usersCrud.getJoined(tx, alice, { items: true }, { withDeleted: true });
      return { user, everything, kept, gone };
    });
    const titles = ((joined.user?.items ?? []) as { title: string }[]).map((item) => item.title);
    expect(titles).toContain("kept child");
    expect(titles).not.toContain("deleted child");
    expect(((joined.everything?.items ?? []) as { id: string }[]).map((item) => item.id)).toContain(joined.gone.id);
    // RLS applies to joined rows too: bob reading alice's row sees nothing at all.
    expect(await as(bob, (tx) => usersCrud.getJoined(tx, alice, { items: true }))).toBeUndefined();
  });

  it("a transaction that fails on its last step leaves nothing behind", async () => {
    const before = await as(alice, (tx) => itemsCrud.count(tx, { withDeleted: true }));
    const attempt = as(alice, async (tx) => {
      await itemsCrud.create(tx, { title: "step 1" });
      await itemsCrud.createMany(tx, [{ title: "step 2a" }, { title: "step 2b" }]);
      await itemsCrud.create(tx, { title: "   " }); // violates chk_items_title_not_blank
    });
    await expect(attempt).rejects.toThrow();
    expect(await as(alice, (tx) => itemsCrud.count(tx, { withDeleted: true }))).toBe(before);
  });
});

describe("lists", () => {
  beforeAll(async () => {
    await t.asOwner((tx) => tx.execute(sql`delete from items`));
    await as(bob, (tx) =>
      itemsCrud.createMany(
        tx,
        Array.from({ length: 25 }, (_, i) => ({
          title: `post ${String(i).padStart(2, "0")}`,
          description: i % 5 === 0 ? null : `about ${i % 3 === 0 ? "cats" : "dogs"}`,
          // Equal timestamps on purpose: paging must still be a total order (by id after the sort keys).
          created_at: new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 2))),
        })),
      ),
    );
  });

  it("pages by offset with a total count, sorted on several columns", async () => {
    const page = await as(bob, (tx) =>
      itemsCrud.list(tx, query({ sort: "-created_at,title", limit: "5", offset: "5" })),
    );
    expect(page).toMatchObject({ total_count: 25, offset: 5, limit: 5 });
    expect(page.data.map((row) => row.title)).toEqual(["post 18", "post 19", "post 16", "post 17", "post 14"]);
  });

  it("walks every row once by cursor, even when rows are inserted between pages", async () => {
    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    for (;;) {
      const page = await as(bob, (tx) => itemsCrud.list(tx, query({ cursor, limit: "7" })));
      if (!("next_cursor" in page)) throw new Error("expected a cursor page");
      seen.push(...page.data.map((row) => row.title));
      if (pages++ === 0) {
        // newer than everything: sorts before the first page, so must not show up later
        await as(bob, (tx) => itemsCrud.create(tx, { title: "late arrival", created_at: new Date("2030-01-01") }));
      }
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).not.toContain("late arrival");
    expect(pages).toBe(4);
  });

  it("joins each row's related rows into a page, paged, filtered and counted as getMulti does", async () => {
    const options = { offset: 5, limit: 5, sort: query({ sort: "-created_at,title" }).sort };
    const [plain, joined] = await as(bob, async (tx) => [
      await itemsCrud.getMulti(tx, options),
      await itemsCrud.getMultiJoined(tx, { owner: { columns: { id: true, email: true } } }, options),
    ]);
    expect(joined.data.map((row) => row.id)).toEqual(plain.data.map((row) => row.id));
    expect(plain.total_count).toBeGreaterThanOrEqual(25);
    expect([joined.total_count, joined.total_count_kind]).toEqual([plain.total_count, "exact"]);
    expect(joined.data.every((row) => (row.owner as { id: string }).id === bob)).toBe(true);
    expect(joined.data[0]?.owner).toEqual({ id: bob, email: "bob@example.com" });

    // A many relation: soft-deleted children are left out unless asked for; RLS decides whose rows come back.
    const gone = await as(bob, async (tx) => {
      const row = await itemsCrud.create(tx, { title: "gone" });
      await itemsCrud.delete(tx, row.id);
      return row.id;
    });
    const usersPage = (withDeleted: boolean) =>
      as(bob, (tx) =>
        usersCrud.getMultiJoined(tx, { items: { columns: { id: true } } }, { offset: 0, limit: 10, withDeleted }),
      );
    const live = await usersPage(false);
    expect(live.data.map((user) => user.id)).toEqual([bob]);
    const childIds = (page: typeof live) => ((page.data[0]?.items ?? []) as { id: string }[]).map((item) => item.id);
    expect(childIds(live)).toHaveLength(plain.total_count ?? 0);
    expect(childIds(live)).not.toContain(gone);
    expect(childIds(await usersPage(true))).toContain(gone);
    await t.asOwner((tx) => tx.execute(sql`delete from items where id = ${gone}`));
  });

  it("keeps microsecond timestamps exact in the cursor", async () => {
    // Two rows one microsecond apart: a cursor that rounded to milliseconds would skip or repeat one.
    await t.asOwner((tx) =>
      tx.execute(sql`insert into items (owner_id, title, created_at) values
        (${alice}, 'micro a', '2027-05-05 10:00:00.123456+00'), (${alice}, 'micro b', '2027-05-05 10:00:00.123457+00')`),
    );
    const page = (cursor: string) =>
      as(alice, (tx) => itemsCrud.list(tx, query({ title__startswith: "micro", cursor, limit: "1" })));
    const first = (await page("")) as { data: { title: string }[]; next_cursor: string };
    const second = (await page(first.next_cursor)) as { data: { title: string }[]; next_cursor: string | null };
    expect([...first.data, ...second.data].map((row) => row.title)).toEqual(["micro b", "micro a"]);
    expect(second.next_cursor).toBeNull();
  });

  it("filters with every operator family, ORs and NOTs", async () => {
    const count = async (params: Record<string, string | string[]>) =>
      (await as(bob, (tx) => itemsCrud.list(tx, query({ ...params, limit: "100" })))).data.length;
    expect(await count({})).toBe(26);
    expect(await count({ title: "post 03" })).toBe(1);
    expect(await count({ title__ne: "post 03" })).toBe(25);
    expect(await count({ description__is: "null" })).toBe(6);
    expect(await count({ description__is_not: "null" })).toBe(20);
    expect(await count({ description__contains: "cats" })).toBe(7);
    expect(await count({ description__ilike: "%DOGS" })).toBe(13);
    expect(await count({ title__startswith: "post 1" })).toBe(10);
    expect(await count({ title__endswith: "5" })).toBe(2);
    expect(await count({ title__in: "post 01,post 02,nope" })).toBe(2);
    expect(await count({ title__not_in: "post 01,post 02" })).toBe(24);
    expect(await count({ created_at__gte: "2026-01-10" })).toBe(8);
    expect(await count({ created_at__between: "2026-01-01,2026-01-02T00:00:00Z" })).toBe(4);
    expect(await count({ created_at__lt: "2026-01-02" })).toBe(2);
    expect(await count({ title__or: ["eq:post 01", "eq:post 02", "startswith:late"] })).toBe(3);
    expect(await count({ title__not: "startswith:post" })).toBe(1);
    expect(await count({ description__contains: "cats", title__gt: "post 10" })).toBe(4);
  });

  it("treats hostile values as plain data", async () => {
    const hostile = ["'; drop table items; --", "%' or '1'='1", "\\", "_", "%", "\u0000x".slice(1), "post 0%"];
    for (const value of hostile) {
      const found = await as(bob, (tx) => itemsCrud.list(tx, query({ title__contains: value, limit: "100" })));
      expect(found.data.map((row) => row.title).filter((title) => !title.includes(value))).toEqual([]);
      await as(bob, (tx) => itemsCrud.list(tx, query({ title: value })));
    }
    expect(await as(bob, (tx) => itemsCrud.count(tx))).toBe(26);
  });
});
