import { inArray, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { items, posts } from "../db/schema";
import { startTestApp, type TestApp } from "./testing/harness";

// Isolation as a property: random sequences of requests by three users and one user's API key over the
// user-owned endpoints. A model says who owns what; no answer may show a row its caller may not see (another
// user's item or key, another user's unpublished post), and no write may land on one: refused as 404, and the
// database (read as the owner) ends exactly as the model says. ISOLATION_RUNS sets the number of sequences.

const RUNS = Number(process.env.ISOLATION_RUNS ?? 12);

type Caller = "alice" | "bob" | "carol" | "alice's key";
const CALLERS: Caller[] = ["alice", "bob", "carol", "alice's key"];
type Actor = { id: string; headers: Record<string, string> };

let t: TestApp;
let aliceKeyId: string;
const actors = {} as Record<Caller, Actor>;
const ownerOf = (caller: Caller) => (caller === "alice's key" ? actors.alice.id : actors[caller].id);

type ItemModel = { owner: string; title: string };
type PostModel = { owner: string; title: string; published: boolean };

beforeAll(async () => {
  t = await startTestApp();
  for (const name of ["alice", "bob", "carol"] as const) {
    const user = await t.signUp();
    actors[name] = { id: user.id, headers: { authorization: `Bearer ${user.token}` } };
  }
  const created = await t.request("/api/v1/api-keys", {
    method: "POST",
    headers: actors.alice.headers,
    json: { name: "k", permissions: ["items:read", "items:write", "posts:read", "posts:write", "users:read"] },
  });
  const { key, id } = (await created.json()) as { key: string; id: string };
  aliceKeyId = id;
  actors["alice's key"] = { id: actors.alice.id, headers: { "x-api-key": key } };
  await t.asOwner((tx) => tx.execute(sql`update rate_limits set "limit" = 1000000000`));
});
afterAll(() => t.close());

const op = fc.record({
  who: fc.constantFrom(...CALLERS),
  action: fc.constantFrom(
    "create item",
    "get item",
    "list items",
    "patch item",
    "delete item",
    "create post",
    "get post",
    "list posts",
    "patch post",
    "list keys",
    "me",
  ),
  pick: fc.nat(),
  published: fc.boolean(),
  title: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0 && !s.includes("\u0000")),
});

describe("isolation, as a property of any sequence of requests", () => {
  it("never shows or changes a row its caller may not see", { timeout: 300_000 }, async () => {
    const allItems = new Map<string, ItemModel>();
    const allPosts = new Map<string, PostModel>();
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 20 }), async (ops) => {
        for (const { who, action, pick, published, title } of ops) {
          const me = ownerOf(who);
          const call = (path: string, init: { method?: string; json?: unknown } = {}) =>
            t.request(`/api/v1${path}`, { ...init, headers: actors[who].headers });
          const itemIds = [...allItems.keys()];
          const postIds = [...allPosts.keys()];
          const itemId = itemIds[pick % Math.max(1, itemIds.length)];
          const postId = postIds[pick % Math.max(1, postIds.length)];
          const what = `${who} ${action}`;

          if (action === "create item") {
            const response = await call("/items", { method: "POST", json: { title } });
            expect(response.status, what).toBe(201);
            const row = (await response.json()) as { id: string; owner_id: string; title: string };
            expect(row.owner_id, what).toBe(me);
            allItems.set(row.id, { owner: me, title: row.title });
          } else if (action === "create post") {
            const json = { title, content: "text", slug: `s-${++counter}-${Date.now()}`, is_published: published };
            const response = await call("/posts", { method: "POST", json });
            expect(response.status, what).toBe(201);
            const row = (await response.json()) as { id: string; title: string };
            allPosts.set(row.id, { owner: me, title: row.title, published });
          } else if (action === "get item" && itemId) {
            const response = await call(`/items/${itemId}`);
            const mine = allItems.get(itemId)?.owner === me;
            expect(response.status, what).toBe(mine ? 200 : 404);
          } else if (action === "list items") {
            const page = (await (await call("/items?limit=100")).json()) as {
              data: { id: string; owner_id: string }[];
            };
            for (const row of page.data) expect(row.owner_id, what).toBe(me);
            const expected = new Set([...allItems].filter(([, item]) => item.owner === me).map(([id]) => id));
            for (const row of page.data) expect(expected.has(row.id), what).toBe(true);
            expect(page.data.length, what).toBe(Math.min(expected.size, 100));
          } else if (action === "patch item" && itemId) {
            const response = await call(`/items/${itemId}`, { method: "PATCH", json: { title } });
            const item = allItems.get(itemId) as ItemModel;
            expect(response.status, what).toBe(item.owner === me ? 200 : 404);
            if (item.owner === me) item.title = ((await response.json()) as { title: string }).title;
          } else if (action === "delete item" && itemId) {
            const response = await call(`/items/${itemId}`, { method: "DELETE" });
            const mine = allItems.get(itemId)?.owner === me;
            expect(response.status, what).toBe(mine ? 204 : 404);
            if (mine) allItems.delete(itemId);
          } else if (action === "get post" && postId) {
            const post = allPosts.get(postId) as PostModel;
            const response = await call(`/posts/${postId}`);
            expect(response.status, what).toBe(post.owner === me || post.published ? 200 : 404);
          } else if (action === "list posts") {
            const page = (await (await call("/posts?limit=100")).json()) as { data: { id: string }[] };
            for (const row of page.data) {
              const post = allPosts.get(row.id);
              if (post) expect(post.owner === me || post.published, `${what}: ${row.id}`).toBe(true);
            }
          } else if (action === "patch post" && postId) {
            const post = allPosts.get(postId) as PostModel;
            const response = await call(`/posts/${postId}`, { method: "PATCH", json: { title } });
            // A published post is readable by all, writable by its author only.
            expect(response.status, what).toBe(post.owner === me ? 200 : 404);
            if (post.owner === me) post.title = ((await response.json()) as { title: string }).title;
          } else if (action === "list keys") {
            const response = await call("/api-keys");
            if (who === "alice's key") expect(response.status, what).toBe(403);
            else {
              // Alice has one key; Bob and Carol none: nobody lists a key that is not theirs.
              const page = (await response.json()) as { data: { id: string }[] };
              expect(
                page.data.map((row) => row.id),
                what,
              ).toEqual(who === "alice" ? [aliceKeyId] : []);
            }
          } else if (action === "me") {
            const body = (await (await call("/users/me")).json()) as { id: string };
            expect(body.id, what).toBe(me);
          }
        }
        // The database, read past RLS, is exactly what the model says: no write landed on another's row.
        const itemRows = allItems.size
          ? await t.asOwner((tx) =>
              tx
                .select()
                .from(items)
                .where(inArray(items.id, [...allItems.keys()])),
            )
          : [];
        for (const row of itemRows) {
          expect({ owner: row.owner_id, title: row.title }).toEqual(allItems.get(row.id));
          expect(row.deleted_at).toBeNull();
        }
        expect(itemRows).toHaveLength(allItems.size);
        const postRows = allPosts.size
          ? await t.asOwner((tx) =>
              tx
                .select()
                .from(posts)
                .where(inArray(posts.id, [...allPosts.keys()])),
            )
          : [];
        for (const row of postRows) expect(row.title).toBe(allPosts.get(row.id)?.title);
      }),
      { numRuns: RUNS },
    );
  });
});
