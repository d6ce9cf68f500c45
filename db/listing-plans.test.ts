import { type SQLWrapper, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itemsListSpec } from "../functions/items/schemas";
import { openTestDatabase, type TestDatabase } from "../functions/testing/harness";
import { rowsOf } from "./client";
import { crud, parseListQuery } from "./crud";
import { items } from "./schema";

// The plans Postgres chooses for the default items list and its count, as rls_app_user with the request's
// context set, on two skewed tables: many owners (one holds 20% of the rows, most a handful) and few owners
// (one holds nearly every row, another a single one). RLS's predicate compares owner_id with a value the
// planner only learns at run time, so it plans for an average owner; these tests hold every owner, heavy or
// light, to the listing index: the page is an index scan in sort order (no sort step), the count and a deep
// cursor page an index range, never a scan of other owners' rows. What makes the planner expect a heavy owner
// is owner_id's declared distinct count (drizzle/0031_owner_planning.sql), which the last test checks is set on
// every user table.

const LISTING_INDEX = "ix_items_owner_id_created_at_id_deleted_at";
const itemsCrud = crud(items);

type PlanNode = { "Node Type": string; "Index Name"?: string; "Relation Name"?: string; Plans?: PlanNode[] };
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];
/** The nodes of an `explain (format json)` answer's row. */
const planOf = (row: Record<string, unknown> | undefined) => {
  const document = row?.["QUERY PLAN"];
  const parsed = (typeof document === "string" ? JSON.parse(document) : document) as { Plan: PlanNode }[];
  return nodesOf((parsed[0] as { Plan: PlanNode }).Plan);
};

async function explain(t: TestDatabase, userId: string, params: Record<string, string>) {
  return t.asUser(userId, async (tx) => {
    const statements = itemsCrud.list(tx, parseListQuery(params, itemsListSpec)).queries;
    const plans: PlanNode[][] = [];
    for (const statement of statements) {
      const [row] = rowsOf<Record<string, unknown>>(
        await tx.execute(sql`explain (format json) ${statement as unknown as SQLWrapper}`),
      );
      plans.push(planOf(row));
    }
    return plans;
  });
}

/**
 * The plans as the Node server gets them: each statement prepared, as npm start sends it (db/crud/prepared.ts,
 * db/drivers/node-postgres/prepared.ts), and run six times first, past the fifth execution after which Postgres
 * may switch to a generic plan, planned without the parameters' values.
 */
async function explainPrepared(t: TestDatabase, userId: string, params: Record<string, string>) {
  return t.asUser(userId, async (tx) => {
    const statements = itemsCrud.list(tx, parseListQuery(params, itemsListSpec)).queries as unknown as {
      toSQL(): { sql: string; params: unknown[] };
    }[];
    const plans: PlanNode[][] = [];
    for (const [i, statement] of statements.entries()) {
      const { sql: text, params: values } = statement.toSQL();
      const name = `listing_plan_${i}`;
      await tx.execute(sql.raw(`prepare ${name} as ${text}`));
      if (!values.every((value) => typeof value === "number")) throw new Error("a parameter that is not a number");
      const call = `execute ${name}${values.length > 0 ? `(${values.join(", ")})` : ""}`;
      for (let run = 0; run < 6; run++) await tx.execute(sql.raw(call));
      const [row] = rowsOf<Record<string, unknown>>(await tx.execute(sql.raw(`explain (format json) ${call}`)));
      await tx.execute(sql.raw(`deallocate ${name}`));
      plans.push(planOf(row));
    }
    return plans;
  });
}

const scansOfItems = (nodes: PlanNode[]) => nodes.filter((node) => node["Relation Name"] === "items");
const describePlan = (nodes: PlanNode[]) => nodes.map((node) => `${node["Node Type"]} ${node["Index Name"] ?? ""}`);

function expectListingIndex(nodes: PlanNode[], { sorted }: { sorted: boolean }) {
  const scans = scansOfItems(nodes);
  expect(scans.length, describePlan(nodes).join(" / ")).toBe(1);
  expect(scans[0]?.["Index Name"], describePlan(nodes).join(" / ")).toBe(LISTING_INDEX);
  if (sorted) expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
  if (sorted) expect(nodes.map((node) => node["Node Type"])).not.toContain("Incremental Sort");
}

