import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, users } from "../../db/schema";
import { hashSecret } from "../lib/credentials/secrets";
import type { Permission } from "../lib/permissions";
import { ok, readError, startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const createKey = async (token: string, json: { name: string; permissions: Permission[] }) => {
  return ok(await t.api(token)["api-keys"].$post({ json }), 201);
};
const withKey = (key: string, path: string, init: RequestInit & { json?: unknown } = {}, header = "x-api-key") =>
  t.request(path, {
    ...init,
    headers: { [header]: header === "authorization" ? `Bearer ${key}` : key, ...(init.headers ?? {}) },
  });

describe("API keys", () => {
  it("are created with the secret shown once; only its hash is stored", async () => {
    const alice = await t.signUp();
    const key = await createKey(alice.token, { name: "ci", permissions: ["items:write", "items:read"] });
    expect(key.key).toMatch(/^rlsk_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ name: "ci", owner_id: alice.id, permissions: ["items:read", "items:write"] });
    expect(key).not.toHaveProperty("key_hash");

    const other = await createKey(alice.token, { name: "reader", permissions: ["posts:read"] });
    const keys = t.api(alice.token)["api-keys"];
    const read = await ok(await keys[":id"].$get({ param: { id: key.id } }), 200);
    expect(read).not.toHaveProperty("key");
    expect(read).not.toHaveProperty("key_hash");
    // Read back with their own permissions, each key its own, one by one and in a list.
    expect(read.permissions).toEqual(["items:read", "items:write"]);
    const list = await ok(await keys.$get({ query: {} }), 200);
    expect(list.data.map((k) => [k.id, k.permissions])).toEqual([
      [other.id, ["posts:read"]],
      [key.id, ["items:read", "items:write"]],
    ]);
    expect(list.data[0]).not.toHaveProperty("key");

    const [stored] = await t.asOwner((tx) => tx.select().from(apiKeys).where(eq(apiKeys.id, key.id)));
    const secret = key.key.slice(`rlsk_${key.prefix}_`.length);
    expect(stored?.key_hash).toBe(await hashSecret(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it("authenticate as their owner, under RLS, by X-API-Key or Authorization: Bearer", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    await t.request("/api/v1/items", { method: "POST", token: alice.token, json: { title: "alice's" } });
    await t.request("/api/v1/items", { method: "POST", token: bob.token, json: { title: "bob's" } });
    const key = await createKey(alice.token, { name: "reader", permissions: ["items:read"] });
    const viaHeader: Record<string, string>[] = [{ "x-api-key": key.key }, { authorization: `Bearer ${key.key}` }];
    for (const headers of viaHeader) {
      const page = await ok(await t.api(undefined, headers).items.$get({ query: {} }), 200);
      expect(page.data.map((item) => item.title)).toEqual(["alice's"]);
    }
  });

  it("are refused (403) outside their permissions", async () => {
    const alice = await t.signUp();
    const reader = await createKey(alice.token, { name: "reader", permissions: ["items:read"] });
    const create = await withKey(reader.key, "/api/v1/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x" }),
    });
    expect(create.status).toBe(403);
    expect((await withKey(reader.key, "/api/v1/users/me")).status).toBe(403);

    const writer = await createKey(alice.token, { name: "writer", permissions: ["items:write"] });
    const created = await withKey(writer.key, "/api/v1/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "by key" }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ owner_id: alice.id, title: "by key" });

    const none = await createKey(alice.token, { name: "nothing", permissions: [] });
    expect((await withKey(none.key, "/api/v1/items")).status).toBe(403);
  });

  it("cannot manage keys: that takes the user's own token", async () => {
    const alice = await t.signUp();
    const key = await createKey(alice.token, { name: "all", permissions: ["items:read", "users:read"] });
    expect((await withKey(key.key, "/api/v1/api-keys")).status).toBe(403);
    const mint = await withKey(key.key, "/api/v1/api-keys", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "escalate", permissions: ["items:write"] }),
    });
    expect(mint.status).toBe(403);
  });

  it("answer 401 when revoked, expired, unknown or with a wrong secret", async () => {
    const alice = await t.signUp();
    const revoked = await createKey(alice.token, { name: "r", permissions: ["items:read"] });
    expect((await withKey(revoked.key, "/api/v1/items")).status).toBe(200);
    expect((await t.request(`/api/v1/api-keys/${revoked.id}`, { method: "DELETE", token: alice.token })).status).toBe(
      204,
    );
    expect((await t.request(`/api/v1/api-keys/${revoked.id}`, { method: "DELETE", token: alice.token })).status).toBe(
      404,
    );
    const refused = await withKey(revoked.key, "/api/v1/items");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');

    const expired = await createKey(alice.token, { name: "e", permissions: ["items:read"] });
    await t.asOwner((tx) =>
      tx
        .update(apiKeys)
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where(eq(apiKeys.id, expired.id)),
    );
    expect((await withKey(expired.key, "/api/v1/items")).status).toBe(401);

    const good = await createKey(alice.token, { name: "g", permissions: ["items:read"] });
    const wrongSecret = `${good.key.slice(0, -4)}AAAA`;
    expect((await withKey(wrongSecret, "/api/v1/items")).status).toBe(401);
    expect(
      (await withKey("rlsk_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/api/v1/items")).status,
    ).toBe(401);
    expect((await withKey("not-a-key", "/api/v1/items")).status).toBe(401);
  });

  it("stop working when their owner is deactivated", async () => {
    const alice = await t.signUp();
    const key = await createKey(alice.token, { name: "k", permissions: ["items:read"] });
    await t.asOwner((tx) => tx.update(users).set({ is_active: false }).where(eq(users.id, alice.id)));
    expect((await withKey(key.key, "/api/v1/items")).status).toBe(403);
  });

  it("record their usage after the response, readable by the owner only", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const key = await createKey(alice.token, { name: "u", permissions: ["items:read"] });
    await withKey(key.key, "/api/v1/items");
    await withKey(key.key, "/api/v1/items/00000000-0000-4000-8000-000000000000");
    const usage = async (token: string) =>
      t.api(token)["api-keys"][":id"].usage.$get({ param: { id: key.id }, query: {} });
    await expect.poll(async () => (await ok(await usage(alice.token), 200)).data.length).toBe(2);
    const records = (await ok(await usage(alice.token), 200)).data;
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: "GET", path: "/api/v1/items", status: 200 }),
        expect.objectContaining({ status: 404 }),
      ]),
    );
    const read = await ok(await t.api(alice.token)["api-keys"][":id"].$get({ param: { id: key.id } }), 200);
    expect(read.last_used_at).not.toBeNull();
    expect((await usage(bob.token)).status).toBe(404);
  });

  it("belong to their owner: another user can neither see nor revoke them", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const key = await createKey(alice.token, { name: "mine", permissions: ["items:read"] });
    const list = await ok(await t.api(bob.token)["api-keys"].$get({ query: {} }), 200);
    expect(list.data).toEqual([]);
    expect((await t.request(`/api/v1/api-keys/${key.id}`, { token: bob.token })).status).toBe(404);
    expect((await t.request(`/api/v1/api-keys/${key.id}`, { method: "DELETE", token: bob.token })).status).toBe(404);
    expect((await withKey(key.key, "/api/v1/items")).status).toBe(200);
  });

  it("validate their input, naming the field", async () => {
    const alice = await t.signUp();
    for (const [json, field] of [
      [{ name: "x", permissions: ["items:admin"] }, "permissions.0"],
      [{ name: "", permissions: [] }, "name"],
      [{ name: "x", permissions: ["items:read", "items:read"] }, "permissions"],
      [{ name: "x", permissions: [], expires_at: "2000-01-01T00:00:00Z" }, "expires_at"],
      [{ name: "x" }, "permissions"],
    ] as const) {
      const response = await t.request("/api/v1/api-keys", { method: "POST", token: alice.token, json });
      expect(response.status, JSON.stringify(json)).toBe(422);
      expect((await readError(response)).error.details?.map((d) => d.field)).toContain(field);
    }
  });
});

