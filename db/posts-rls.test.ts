import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertUser, openTestDatabase, pgCodeOf, type TestDatabase } from "../functions/testing/harness";
import { rowsOf } from "./client";
import { categories, posts } from "./schema";

// Posts and categories at the SQL layer: whatever query the code runs, the database decides. Refusals name
// their Postgres error code; rows hidden by a policy are simply not there (an UPDATE or DELETE hits 0 rows).

let t: TestDatabase;
let alice: string;
let bob: string;
let admin: string;
let draft: string;
let published: string;
let news: string;
let archive: string;

const newUser = (email: string, superuser = false) => insertUser(t, email, { superuser });
const codeOf = pgCodeOf;

const newPost = (userId: string, values: { slug: string; is_published?: boolean; category_id?: string }) =>
  t.asUser(userId, async (tx) => {
    const [row] = await tx
      .insert(posts)
      .values({
        title: values.slug,
        content: "text",
        ...values,
        published_at: values.is_published ? sql`now()` : null,
      })
      .returning();
    return row?.id as string;
  });

beforeAll(async () => {
  t = await openTestDatabase();
  alice = await newUser("alice@example.com");
  bob = await newUser("bob@example.com");
  admin = await newUser("admin@example.com", true);
  const ids = await t.asUser(admin, async (tx) =>
    (
      await tx
        .insert(categories)
        .values([
          { name: "News", slug: "news" },
          { name: "Archive", slug: "archive", is_active: false },
        ])
        .returning({ id: categories.id })
    ).map((row) => row.id),
  );
  [news, archive] = ids as [string, string];
  draft = await newPost(alice, { slug: "alice-draft" });
  published = await newPost(alice, { slug: "alice-published", is_published: true, category_id: news });
});
afterAll(() => t.close());

describe("posts under RLS", () => {
  it("another user sees the author's published posts, never its drafts", async () => {
    const seen = await t.asUser(bob, (tx) => tx.select({ id: posts.id }).from(posts));
    expect(seen.map((row) => row.id)).toEqual([published]);
    expect(await t.asUser(bob, (tx) => tx.select().from(posts).where(eq(posts.id, draft)))).toEqual([]);
    const own = await t.asUser(alice, (tx) => tx.select({ id: posts.id }).from(posts));
    expect(own.map((row) => row.id).sort()).toEqual([draft, published].sort());
  });

  it("another user's UPDATE and DELETE hit no row, draft or published, and the rows are unchanged", async () => {
    for (const id of [draft, published]) {
      const updated = await t.asUser(bob, (tx) =>
        tx.update(posts).set({ title: "pwned" }).where(eq(posts.id, id)).returning(),
      );
      const softDeleted = await t.asUser(bob, (tx) =>
        tx.update(posts).set({ deleted_at: new Date() }).where(eq(posts.id, id)).returning(),
      );
      const deleted = await t.asUser(bob, (tx) => tx.delete(posts).where(eq(posts.id, id)).returning());
      expect([updated, softDeleted, deleted]).toEqual([[], [], []]);
    }
    const rows = await t.asUser(alice, (tx) => tx.select().from(posts));
    expect(rows.map((row) => [row.title, row.deleted_at]).sort()).toEqual([
      ["alice-draft", null],
      ["alice-published", null],
    ]);
  });

  it("a user can neither insert a post for someone else nor hand its post over (42501)", async () => {
    expect(
      await codeOf(
        t.asUser(bob, (tx) => tx.insert(posts).values({ title: "x", slug: "forged", content: "x", owner_id: alice })),
      ),
    ).toBe("42501");
    expect(
      await codeOf(t.asUser(alice, (tx) => tx.update(posts).set({ owner_id: bob }).where(eq(posts.id, draft)))),
    ).toBe("42501");
  });

  it("owner_id defaults to the current user", async () => {
    const id = await newPost(bob, { slug: "bob-post" });
    const [row] = await t.asUser(bob, (tx) => tx.select().from(posts).where(eq(posts.id, id)));
    expect(row?.owner_id).toBe(bob);
  });

  it("a soft-deleted published post is hidden from readers but still seen, and restorable, by its author", async () => {
    const id = await newPost(alice, { slug: "alice-soft", is_published: true });
    await t.asUser(alice, (tx) => tx.update(posts).set({ deleted_at: new Date() }).where(eq(posts.id, id)));
    expect(await t.asUser(bob, (tx) => tx.select().from(posts).where(eq(posts.id, id)))).toEqual([]);
    const restored = await t.asUser(alice, (tx) =>
      tx.update(posts).set({ deleted_at: null }).where(eq(posts.id, id)).returning(),
    );
    expect(restored).toHaveLength(1);
    expect(await t.asUser(bob, (tx) => tx.select({ id: posts.id }).from(posts).where(eq(posts.id, id)))).toEqual([
      { id },
    ]);
  });

  it("constraints: a taken slug (23505), a bad slug or a published post without published_at (23514), an unknown category (23503)", async () => {
    expect(await codeOf(newPost(bob, { slug: "alice-draft" }))).toBe("23505");
    expect(await codeOf(newPost(bob, { slug: "Not A Slug" }))).toBe("23514");
    expect(
      await codeOf(
        t.asUser(bob, (tx) =>
          tx.insert(posts).values({ title: "x", slug: "no-date", content: "x", is_published: true }),
        ),
      ),
    ).toBe("23514");
    expect(
      await codeOf(newPost(bob, { slug: "no-category", category_id: "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" })),
    ).toBe("23503");
  });

  it("a post published in the future is refused (23514): published_at <= now()", async () => {
    const future = new Date(Date.now() + 3_600_000);
    const insert = (is_published: boolean, slug: string) =>
      t.asUser(bob, (tx) =>
        tx.insert(posts).values({ title: "x", slug, content: "x", is_published, published_at: future }).returning(),
      );
    expect(await codeOf(insert(true, "from-the-future"))).toBe("23514");
    // A draft may carry a future time; publishing it while that time is still ahead is refused.
    const [draft] = await insert(false, "scheduled-draft");
    expect(
      await codeOf(
        t.asUser(bob, (tx) =>
          tx
            .update(posts)
            .set({ is_published: true })
            .where(eq(posts.id, draft?.id as string)),
        ),
      ),
    ).toBe("23514");
  });

  it("only a superuser features a post: an author's INSERT or UPDATE of is_featured is refused (42501)", async () => {
    expect(
      await codeOf(
        t.asUser(bob, (tx) =>
          tx.insert(posts).values({ title: "x", slug: "self-featured", content: "x", is_featured: true }),
        ),
      ),
    ).toBe("42501");
    const mine = await newPost(bob, { slug: "bob-plain" });
    for (const is_featured of [true, false]) {
      expect(await codeOf(t.asUser(bob, (tx) => tx.update(posts).set({ is_featured }).where(eq(posts.id, mine))))).toBe(
        "42501",
      );
    }
    const [featured] = await t.asUser(admin, (tx) =>
      tx.update(posts).set({ is_featured: true }).where(eq(posts.id, mine)).returning(),
    );
    expect(featured?.is_featured).toBe(true);
    // The author still edits the rest of a featured post.
    const [edited] = await t.asUser(bob, (tx) =>
      tx.update(posts).set({ title: "edited" }).where(eq(posts.id, mine)).returning(),
    );
    expect(edited).toMatchObject({ title: "edited", is_featured: true });
  });

  it("a superuser sees every post, drafts included", async () => {
    const seen = await t.asUser(admin, (tx) => tx.select({ id: posts.id }).from(posts));
    expect(seen.map((row) => row.id)).toEqual(expect.arrayContaining([draft, published]));
  });
});

