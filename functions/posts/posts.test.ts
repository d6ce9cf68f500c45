import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/client";
import { ok, queryOf, readError, startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
/** Every statement the app sends, as LOG_SQL would log it: the expand tests count them. */
const statements: string[] = [];
type User = Awaited<ReturnType<TestApp["signUp"]>>;
let admin: User;
let news: { id: string; name: string; slug: string };
let hidden: { id: string };
beforeAll(async () => {
  t = await startTestApp({}, { sqlLog: ({ sql }) => void statements.push(sql) });
  admin = await t.signUp({ superuser: true });
  const category = async (json: { name: string; slug: string; is_active?: boolean }) =>
    ok(await t.api(admin.token).categories.$post({ json }), 201);
  news = await category({ name: "News", slug: "news" });
  hidden = await category({ name: "Hidden", slug: "hidden", is_active: false });
});
afterAll(() => t.close());

type PostInput = {
  title?: string;
  slug?: string;
  content?: string;
  excerpt?: string | null;
  is_published?: boolean;
  published_at?: string | null;
  category_id?: string | null;
  is_featured?: boolean;
};

let counter = 0;
const createPost = async (token: string, json: PostInput = {}) => {
  const n = ++counter;
  const created = await t.api(token).posts.$post({
    json: { title: `Post ${n}`, slug: `post-${n}`, content: "Body", ...json },
  });
  return ok(created, 201);
};
/** A page of posts as `token` sees it; `query` as a browser writes it (`?is_published=true`). */
const listPosts = async (token: string, query = "") =>
  ok(await t.api(token).posts.$get({ query: queryOf(query) }), 200);

describe("posts CRUD", () => {
  it("creates, reads (with author and category), updates, deletes and restores a post", async () => {
    const alice = await t.signUp();
    const post = await createPost(alice.token, {
      title: "Hello",
      slug: "hello",
      excerpt: "Hi",
      category_id: news.id,
    });
    expect(Object.keys(post).sort()).toEqual([
      "category_id",
      "content",
      "created_at",
      "excerpt",
      "id",
      "is_featured",
      "is_published",
      "owner_id",
      "published_at",
      "slug",
      "title",
      "updated_at",
    ]);
    expect(post).toMatchObject({ owner_id: alice.id, is_published: false, published_at: null, category_id: news.id });

    const read = await t.request(`/api/v1/posts/${post.id}`, { token: alice.token });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({
      ...post,
      author: { id: alice.id, full_name: null },
      category: { id: news.id, name: "News", slug: "news" },
    });

    const one = t.api(alice.token).posts[":id"];
    const published = await ok(
      await one.$patch({ param: { id: post.id }, json: { title: "Hello again", is_published: true } }),
      200,
    );
    expect(published).toMatchObject({ id: post.id, title: "Hello again", is_published: true });
    expect(published.published_at).not.toBeNull();

    // Unpublishing and publishing again keeps the first publication date.
    for (const is_published of [false, true]) {
      const again = await ok(await one.$patch({ param: { id: post.id }, json: { is_published } }), 200);
      expect(again.published_at).toBe(published.published_at);
    }

    expect((await t.request(`/api/v1/posts/${post.id}`, { method: "DELETE", token: alice.token })).status).toBe(204);
    expect((await t.request(`/api/v1/posts/${post.id}`, { token: alice.token })).status).toBe(404);
    expect((await t.request(`/api/v1/posts/${post.id}`, { method: "DELETE", token: alice.token })).status).toBe(404);
    const patchDeleted = await t.request(`/api/v1/posts/${post.id}`, {
      method: "PATCH",
      token: alice.token,
      json: { title: "x" },
    });
    expect(patchDeleted.status).toBe(404);
    expect((await listPosts(alice.token)).total_count).toBe(0);
    const [row] = await t.asOwner(async (tx) =>
      rowsOf<{ deleted_at: unknown }>(await tx.execute(sql`select deleted_at from posts where id = ${post.id}`)),
    );
    expect(row?.deleted_at).not.toBeNull();

    const restored = await t.request(`/api/v1/posts/${post.id}/restore`, { method: "POST", token: alice.token });
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ id: post.id, title: "Hello again", is_published: true });
    expect((await t.request(`/api/v1/posts/${post.id}`, { token: alice.token })).status).toBe(200);
    // Restoring a post that is not deleted finds nothing to restore.
    expect((await t.request(`/api/v1/posts/${post.id}/restore`, { method: "POST", token: alice.token })).status).toBe(
      404,
    );
  });

  it("sets published_at when a post is created published without one, and keeps a given one", async () => {
    const alice = await t.signUp();
    const before = Date.now();
    const now = await createPost(alice.token, { is_published: true });
    expect(new Date(now.published_at ?? 0).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const given = await createPost(alice.token, { is_published: true, published_at: "2026-01-02T03:04:05.000Z" });
    expect(given.published_at).toBe("2026-01-02T03:04:05.000Z");
  });

  it("answers 422 naming published_at when a published post would lose its date (chk_posts_published_at)", async () => {
    const alice = await t.signUp();
    const post = await createPost(alice.token, { is_published: true });
    const response = await t.request(`/api/v1/posts/${post.id}`, {
      method: "PATCH",
      token: alice.token,
      json: { published_at: null },
    });
    expect(response.status).toBe(422);
    expect((await readError(response)).error.details?.[0]?.field).toBe("published_at");
  });

  it("answers 422 naming published_at for a post published in the future, and lets a draft carry such a time", async () => {
    const alice = await t.signUp();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const refused = await t.request("/api/v1/posts", {
      method: "POST",
      token: alice.token,
      json: { title: "Soon", slug: "soon", content: "x", is_published: true, published_at: future },
    });
    expect(refused.status).toBe(422);
    expect((await readError(refused)).error.details?.[0]?.field).toBe("published_at");
    const draft = await createPost(alice.token, { published_at: future });
    const publish = await t.request(`/api/v1/posts/${draft.id}`, {
      method: "PATCH",
      token: alice.token,
      json: { is_published: true },
    });
    expect(publish.status).toBe(422);
    expect((await readError(publish)).error.details?.[0]?.field).toBe("published_at");
  });

  it("answers 409 naming slug for a taken slug, even one of another user's draft", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const taken = await createPost(alice.token);
    const response = await t.request("/api/v1/posts", {
      method: "POST",
      token: bob.token,
      json: { title: "Mine", slug: taken.slug, content: "x" },
    });
    expect(response.status).toBe(409);
    const body = await readError(response);
    expect(body.error.code).toBe("conflict");
    expect(body.error.details?.[0]?.field).toBe("slug");
  });

  it("answers 409 naming category_id for an unknown category (foreign key violation)", async () => {
    const alice = await t.signUp();
    const response = await t.request("/api/v1/posts", {
      method: "POST",
      token: alice.token,
      json: { title: "x", slug: "unknown-category", content: "x", category_id: "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" },
    });
    expect(response.status).toBe(409);
    expect((await readError(response)).error.details?.[0]?.field).toBe("category_id");
  });
});