describe("API key tables under RLS (SQL layer)", () => {
  it("another user can neither read nor write a user's keys, permissions or usage", async () => {
    const { keyPermissions, keyUsage } = await import("../../db/schema");
    const { findPgError } = await import("../lib/pg-errors");
    const alice = await t.signUp();
    const bob = await t.signUp();
    const key = await createKey(alice.token, { name: "k", permissions: ["items:read"] });
    await withKey(key.key, "/api/v1/items");
    await expect.poll(() => t.asOwner(async (tx) => (await tx.select().from(keyUsage)).length)).toBeGreaterThan(0);

    const seen = await t.asUser(bob.id, async (tx) => ({
      keys: await tx.select().from(apiKeys),
      permissions: await tx.select().from(keyPermissions),
      usage: await tx.select().from(keyUsage),
    }));
    expect(seen).toEqual({ keys: [], permissions: [], usage: [] });

    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => "no error",
        (e) => findPgError(e)?.code,
      );
    // a permission on alice's key, owned by bob: the composite FK (api_key_id, owner_id) refuses it
    expect(
      await code(
        t.asUser(bob.id, (tx) => tx.insert(keyPermissions).values({ api_key_id: key.id, permission: "items:write" })),
      ),
    ).toBe("23503");
    // ... and one owned by alice: RLS refuses it
    expect(
      await code(
        t.asUser(bob.id, (tx) =>
          tx.insert(keyPermissions).values({ api_key_id: key.id, owner_id: alice.id, permission: "items:write" }),
        ),
      ),
    ).toBe("42501");
    // nobody writes usage but app_auth.record_key_use
    expect(
      await code(
        t.asUser(alice.id, (tx) =>
          tx.insert(keyUsage).values({ api_key_id: key.id, method: "GET", path: "/forged", status: 200 }),
        ),
      ),
    ).toBe("42501");
    const updated = await t.asUser(bob.id, (tx) =>
      tx.update(apiKeys).set({ revoked_at: new Date() }).where(eq(apiKeys.id, key.id)).returning(),
    );
    expect(updated).toEqual([]);
    const usageRows = await t.asOwner((tx) =>
      tx.execute(sql`select count(*)::int as n from key_usage where path = '/forged'`),
    );
    expect((usageRows as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });
});