describe("categories under RLS", () => {
  it("a user reads the active categories only", async () => {
    const seen = await t.asUser(bob, (tx) => tx.select({ slug: categories.slug }).from(categories));
    expect(seen).toEqual([{ slug: "news" }]);
    expect(await t.asUser(bob, (tx) => tx.select().from(categories).where(eq(categories.id, archive)))).toEqual([]);
  });

  it("a user may not insert, update or delete a category: no privilege (42501), whatever the row", async () => {
    expect(await codeOf(t.asUser(bob, (tx) => tx.insert(categories).values({ name: "Mine", slug: "mine" })))).toBe(
      "42501",
    );
    for (const id of [news, archive]) {
      expect(
        await codeOf(t.asUser(bob, (tx) => tx.update(categories).set({ name: "x" }).where(eq(categories.id, id)))),
      ).toBe("42501");
      expect(await codeOf(t.asUser(bob, (tx) => tx.delete(categories).where(eq(categories.id, id))))).toBe("42501");
    }
  });

  it("a superuser sees and manages every category; deleting one leaves its posts without a category", async () => {
    const all = await t.asUser(admin, (tx) => tx.select({ slug: categories.slug }).from(categories));
    expect(all.map((row) => row.slug).sort()).toEqual(["archive", "news"]);
    const [temp] = await t.asUser(admin, (tx) =>
      tx.insert(categories).values({ name: "Temp", slug: "temp" }).returning(),
    );
    const id = await newPost(alice, { slug: "in-temp", category_id: temp?.id });
    const deleted = await t.asUser(admin, (tx) =>
      tx
        .delete(categories)
        .where(eq(categories.id, temp?.id as string))
        .returning(),
    );
    expect(deleted).toHaveLength(1);
    const [row] = await t.asUser(alice, (tx) => tx.select().from(posts).where(eq(posts.id, id)));
    expect(row?.category_id).toBeNull();
  });

  it("the login role alone reads nothing", async () => {
    expect(await codeOf(t.db.select().from(posts))).toBe("42501");
    expect(await codeOf(t.db.select().from(categories))).toBe("42501");
    const [grants] = await t.asOwner(async (tx) =>
      rowsOf<{ user_writes: boolean }>(
        await tx.execute(
          sql`select has_table_privilege('rls_app_user', 'public.categories', 'INSERT, UPDATE, DELETE') as user_writes`,
        ),
      ),
    );
    expect(grants?.user_writes).toBe(false);
  });
});
