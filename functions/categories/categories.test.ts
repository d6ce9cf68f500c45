import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, readError, startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let admin: Awaited<ReturnType<TestApp["signUp"]>>;
let user: Awaited<ReturnType<TestApp["signUp"]>>;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.signUp({ superuser: true });
  user = await t.signUp();
});
afterAll(() => t.close());

let counter = 0;
const createCategory = async (
  json: { name?: string; slug?: string; description?: string | null; is_active?: boolean } = {},
) => {
  const n = ++counter;
  const created = await t.api(admin.token).categories.$post({
    json: { name: `Category ${n}`, slug: `category-${n}`, ...json },
  });
  return ok(created, 201);
};

/** A page of categories as `token` sees it, typed from the route. */
const listCategories = async (token: string, query: Record<string, string>) =>
  ok(await t.api(token).categories.$get({ query }), 200);

describe("categories managed by a superuser", () => {
  it("creates, reads, lists, updates and deletes (for good) a category", async () => {
    const category = await createCategory({ name: "Databases", slug: "databases", description: "SQL and more" });
    expect(Object.keys(category).sort()).toEqual([
      "created_at",
      "description",
      "id",
      "is_active",
      "name",
      "slug",
      "updated_at",
    ]);
    expect(category).toMatchObject({ name: "Databases", slug: "databases", is_active: true });

    const read = await t.request(`/api/v1/categories/${category.id}`, { token: user.token });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(category);

    const patched = await t.request(`/api/v1/categories/${category.id}`, {
      method: "PATCH",
      token: admin.token,
      json: { description: "Postgres" },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: category.id, name: "Databases", description: "Postgres" });

    const deleted = await t.request(`/api/v1/categories/${category.id}`, { method: "DELETE", token: admin.token });
    expect(deleted.status).toBe(204);
    expect((await t.request(`/api/v1/categories/${category.id}`, { token: admin.token })).status).toBe(404);
    expect(
      (await t.request(`/api/v1/categories/${category.id}`, { method: "DELETE", token: admin.token })).status,
    ).toBe(404);
  });

  it("answers 409 naming the field for a taken name or slug", async () => {
    const taken = await createCategory();
    for (const [json, field] of [
      [{ name: taken.name, slug: "fresh-slug" }, "name"],
      [{ name: "Fresh name", slug: taken.slug }, "slug"],
    ] as const) {
      const response = await t.request("/api/v1/categories", { method: "POST", token: admin.token, json });
      expect(response.status).toBe(409);
      expect((await readError(response)).error.details?.[0]?.field).toBe(field);
    }
  });

  it.each([
    [{}, "name"],
    [{ name: "", slug: "ok" }, "name"],
    [{ name: "ok", slug: "Not A Slug" }, "slug"],
    [{ name: "x".repeat(101), slug: "ok" }, "name"],
    [{ name: "ok", slug: "ok", is_active: "yes" }, "is_active"],
    [{ name: "ok", slug: "ok", id: "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" }, ""],
  ])("POST %j -> 422 naming %s", async (json, field) => {
    const response = await t.request("/api/v1/categories", { method: "POST", token: admin.token, json });
    expect(response.status).toBe(422);
    const { error } = await readError(response);
    expect(error.code).toBe("validation_error");
    if (field) expect(error.details?.map((d) => d.field)).toContain(field);
  });
});

describe("categories for a signed-in user", () => {
  it("lists and reads active categories only; inactive ones are not found", async () => {
    const active = await createCategory();
    const inactive = await createCategory({ is_active: false });

    const list = await listCategories(user.token, { limit: "100" });
    const ids = list.data.map((c) => c.id);
    expect(ids).toContain(active.id);
    expect(ids).not.toContain(inactive.id);
    expect(list.data.every((c) => c.is_active)).toBe(true);
    expect((await t.request(`/api/v1/categories/${inactive.id}`, { token: user.token })).status).toBe(404);
    const filtered = await listCategories(user.token, { is_active: "false" });
    expect(filtered.total_count).toBe(0);

    const all = await listCategories(admin.token, { limit: "100" });
    expect(all.data.map((c) => c.id)).toEqual(expect.arrayContaining([active.id, inactive.id]));
  });

  it("cannot create, update or delete a category: the database refuses (42501 -> 403)", async () => {
    const category = await createCategory();
    const attempts = [
      t.request("/api/v1/categories", { method: "POST", token: user.token, json: { name: "Mine", slug: "mine" } }),
      t.request(`/api/v1/categories/${category.id}`, { method: "PATCH", token: user.token, json: { name: "pwned" } }),
      t.request(`/api/v1/categories/${category.id}`, { method: "DELETE", token: user.token }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect((await readError(response)).error.code).toBe("forbidden");
    }
    const still = await t.request(`/api/v1/categories/${category.id}`, { token: user.token });
    expect(await still.json()).toEqual(category);
  });

  it("filters, sorts and pages", async () => {
    const a = await createCategory({ name: "Filter alpha", slug: "filter-alpha" });
    const b = await createCategory({ name: "Filter beta", slug: "filter-beta" });
    const page = await listCategories(user.token, { name__startswith: "Filter", sort: "-name" });
    expect(page.data.map((c) => c.id)).toEqual([b.id, a.id]);
    const bySlug = await listCategories(user.token, { slug: "filter-alpha" });
    expect(bySlug.data.map((c) => c.id)).toEqual([a.id]);
    const bad = await t.request("/api/v1/categories?description=x", { token: user.token });
    expect(bad.status).toBe(422);
    expect((await readError(bad)).error.details?.[0]).toMatchObject({
      field: "description",
      location: "query",
    });
  });

  it("requires a token", async () => {
    expect((await t.request("/api/v1/categories")).status).toBe(401);
  });
});