const uuidOf = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

/** `owners` users; items per owner as `rowsOf(owner)` says, one second apart; a few soft-deleted. */
async function fill(t: TestDatabase, owners: number, itemsOf: string) {
  await t.asOwner(async (tx) => {
    await tx.execute(sql`insert into users (id, email, hashed_password)
      select ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'u' || g || '@example.com', '!'
      from generate_series(1, ${owners}) g`);
    await tx.execute(
      sql.raw(`insert into items (owner_id, title, created_at)
      select ('00000000-0000-4000-8000-' || lpad(to_hex(o), 12, '0'))::uuid, 'item ' || n,
             timestamptz '2026-01-01' + (o * 100000 + n) * interval '1 second'
      from generate_series(1, ${owners}) o, generate_series(1, ${itemsOf}) n`),
    );
    await tx.execute(sql`update items set deleted_at = now() where title like '%7'`);
    await tx.execute(sql`analyze items`);
  });
}

describe.each([
  // 2,001 owners, 60,000 rows: owner 1 holds 20,000 (a third; twice the count's cap), the others 20 each.
  { skew: "many owners", owners: 2001, itemsOf: "case when o = 1 then 20000 else 20 end", heavy: 1, light: 2001 },
  // 3 owners, 40,002 rows: owner 1 holds 40,000, owner 2 one row, owner 3 one row.
  { skew: "few owners", owners: 3, itemsOf: "case when o = 1 then 40000 else 1 end", heavy: 1, light: 2 },
])("the default items list with $skew", ({ owners, itemsOf, heavy, light }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase();
    await fill(t, owners, itemsOf);
  }, 120_000);
  afterAll(() => t?.close());

  it.each([
    ["the heaviest owner", heavy],
    ["a light owner", light],
  ])("for %s: the page reads the listing index in order, and so does the count, prepared or not", async (_, owner) => {
    for (const explained of [explain, explainPrepared]) {
      const [page, count] = await explained(t, uuidOf(owner as number), {});
      expectListingIndex(page as PlanNode[], { sorted: true });
      expectListingIndex(count as PlanNode[], { sorted: false });
    }
  });

  it.each([
    ["the heaviest owner", heavy],
    ["a light owner", light],
  ])(
    "for %s: page 50 by offset reads the listing index in order, never all the owner's rows and a sort",
    async (_, owner) => {
      const [page] = await explain(t, uuidOf(owner as number), { offset: "980", limit: "20" });
      expectListingIndex(page as PlanNode[], { sorted: true });
    },
  );

  it("for the heaviest owner, a deep cursor page is an index range in order", async () => {
    const cursorOf = await t.asUser(uuidOf(heavy), async (tx) => {
      const page = await itemsCrud.list(tx, parseListQuery({ cursor: "", limit: "100" }, itemsListSpec));
      return (page as { next_cursor: string }).next_cursor;
    });
    const [page] = await explain(t, uuidOf(heavy), { cursor: cursorOf, limit: "20" });
    expectListingIndex(page as PlanNode[], { sorted: true });
  });
});

describe("every user table plans each owner as a heavy one", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase();
  });
  afterAll(() => t?.close());

  it("declares owner_id's distinct values (n_distinct) on each table with a listing index", async () => {
    const rows = await t.asOwner(async (tx) =>
      rowsOf<{ table: string; options: string[] | null }>(
        await tx.execute(sql`select c.relname as "table", a.attoptions as "options"
          from pg_index i join pg_class x on x.oid = i.indexrelid join pg_class c on c.oid = i.indrelid
          join pg_attribute a on a.attrelid = c.oid and a.attname = 'owner_id'
          where x.relname like 'ix\_%\_owner\_id\_created\_at\_id%' order by 1`),
      ),
    );
    expect(rows.map((row) => row.table)).toEqual(expect.arrayContaining(["api_keys", "items", "posts"]));
    for (const row of rows) expect(row.options, row.table).toContain("n_distinct=-0.00005");
  });
});
