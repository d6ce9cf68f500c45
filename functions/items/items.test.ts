import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/client";
import { queryOf, readError, startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const createItem = async (token: string, json: { title: string; description?: string | null }) => {
  const response = await t.api(token).items.$post({ json });
  if (response.status !== 201) throw new Error(`create failed: ${response.status}`);
  return response.json();
};

/** A page of the signed-in user's items, typed from the route. */
const listItems = async (token: string, query: Record<string, string | string[]> = {}) => {
  const response = await t.api(token).items.$get({ query });
  if (response.status !== 200) throw new Error(`list failed: ${response.status}`);
  return response.json();
};

describe("items CRUD", () => {
  it("creates, reads, lists, updates and deletes an item of the signed-in user", async () => {
    const alice = await t.signUp();
    const item = await createItem(alice.token, { title: "First", description: "hello" });
    expect(Object.keys(item).sort()).toEqual(["created_at", "description", "id", "owner_id", "title", "updated_at"]);
    expect(item).toMatchObject({ owner_id: alice.id, title: "First", description: "hello" });

    const read = await t.request(`/api/v1/items/${item.id}`, { token: alice.token });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(item);

    const list = await t.request("/api/v1/items", { token: alice.token });
    expect(await list.json()).toEqual({
      data: [item],
      total_count: 1,
      total_count_kind: "exact",
      offset: 0,
      limit: 20,
    });

    const patched = await t
      .api(alice.token)
      .items[":id"].$patch({ param: { id: item.id }, json: { title: "Renamed" } });
    expect(patched.status).toBe(200);
    if (patched.status !== 200) return;
    const changed = await patched.json();
    expect(changed).toMatchObject({ id: item.id, title: "Renamed", description: "hello" });
    expect(new Date(changed.updated_at) >= new Date(changed.created_at)).toBe(true);

    // A PATCH that changes nothing answers the row as it is, and another user's row stays a 404.
    const unchanged = await t.request(`/api/v1/items/${item.id}`, { method: "PATCH", token: alice.token, json: {} });
    expect(unchanged.status).toBe(200);
    expect(await unchanged.json()).toEqual(changed);
    const bob = await t.signUp();
    const hidden = await t.request(`/api/v1/items/${item.id}`, { method: "PATCH", token: bob.token, json: {} });
    expect(hidden.status).toBe(404);

    const deleted = await t.request(`/api/v1/items/${item.id}`, { method: "DELETE", token: alice.token });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
  });

  it("soft-deletes: the row stays in the table with deleted_at, but reads, lists and writes see 404", async () => {
    const alice = await t.signUp();
    const item = await createItem(alice.token, { title: "Doomed" });
    expect((await t.request(`/api/v1/items/${item.id}`, { method: "DELETE", token: alice.token })).status).toBe(204);

    expect((await t.request(`/api/v1/items/${item.id}`, { token: alice.token })).status).toBe(404);
    expect((await t.request(`/api/v1/items/${item.id}`, { method: "DELETE", token: alice.token })).status).toBe(404);
    const patch = await t.request(`/api/v1/items/${item.id}`, {
      method: "PATCH",
      token: alice.token,
      json: { title: "x" },
    });
    expect(patch.status).toBe(404);
    expect((await listItems(alice.token)).total_count).toBe(0);

    const [row] = await t.asOwner(async (tx) =>
      rowsOf<{ deleted_at: unknown }>(await tx.execute(sql`select deleted_at from items where id = ${item.id}`)),
    );
    expect(row?.deleted_at).not.toBeNull();
  });

  it("pages with offset and limit, newest first, with the total count", async () => {
    const alice = await t.signUp();
    for (let i = 0; i < 5; i++) await createItem(alice.token, { title: `item ${i}` });
    const page = await listItems(alice.token, { offset: "1", limit: "2" });
    expect(page).toMatchObject({ total_count: 5, offset: 1, limit: 2 });
    expect(page.data.map((item) => item.title)).toEqual(["item 3", "item 2"]);
  });

  it("rejects bad paging parameters with 422 naming the parameter", async () => {
    const alice = await t.signUp();
    for (const [query, field] of [
      ["limit=101", "limit"],
      ["limit=0", "limit"],
      ["offset=-1", "offset"],
      ["limit=abc", "limit"],
      ["count=all", "count"],
      ["count=none&cursor=", "count"],
    ] as const) {
      const response = await t.request(`/api/v1/items?${query}`, { token: alice.token });
      expect(response.status, query).toBe(422);
      expect((await readError(response)).error.details?.[0]).toMatchObject({ field, location: "query" });
    }
  });

  it("refuses an offset past the bound with a 422 that points to cursor paging", async () => {
    const alice = await t.signUp();
    expect((await t.request("/api/v1/items?offset=10000", { token: alice.token })).status).toBe(200);
    const response = await t.request("/api/v1/items?offset=10001", { token: alice.token });
    expect(response.status).toBe(422);
    const [detail] = (await readError(response)).error.details ?? [];
    expect(detail).toMatchObject({ field: "offset", location: "query" });
    expect(detail?.message).toContain("cursor=");
  });

  it("counts as count= asks: capped by default, exact, estimated or none", async () => {
    const alice = await t.signUp();
    for (let i = 0; i < 3; i++) await createItem(alice.token, { title: `item ${i}` });
    const counted = async (count?: string) => {
      const page = await listItems(alice.token, count ? { count } : {});
      return [page.total_count, page.total_count_kind];
    };
    expect(await counted()).toEqual([3, "exact"]);
    expect(await counted("exact")).toEqual([3, "exact"]);
    expect(await counted("none")).toEqual([null, "none"]);
    const [estimate, kind] = await counted("estimated");
    expect(kind).toBe("estimated");
    expect(typeof estimate).toBe("number");
  });
});

describe("items validation", () => {
  it.each([
    [{}, "title"],
    [{ title: "" }, "title"],
    [{ title: "   " }, "title"],
    [{ title: "x".repeat(256) }, "title"],
    [{ title: 42 }, "title"],
    [{ title: "ok", description: 7 }, "description"],
    [{ title: "ok", owner_id: "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" }, ""],
  ])("POST %j -> 422 naming %s, and nothing is written", async (json, field) => {
    const alice = await t.signUp();
    const response = await t.request("/api/v1/items", { method: "POST", token: alice.token, json });
    expect(response.status).toBe(422);
    const { error } = await readError(response);
    expect(error.code).toBe("validation_error");
    if (field) expect(error.details?.map((d) => d.field)).toContain(field);
    expect((await listItems(alice.token)).total_count).toBe(0);
  });

  it("answers 422 naming the path parameter for a malformed UUID", async () => {
    const alice = await t.signUp();
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const json = method === "PATCH" ? { title: "x" } : undefined;
      const response = await t.request("/api/v1/items/not-a-uuid", { method, token: alice.token, json });
      expect(response.status, method).toBe(422);
      expect((await readError(response)).error.details?.[0]).toMatchObject({ field: "id", location: "path" });
    }
  });

  it("answers 400 JSON for a malformed JSON body", async () => {
    const alice = await t.signUp();
    const response = await t.request("/api/v1/items", {
      method: "POST",
      token: alice.token,
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect((await readError(response)).error.code).toBe("bad_request");
  });

  it("requires a token", async () => {
    const response = await t.request("/api/v1/items");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
  });
});

describe("items isolation between users (RLS at the HTTP layer)", () => {
  it("another user can neither list, read, update nor delete the owner's item", async () => {
    const alice = await t.signUp();
    const mallory = await t.signUp();
    const item = await createItem(alice.token, { title: "Alice's", description: "private" });

    expect((await listItems(mallory.token)).total_count).toBe(0);
    expect((await t.request(`/api/v1/items/${item.id}`, { token: mallory.token })).status).toBe(404);
    const patch = await t.request(`/api/v1/items/${item.id}`, {
      method: "PATCH",
      token: mallory.token,
      json: { title: "pwned" },
    });
    expect(patch.status).toBe(404);
    expect((await t.request(`/api/v1/items/${item.id}`, { method: "DELETE", token: mallory.token })).status).toBe(404);

    const still = await t.request(`/api/v1/items/${item.id}`, { token: alice.token });
    expect(await still.json()).toMatchObject({ title: "Alice's", description: "private" });
  });

  it("a superuser sees and manages every user's items", async () => {
    const alice = await t.signUp();
    const admin = await t.signUp({ superuser: true });
    const item = await createItem(alice.token, { title: "Alice's" });

    const list = await listItems(admin.token, { limit: "100" });
    expect(list.data.map((i) => i.id)).toContain(item.id);
    const patch = await t.request(`/api/v1/items/${item.id}`, {
      method: "PATCH",
      token: admin.token,
      json: { title: "Moderated" },
    });
    expect(await patch.json()).toMatchObject({ title: "Moderated", owner_id: alice.id });
    expect((await t.request(`/api/v1/items/${item.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect((await t.request(`/api/v1/items/${item.id}`, { token: alice.token })).status).toBe(404);
  });
});

describe("items list filters (URL)", () => {
  it("filters, sorts and pages from the query string", async () => {
    const alice = await t.signUp();
    for (const title of ["apple pie", "Apple tart", "banana bread", "cherry cake"]) {
      await createItem(alice.token, { title, description: title.includes("apple") ? "fruit" : null });
    }
    const titles = async (query: string) => (await listItems(alice.token, queryOf(query))).data.map((i) => i.title);
    // Text sorts as people sort it (case-insensitive): "apple pie" before "Apple tart".
    expect(await titles("title__ilike=apple%25&sort=title")).toEqual(["apple pie", "Apple tart"]);
    expect(await titles("title__startswith=b")).toEqual(["banana bread"]);
    expect(await titles("title__istartswith=APPLE&sort=title")).toEqual(["apple pie", "Apple tart"]);
    expect(await titles("title__icontains=PIE")).toEqual(["apple pie"]);
    expect(await titles("title__iendswith=CAKE")).toEqual(["cherry cake"]);
    expect(await titles("title__icontains=%25")).toEqual([]);
    expect(await titles("description__is=null&sort=-title")).toEqual(["cherry cake", "banana bread", "Apple tart"]);
    expect(await titles("title__or=eq:cherry%20cake&title__or=contains:nana&sort=title")).toEqual([
      "banana bread",
      "cherry cake",
    ]);
    expect(await titles("title__in=apple%20pie,cherry%20cake&sort=-title")).toEqual(["cherry cake", "apple pie"]);
  });

  it("pages by cursor", async () => {
    const alice = await t.signUp();
    for (let i = 0; i < 3; i++) await createItem(alice.token, { title: `c${i}` });
    const first = await listItems(alice.token, { cursor: "", limit: "2" });
    expect(first.data.map((item) => item.title)).toEqual(["c2", "c1"]);
    const second = await listItems(alice.token, { cursor: first.next_cursor ?? "", limit: "2" });
    expect(second).toEqual({ data: [expect.objectContaining({ title: "c0" })], next_cursor: null, limit: 2 });
  });

  it.each([
    ["hashed_password=x", "hashed_password"],
    ["nope=1", "nope"],
    ["title__regex=.*", "title__regex"],
    ["created_at__gt=yesterday", "created_at__gt"],
    ["id=42", "id"],
    ["id__ilike=%25", "id__ilike"],
    ["created_at__between=2026-01-01", "created_at__between"],
    ["title__or=bogus", "title__or"],
    ["sort=owner_password", "sort"],
    ["sort=title,title", "sort"],
    ["cursor=not-a-cursor", "cursor"],
    ["cursor=&offset=3", "cursor"],
  ])("GET /items?%s -> 422 naming %s", async (query, param) => {
    const alice = await t.signUp();
    const response = await t.request(`/api/v1/items?${query}`, { token: alice.token });
    expect(response.status).toBe(422);
    expect((await readError(response)).error.details).toContainEqual(
      expect.objectContaining({ field: param, location: "query" }),
    );
  });

  it("filters never widen what RLS shows", async () => {
    const alice = await t.signUp();
    const mallory = await t.signUp();
    await createItem(alice.token, { title: "secret" });
    expect((await listItems(mallory.token, { owner_id: alice.id, title: "secret" })).data).toEqual([]);
  });
});
