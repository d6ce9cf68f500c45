import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postsListSpec } from "../functions/posts/schemas";
import { openTestDatabase, type TestDatabase } from "../functions/testing/harness";
import { rowsOf } from "./client";
import { crud, parseListQuery } from "./crud";
import { posts } from "./schema";

// The plans of GET /posts sorted and filtered by title, as a reader (rls_app_user, the request's context set)
// over 20,000 published posts: the sort is read from ix_posts_title_id in order (its collation is the one lists
// sort text in), by offset and by cursor; equality and comparison filters are ranges of ix_posts_title.

type PlanNode = { "Node Type": string; "Index Name"?: string; "Relation Name"?: string; Plans?: PlanNode[] };
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];
const postsCrud = crud(posts);
const reader = "00000000-0000-4000-8000-000000000002";

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
  await t.asOwner(async (tx) => {
    await tx.execute(sql`insert into users (id, email, hashed_password) values
      ('00000000-0000-4000-8000-000000000001', 'author@example.com', '!'), (${reader}, 'reader@example.com', '!')`);
    await tx.execute(sql`insert into posts (owner_id, title, slug, content, is_published, published_at)
      select '00000000-0000-4000-8000-000000000001', 'Post ' || md5(g::text), 'post-' || g, 'x', true, now()
      from generate_series(1, 20000) g`);
    await tx.execute(sql`analyze posts`);
  });
}, 120_000);
afterAll(() => t?.close());

/**
 * The plan Postgres makes for the page with its parameters' values known, as it does for the app: a driver sends
 * each statement unnamed, planned at Bind with the values (a LIKE prefix is only a range once its value is known).
 */
async function plan(params: Record<string, string>) {
  return t.asUser(reader, async (tx) => {
    const [page] = postsCrud.list(tx, parseListQuery({ limit: "20", ...params }, postsListSpec)).queries;
    const query = (page as unknown as { toSQL: () => { sql: string; params: unknown[] } }).toSQL();
    const literal = (value: unknown) => `'${String(value).replaceAll("'", "''")}'`;
    await tx.execute(sql.raw(`prepare title_page as ${query.sql}`));
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    const [row] = rowsOf<Record<string, unknown>>(
      await tx.execute(sql.raw(`explain (format json) execute title_page(${query.params.map(literal).join(", ")})`)),
    );
    await tx.execute(sql`deallocate title_page`);
    if (process.env.DEBUG_PLAN) console.log(JSON.stringify(row, null, 1).slice(0, 3000));
    const document = row?.["QUERY PLAN"];
    const parsed = (typeof document === "string" ? JSON.parse(document) : document) as { Plan: PlanNode }[];
    return nodesOf((parsed[0] as { Plan: PlanNode }).Plan);
  });
}

const describePlan = (nodes: PlanNode[]) => nodes.map((node) => `${node["Node Type"]} ${node["Index Name"] ?? ""}`);

function expectIndex(nodes: PlanNode[], index: string, { sorted }: { sorted: boolean }) {
  // An index scan names its relation and index; a bitmap scan splits them over two nodes.
  const reads = nodes.filter((node) => node["Relation Name"] === "posts" || node["Index Name"]);
  const shown = describePlan(nodes).join(" / ");
  expect(
    reads.map((node) => node["Node Type"]),
    shown,
  ).not.toContain("Seq Scan");
  expect(new Set(reads.flatMap((node) => node["Index Name"] ?? [])), shown).toEqual(new Set([index]));
  if (sorted) expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
}

describe("GET /posts by title", () => {
  it.each([["title"], ["-title"]])("sort=%s reads ix_posts_title_id in order, with no sort step", async (sort) => {
    expectIndex(await plan({ sort }), "ix_posts_title_id", { sorted: true });
    expectIndex(await plan({ sort, cursor: "" }), "ix_posts_title_id", { sorted: true });
  });

  it("a cursor page sorted by title is an index range of ix_posts_title_id", async () => {
    const cursor = await t.asUser(reader, async (tx) => {
      const page = await postsCrud.list(tx, parseListQuery({ sort: "title", cursor: "", limit: "100" }, postsListSpec));
      return (page as { next_cursor: string }).next_cursor;
    });
    expectIndex(await plan({ sort: "title", cursor }), "ix_posts_title_id", { sorted: true });
  });

  it.each([
    ["title", "Post c4ca4238a0b923820dcc509a6f75849b"],
    ["title__in", "Post c4ca4238a0b923820dcc509a6f75849b,Post c81e728d9d4c2f636f067f89cc14862c"],
    ["title__between", "Post c4ca,Post c4cb"],
  ])("%s is a range of ix_posts_title", async (param, value) => {
    expectIndex(await plan({ [param]: value }), "ix_posts_title", { sorted: false });
  });

  it("title__startswith is applied after the policy (LIKE is not leakproof): no index can serve it under RLS", async () => {
    const nodes = await plan({ title__startswith: "Post c4ca" });
    expect(nodes.filter((node) => node["Relation Name"] === "posts").map((node) => node["Index Name"])).not.toContain(
      "ix_posts_title",
    );
  });
});
