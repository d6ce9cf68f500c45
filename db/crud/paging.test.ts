import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../functions/testing/harness";
import { items, users } from "../schema";
import { crud } from "./crud";
import { fieldsOf } from "./fields";
import { PAGING_BOUNDS, parseListQuery } from "./list-query";

// Counting and deep paging on a real database: the count modes around the cap, and cursor paging in every
// direction, each walk visiting every row exactly once.

let t: TestDatabase;
let many: string;
let few: string;
const itemsCrud = crud(items);
const spec = { fields: fieldsOf(items, ["id", "title", "created_at"]), defaultSort: "-created_at" };
const query = (params: Record<string, string>) => parseListQuery(params, spec);
const CAP = PAGING_BOUNDS.countCap;

beforeAll(async () => {
  t = await openTestDatabase();
  [many, few] = (await t.asOwner((tx) =>
    crud(users)
      .createMany(tx, [
        { email: "many@example.com", hashed_password: "x" },
        { email: "few@example.com", hashed_password: "x" },
      ])
      .then((rows) => rows.map((row) => row.id)),
  )) as [string, string];
  // More rows than the cap, a few soft-deleted (never counted), and for `few` 40 rows in groups of equal
  // created_at and equal titles, so paging has ties to break.
  await t.asOwner(async (tx) => {
    await tx.execute(sql`insert into items (owner_id, title, created_at)
      select ${many}::uuid, 'row ' || g, timestamptz '2026-01-01' + g * interval '1 second'
      from generate_series(1, ${CAP + 25}) g`);
    await tx.execute(sql`update items set deleted_at = now() where owner_id = ${many} and title in ('row 1', 'row 2')`);
    await tx.execute(sql`insert into items (owner_id, title, created_at)
      select ${few}::uuid, 'title ' || (g % 3), timestamptz '2026-01-01' + (g / 4) * interval '1 minute'
      from generate_series(1, 40) g`);
  });
});
afterAll(() => t.close());

const list = (userId: string, params: Record<string, string>) =>
  t.asUser(userId, (tx) => itemsCrud.list(tx, query(params)));

describe("counting a list", () => {
  it("counts exactly up to the cap by default, then answers the cap as a lower bound", async () => {
    expect(await list(many, { limit: "1" })).toMatchObject({ total_count: CAP, total_count_kind: "lower_bound" });
    expect(await list(few, { limit: "1" })).toMatchObject({ total_count: 40, total_count_kind: "exact" });
    // A filter that leaves the cap itself is still exact.
    const atCap = await list(many, { limit: "1", created_at__gt: "2026-01-01T00:00:25Z" });
    expect(atCap).toMatchObject({ total_count: CAP, total_count_kind: "exact" });
  });

  it("counts everything with count=exact, leaving soft-deleted rows out", async () => {
    expect(await list(many, { count: "exact" })).toMatchObject({ total_count: CAP + 23, total_count_kind: "exact" });
  });

  it("asks the planner with count=estimated, and skips counting with count=none", async () => {
    const estimated = await list(many, { count: "estimated", limit: "3" });
    expect(estimated).toMatchObject({ total_count_kind: "estimated" });
    expect(estimated.data).toHaveLength(3);
    expect(Number.isInteger((estimated as { total_count: number }).total_count)).toBe(true);
    expect((estimated as { total_count: number }).total_count).toBeGreaterThan(0);
    expect(await list(many, { count: "none", limit: "3" })).toMatchObject({
      total_count: null,
      total_count_kind: "none",
    });
  });

  it("counts only what RLS shows the caller, whatever the mode", async () => {
    for (const count of ["capped", "exact"]) {
      expect(await list(few, { count })).toMatchObject({ total_count: 40 });
    }
  });
});

describe("cursor paging", () => {
  const walk = async (userId: string, params: Record<string, string>) => {
    const seen: string[] = [];
    let cursor = "";
    for (let pages = 0; pages < 100; pages++) {
      const page = await list(userId, { ...params, cursor });
      if (!("next_cursor" in page)) throw new Error("expected a cursor page");
      seen.push(...page.data.map((row) => row.id));
      if (!page.next_cursor) return seen;
      cursor = page.next_cursor;
    }
    throw new Error("the walk did not end");
  };
  const offsetOrder = async (userId: string, sort: string) =>
    (await list(userId, { sort, limit: "100" })).data.map((row) => row.id);

  it.each([
    "-created_at",
    "created_at",
    "title",
    "-title",
    "-created_at,title",
    "title,-created_at",
    "-title,-created_at",
  ])("sort=%s: the cursor walk visits every row once, in the offset order", async (sort) => {
    const seen = await walk(few, { sort, limit: "7" });
    expect(seen).toHaveLength(40);
    expect(seen).toEqual(await offsetOrder(few, sort));
  });

  it("breaks ties by id in the direction of the last sort key", async () => {
    const rows = (await list(few, { sort: "-created_at", offset: "1", limit: "4" })).data;
    // Rows 2-5 share one created_at: ordered by id, descending like the sort.
    expect(new Set(rows.map((row) => row.created_at.toISOString())).size).toBe(1);
    expect(rows.map((row) => row.id)).toEqual(
      rows
        .map((row) => row.id)
        .sort()
        .reverse(),
    );
  });
});