describe("posts validation", () => {
  it.each([
    [{}, "title"],
    [{ title: "", slug: "ok", content: "x" }, "title"],
    [{ title: "ok", slug: "Not A Slug", content: "x" }, "slug"],
    [{ title: "ok", slug: "ok-", content: "x" }, "slug"],
    [{ title: "x".repeat(201), slug: "ok", content: "x" }, "title"],
    [{ title: "ok", slug: "ok" }, "content"],
    [{ title: "ok", slug: "ok", content: "x", excerpt: "x".repeat(501) }, "excerpt"],
    [{ title: "ok", slug: "ok", content: "x", is_published: "yes" }, "is_published"],
    [{ title: "ok", slug: "ok", content: "x", published_at: "yesterday" }, "published_at"],
    [{ title: "ok", slug: "ok", content: "x", category_id: "nope" }, "category_id"],
    [{ title: "ok", slug: "ok", content: "x", owner_id: "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" }, ""],
  ])("POST %j -> 422 naming %s, and nothing is written", async (json, field) => {
    const alice = await t.signUp();
    const response = await t.request("/api/v1/posts", { method: "POST", token: alice.token, json });
    expect(response.status).toBe(422);
    const body = await readError(response);
    expect(body.error.code).toBe("validation_error");
    if (field) expect(body.error.details?.map((d) => d.field)).toContain(field);
    expect((await listPosts(alice.token, `?owner_id=${alice.id}`)).total_count).toBe(0);
  });

  it("answers 422 naming the path parameter for a malformed UUID, and a bad filter", async () => {
    const alice = await t.signUp();
    const response = await t.request("/api/v1/posts/not-a-uuid", { token: alice.token });
    expect(response.status).toBe(422);
    expect((await readError(response)).error.details?.[0]).toMatchObject({ field: "id", location: "path" });
    const filter = await t.request("/api/v1/posts?content=secret", { token: alice.token });
    expect(filter.status).toBe(422);
    expect((await readError(filter)).error.details?.[0]).toMatchObject({
      field: "content",
      location: "query",
    });
  });

  it("requires a token", async () => {
    expect((await t.request("/api/v1/posts")).status).toBe(401);
  });
});

describe("posts filters, sort and paging", () => {
  it("filters on is_published, title, category_id and owner_id, sorts by published_at", async () => {
    const carol = await t.signUp();
    const dave = await t.signUp();
    const old = await createPost(carol.token, {
      title: "Foo old",
      is_published: true,
      published_at: "2026-01-01T00:00:00.000Z",
      category_id: news.id,
    });
    const recent = await createPost(carol.token, {
      title: "Foo recent",
      is_published: true,
      published_at: "2026-06-01T00:00:00.000Z",
    });
    const draft = await createPost(carol.token, { title: "foo draft", category_id: news.id });

    const mine = `&owner_id=${carol.id}`;
    const ids = async (token: string, query: string) => (await listPosts(token, query)).data.map((p) => p.id);
    expect(await ids(carol.token, `?is_published=true&sort=-published_at${mine}`)).toEqual([recent.id, old.id]);
    expect(await ids(carol.token, `?is_published=false${mine}`)).toEqual([draft.id]);
    expect((await ids(carol.token, `?title__ilike=%25foo%25${mine}`)).sort()).toEqual(
      [old.id, recent.id, draft.id].sort(),
    );
    expect((await ids(carol.token, `?category_id=${news.id}${mine}`)).sort()).toEqual([old.id, draft.id].sort());
    expect(await ids(carol.token, `?published_at__lt=2026-03-01${mine}`)).toEqual([old.id]);
    // Filters narrow what RLS shows, never widen it: dave sees carol's published posts, not her draft.
    expect((await ids(dave.token, `?title__ilike=%25foo%25${mine}`)).sort()).toEqual([old.id, recent.id].sort());
  });

  it("pages through all visible posts by cursor with no duplicates and no gaps", async () => {
    const erin = await t.signUp();
    const made = [];
    for (let i = 0; i < 7; i++) made.push((await createPost(erin.token, { is_published: i % 2 === 0 })).id);
    const seen: string[] = [];
    let cursor = "";
    for (let pages = 0; pages < 10; pages++) {
      const page = await listPosts(erin.token, `?owner_id=${erin.id}&limit=3&cursor=${cursor}`);
      seen.push(...page.data.map((p) => p.id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(seen).toEqual([...made].reverse());

    const all: string[] = [];
    cursor = "";
    for (let pages = 0; pages < 100; pages++) {
      const page = await listPosts(erin.token, `?limit=5&cursor=${cursor}`);
      all.push(...page.data.map((p) => p.id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining(made));
    const offset = await listPosts(erin.token, "?limit=100");
    expect(all.length).toBe(offset.total_count);
  });

  it("refuses cursor paging sorted by a nullable field (published_at) with 422", async () => {
    const alice = await t.signUp();
    const response = await t.request("/api/v1/posts?sort=-published_at&cursor=", { token: alice.token });
    expect(response.status).toBe(422);
    expect((await readError(response)).error.details?.[0]?.field).toBe("sort");
  });
});

describe("posts with their author and category (expand=)", () => {
  type Entry = { id: string; author?: { id: string; full_name: string | null } | null; category?: unknown };
  const entries = async (token: string, query: string) => (await listPosts(token, query)).data as Entry[];

  it("includes the relations asked for, in each entry, and nothing else; RLS decides what each shows", async () => {
    const gina = await t.signUp();
    const hank = await t.signUp();
    await t.request("/api/v1/users/me", { method: "PATCH", token: gina.token, json: { full_name: "Gina" } });
    const filed = await createPost(gina.token, { title: "Filed", is_published: true, category_id: news.id });
    const loose = await createPost(gina.token, { title: "Loose", is_published: true });
    const mine = `&owner_id=${gina.id}&sort=title`;

    const expanded = await entries(gina.token, `?expand=author,category${mine}`);
    expect(expanded.map((post) => post.id)).toEqual([filed.id, loose.id]);
    expect(expanded[0]).toMatchObject({
      title: "Filed",
      author: { id: gina.id, full_name: "Gina" },
      category: { id: news.id, name: "News", slug: "news" },
    });
    expect(Object.keys(expanded[0]?.author ?? {}).sort()).toEqual(["full_name", "id"]);
    expect(expanded[1]?.category).toBeNull();

    // One relation, none: only what was asked for.
    const authors = await entries(gina.token, `?expand=author${mine}`);
    expect(authors.every((post) => post.author?.id === gina.id && !("category" in post))).toBe(true);
    const plain = await entries(gina.token, `?expand=${mine}`);
    expect(plain.some((post) => "author" in post || "category" in post)).toBe(false);

    // Hank reads Gina's published posts, not her user row (users show each user only their own): author null.
    const read = await entries(hank.token, `?expand=author,category${mine}`);
    expect(read.map((post) => [post.id, post.author])).toEqual([
      [filed.id, null],
      [loose.id, null],
    ]);
  });

  it("pages, filters, sorts and counts as the plain list does, by offset and by cursor", async () => {
    const ivan = await t.signUp();
    for (let i = 0; i < 5; i++) await createPost(ivan.token, { category_id: i % 2 ? news.id : null });
    const query = `?owner_id=${ivan.id}&sort=-created_at&limit=2`;
    const ids = (page: { data: { id: string }[] }) => page.data.map((post) => post.id);

    const plain = await listPosts(ivan.token, `${query}&offset=2`);
    const joined = await listPosts(ivan.token, `${query}&offset=2&expand=category`);
    expect(ids(joined)).toEqual(ids(plain));
    expect([joined.total_count, joined.total_count_kind]).toEqual([5, "exact"]);
    const filtered = await listPosts(ivan.token, `?owner_id=${ivan.id}&category_id=${news.id}&expand=category`);
    expect(filtered.total_count).toBe(2);
    expect(filtered.data.every((post) => (post as Entry).category !== null)).toBe(true);

    const walk = async (expand: string) => {
      const seen: string[] = [];
      let cursor = "";
      for (let pages = 0; pages < 5; pages++) {
        const page = await listPosts(ivan.token, `${query}&cursor=${cursor}${expand}`);
        seen.push(...ids(page));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      return seen;
    };
    const byCursor = await walk("&expand=author,category");
    expect(byCursor).toHaveLength(5);
    expect(byCursor).toEqual(await walk(""));
  });

  it("reads a page and all its relations in one statement, however many posts and authors it holds", async () => {
    const reader = await t.signUp();
    const writers = [await t.signUp(), await t.signUp(), await t.signUp()];
    for (const writer of writers) await createPost(writer.token, { is_published: true, category_id: news.id });
    const sent = async (query: string) => {
      statements.length = 0;
      await listPosts(reader.token, query);
      return [...statements];
    };
    const one = await sent("?expand=author,category&limit=1");
    const many = await sent("?expand=author,category&limit=50");
    const without = await sent("?limit=50");
    expect(many.length).toBe(one.length);
    expect(many.length).toBe(without.length);
    // The page's one statement names both related tables; no other statement names either.
    const naming = many.filter((text) => /"users"/.test(text) || /"categories"/.test(text));
    expect(naming).toHaveLength(1);
    expect(naming[0]).toMatch(/"categories"/);
    expect(naming[0]).toMatch(/"users"/);
  });

  it("refuses a relation it does not offer, or one given twice, with 422 naming expand", async () => {
    for (const expand of ["owner", "author,author", "author,password"]) {
      const response = await t.request(`/api/v1/posts?expand=${expand}`, { token: admin.token });
      expect(response.status, expand).toBe(422);
      expect((await readError(response)).error.details?.[0]?.field).toBe("expand");
    }
  });
});

describe("featured posts", () => {
  it("only a superuser features a post (403 for its author, whatever the value); everyone filters on is_featured", async () => {
    const frank = await t.signUp();
    const reader = await t.signUp();
    for (const is_featured of [true, false]) {
      const refused = await t.request("/api/v1/posts", {
        method: "POST",
        token: frank.token,
        json: { title: "Me", slug: `me-${is_featured}`, content: "x", is_featured },
      });
      expect(refused.status).toBe(403);
    }
    const post = await createPost(frank.token, { is_published: true });
    expect(post.is_featured).toBe(false);
    const patch = (token: string, json: PostInput) =>
      t.request(`/api/v1/posts/${post.id}`, { method: "PATCH", token, json });
    expect((await patch(frank.token, { is_featured: true })).status).toBe(403);
    const featured = await patch(admin.token, { is_featured: true });
    expect(featured.status).toBe(200);
    expect(((await featured.json()) as { is_featured: boolean }).is_featured).toBe(true);
    // Its author still edits it, and it stays featured.
    const edited = await patch(frank.token, { title: "Edited" });
    expect(((await edited.json()) as { is_featured: boolean }).is_featured).toBe(true);
    const page = await listPosts(reader.token, `?is_featured=true&owner_id=${frank.id}`);
    expect(page.data.map((p) => p.id)).toEqual([post.id]);
    expect((await listPosts(reader.token, `?is_featured=false&owner_id=${frank.id}`)).data).toEqual([]);
  });
});

describe("posts sorted by title", () => {
  it("sorts text as people do (case-insensitive, accents beside their letter), by offset and by cursor alike", async () => {
    const gina = await t.signUp();
    const titles = ["beta Report", "Gamma 2", "alpha", "Émile", "zeta", "Delta", "echo"];
    for (const title of titles) await createPost(gina.token, { title });
    const expected = ["alpha", "beta Report", "Delta", "echo", "Émile", "Gamma 2", "zeta"];
    const mine = `owner_id=${gina.id}`;
    const byOffset = await listPosts(gina.token, `?${mine}&sort=title`);
    expect(byOffset.data.map((p) => p.title)).toEqual(expected);
    const descending = await listPosts(gina.token, `?${mine}&sort=-title`);
    expect(descending.data.map((p) => p.title)).toEqual([...expected].reverse());
    const byCursor: string[] = [];
    let cursor = "";
    for (let pages = 0; pages < 10; pages++) {
      const page = await listPosts(gina.token, `?${mine}&sort=title&limit=2&cursor=${cursor}`);
      byCursor.push(...page.data.map((p) => p.title));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(byCursor).toEqual(expected);
  });
});

describe("posts between users (RLS at the HTTP layer)", () => {
  it("another user can neither list, read, update, delete nor restore the author's draft (404)", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const draft = await createPost(alice.token, { title: "Secret draft" });

    expect((await listPosts(bob.token, `?owner_id=${alice.id}`)).total_count).toBe(0);
    expect((await t.request(`/api/v1/posts/${draft.id}`, { token: bob.token })).status).toBe(404);
    const patch = await t.request(`/api/v1/posts/${draft.id}`, {
      method: "PATCH",
      token: bob.token,
      json: { title: "pwned", is_published: true },
    });
    expect(patch.status).toBe(404);
    expect((await t.request(`/api/v1/posts/${draft.id}`, { method: "DELETE", token: bob.token })).status).toBe(404);

    await t.request(`/api/v1/posts/${draft.id}`, { method: "DELETE", token: alice.token });
    expect((await t.request(`/api/v1/posts/${draft.id}/restore`, { method: "POST", token: bob.token })).status).toBe(
      404,
    );
    const restored = await t.request(`/api/v1/posts/${draft.id}/restore`, { method: "POST", token: alice.token });
    expect(await restored.json()).toMatchObject({ title: "Secret draft", is_published: false });
  });

  it("another user reads and lists the author's published post, but its update and delete hit no row (404)", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const post = await createPost(alice.token, { title: "Public", is_published: true, category_id: news.id });

    expect((await listPosts(bob.token, `?owner_id=${alice.id}`)).data.map((p) => p.id)).toEqual([post.id]);
    const read = await t.request(`/api/v1/posts/${post.id}`, { token: bob.token });
    expect(read.status).toBe(200);
    // The author's users row is not visible to bob (users: own row only), so the joined author is null;
    // owner_id still names the author.
    expect(await read.json()).toMatchObject({
      id: post.id,
      owner_id: alice.id,
      author: null,
      category: { id: news.id, name: "News", slug: "news" },
    });

    const patch = await t.request(`/api/v1/posts/${post.id}`, {
      method: "PATCH",
      token: bob.token,
      json: { title: "pwned" },
    });
    expect(patch.status).toBe(404);
    // An empty PATCH changes nothing, and still answers only the author: it reads the row FOR UPDATE.
    const empty = await t.request(`/api/v1/posts/${post.id}`, { method: "PATCH", token: bob.token, json: {} });
    expect(empty.status).toBe(404);
    expect((await t.request(`/api/v1/posts/${post.id}`, { method: "DELETE", token: bob.token })).status).toBe(404);
    const still = await t.request(`/api/v1/posts/${post.id}`, { token: alice.token });
    expect(await still.json()).toMatchObject({ title: "Public", is_published: true });

    // Once the author unpublishes it, it is gone for bob.
    await t.request(`/api/v1/posts/${post.id}`, { method: "PATCH", token: alice.token, json: { is_published: false } });
    expect((await t.request(`/api/v1/posts/${post.id}`, { token: bob.token })).status).toBe(404);
  });

  it("a post in an inactive category reads with category null for users, and with it for superusers", async () => {
    const alice = await t.signUp();
    const post = await createPost(alice.token, { category_id: hidden.id });
    const asAuthor = await ok(await t.api(alice.token).posts[":id"].$get({ param: { id: post.id } }), 200);
    expect(asAuthor).toMatchObject({ category_id: hidden.id, category: null });
    const asAdmin = await t.request(`/api/v1/posts/${post.id}`, { token: admin.token });
    expect(await asAdmin.json()).toMatchObject({ category: { id: hidden.id, slug: "hidden" } });
  });

  it("a superuser sees every post, drafts included, and manages them", async () => {
    const alice = await t.signUp();
    const draft = await createPost(alice.token, { title: "Draft" });
    const list = await listPosts(admin.token, `?owner_id=${alice.id}`);
    expect(list.data.map((p) => p.id)).toEqual([draft.id]);
    const read = await t.request(`/api/v1/posts/${draft.id}`, { token: admin.token });
    expect(await read.json()).toMatchObject({ author: { id: alice.id, full_name: null } });
    const patch = await t.request(`/api/v1/posts/${draft.id}`, {
      method: "PATCH",
      token: admin.token,
      json: { title: "Moderated" },
    });
    expect(await patch.json()).toMatchObject({ title: "Moderated", owner_id: alice.id });
    expect((await t.request(`/api/v1/posts/${draft.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect((await t.request(`/api/v1/posts/${draft.id}`, { token: alice.token })).status).toBe(404);
  });

  it("deleting a category leaves its posts, without a category", async () => {
    const alice = await t.signUp();
    const temp = await ok(
      await t.api(admin.token).categories.$post({ json: { name: "Temporary", slug: "temporary" } }),
      201,
    );
    const post = await createPost(alice.token, { category_id: temp.id });
    expect((await t.request(`/api/v1/categories/${temp.id}`, { method: "DELETE", token: admin.token })).status).toBe(
      204,
    );
    const read = await t.request(`/api/v1/posts/${post.id}`, { token: alice.token });
    expect(await read.json()).toMatchObject({ category_id: null, category: null });
  });
});
