import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type Tx } from "../../db/client";
import { rateLimits, tiers, users } from "../../db/schema";
import { findPgError } from "../lib/pg-errors";
import { startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let admin: Awaited<ReturnType<TestApp["signUp"]>>;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.signUp({ superuser: true });
});
afterAll(() => t.close());

type Tier = { id: string; name: string; is_default: boolean };
type RateLimit = { id: string; tier_id: string; path: string; limit: number };
type ErrorBody = { error: { code: string; message: string; details?: { field: string }[] } };

const call = (method: string, path: string, options: { token?: string; json?: unknown } = {}) =>
  t.request(`/api/v1/admin${path}`, { method, token: options.token ?? admin.token, json: options.json });

async function expectStatus<T = ErrorBody>(response: Response | Promise<Response>, status: number): Promise<T> {
  const settled = await response;
  const text = await settled.text();
  expect(settled.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

const createTier = (name: string, extra: object = {}) =>
  expectStatus<Tier>(call("POST", "/tiers", { json: { name, ...extra } }), 201);

const defaultTiers = () => t.asOwner((tx) => tx.select({ id: tiers.id }).from(tiers).where(eq(tiers.is_default, true)));

describe("admin: who may call it", () => {
  const id = "00000000-0000-4000-8000-000000000000";
  const routes: [string, string, unknown?][] = [
    ["GET", "/tiers"],
    ["POST", "/tiers", { name: "nope" }],
    ["GET", `/tiers/${id}`],
    ["PATCH", `/tiers/${id}`, { name: "nope" }],
    ["DELETE", `/tiers/${id}`],
    ["GET", `/tiers/${id}/rate-limits`],
    ["POST", `/tiers/${id}/rate-limits`, { name: "n", path: "/x", limit: 1, period: 1 }],
    ["PATCH", `/rate-limits/${id}`, { limit: 5 }],
    ["DELETE", `/rate-limits/${id}`],
    ["POST", `/tiers/${id}/restore`],
    ["DELETE", `/tiers/${id}/purge`],
    ["POST", `/rate-limits/${id}/restore`],
    ["DELETE", `/rate-limits/${id}/purge`],
    ["GET", "/users"],
    ["PATCH", `/users/${id}`, { is_active: false }],
    ["POST", "/maintenance/run"],
  ];

  it("answers 403 to a signed-in user who is not a superuser, on every route", async () => {
    const user = await t.signUp();
    for (const [method, path, json] of routes) {
      const body = await expectStatus(call(method, path, { token: user.token, json }), 403);
      expect(body.error.code, `${method} ${path}`).toBe("forbidden");
    }
  });

  it("answers 401 without a token, and 403 to a superuser's API key (tokens only)", async () => {
    for (const [method, path, json] of routes) {
      const response = await t.request(`/api/v1/admin${path}`, { method, json });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
    const { key } = await expectStatus<{ key: string }>(
      t.request("/api/v1/api-keys", { method: "POST", token: admin.token, json: { name: "k", permissions: [] } }),
      201,
    );
    const keyed = await t.request("/api/v1/admin/tiers", { headers: { "x-api-key": key } });
    expect(keyed.status).toBe(403);
  });

  it("is refused by the database too: a user's role may not write tiers, rate limits or its own flags", async () => {
    const user = await t.signUp();
    const [tier] = await t.asOwner((tx) => tx.insert(tiers).values({ name: "sql layer" }).returning());
    const refused = async (write: (tx: Tx) => Promise<unknown>) => {
      const error = await t.asUser(user.id, write).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(findPgError(error)?.code).toBe("42501");
    };
    await refused((tx) => tx.insert(tiers).values({ name: "mine" }));
    await refused((tx) => tx.update(tiers).set({ is_default: true }));
    await refused((tx) => tx.delete(tiers));
    await refused((tx) =>
      tx.insert(rateLimits).values({ tier_id: tier?.id as string, name: "x", path: "/x", limit: 1, period: 1 }),
    );
    await refused((tx) => tx.update(rateLimits).set({ limit: 1_000_000 }));
    await refused((tx) => tx.update(users).set({ is_superuser: true }).where(eq(users.id, user.id)));
    await refused((tx) => tx.update(users).set({ tier_id: tier?.id }).where(eq(users.id, user.id)));
    // The superuser's role may: its policies are USING (true).
    const renamed = await t.asUser(admin.id, (tx) =>
      tx
        .update(tiers)
        .set({ name: "renamed by sql" })
        .where(eq(tiers.id, tier?.id as string))
        .returning(),
    );
    expect(renamed).toHaveLength(1);
  });
});

describe("admin: tiers", () => {
  it("creates, reads, lists with filters, renames and deletes a tier", async () => {
    const tier = await createTier("silver", { description: "more" });
    expect(tier).toMatchObject({ name: "silver", description: "more", is_default: false });
    expect(await expectStatus(call("GET", `/tiers/${tier.id}`), 200)).toEqual(tier);
    await createTier("gold");
    const page = await expectStatus<{ data: Tier[]; total_count: number }>(
      call("GET", "/tiers?name__in=gold,silver&sort=-name"),
      200,
    );
    expect(page.data.map((row) => row.name)).toEqual(["silver", "gold"]);
    expect(page.total_count).toBe(2);
    const renamed = await expectStatus<Tier>(call("PATCH", `/tiers/${tier.id}`, { json: { name: "silver+" } }), 200);
    expect(renamed.name).toBe("silver+");
    await expectStatus(call("DELETE", `/tiers/${tier.id}`), 204);
    await expectStatus(call("GET", `/tiers/${tier.id}`), 404);
    await expectStatus(call("DELETE", `/tiers/${tier.id}`), 404);
  });

  it("answers 409 naming `name` for a duplicate name, and 422 for a bad body or filter", async () => {
    await createTier("bronze");
    const duplicate = await expectStatus(call("POST", "/tiers", { json: { name: "bronze" } }), 409);
    expect(duplicate.error.details?.[0]?.field).toBe("name");
    const other = await createTier("copper");
    const renamed = await expectStatus(call("PATCH", `/tiers/${other.id}`, { json: { name: "bronze" } }), 409);
    expect(renamed.error.details?.[0]?.field).toBe("name");
    await expectStatus(call("POST", "/tiers", { json: { name: "" } }), 422);
    await expectStatus(call("POST", "/tiers", { json: { name: "x", id: other.id } }), 422);
    await expectStatus(call("GET", "/tiers?hashed_password=x"), 422);
  });

  it("keeps exactly one default: a new default replaces the old one in the same transaction", async () => {
    const first = await createTier("default one", { is_default: true });
    expect(await defaultTiers()).toEqual([{ id: first.id }]);
    const second = await createTier("default two", { is_default: true });
    expect(await defaultTiers()).toEqual([{ id: second.id }]);
    const back = await expectStatus<Tier>(call("PATCH", `/tiers/${first.id}`, { json: { is_default: true } }), 200);
    expect(back.is_default).toBe(true);
    expect(await defaultTiers()).toEqual([{ id: first.id }]);
    // A failed change leaves the default alone: a duplicate name rolls back the unset of the old default.
    await expectStatus(call("PATCH", `/tiers/${second.id}`, { json: { is_default: true, name: "bronze" } }), 409);
    expect(await defaultTiers()).toEqual([{ id: first.id }]);
  });

  it("refuses to delete or unset the default tier (409), and moves a deleted tier's users to the default", async () => {
    const [current] = await defaultTiers();
    const deleted = await expectStatus(call("DELETE", `/tiers/${current?.id}`), 409);
    expect(deleted.error.message).toMatch(/default tier cannot be deleted/);
    await expectStatus(call("PATCH", `/tiers/${current?.id}`, { json: { is_default: false } }), 409);

    const doomed = await createTier("doomed");
    const user = await t.signUp();
    await expectStatus(call("PATCH", `/users/${user.id}`, { json: { tier_id: doomed.id } }), 200);
    await expectStatus(
      call("POST", `/tiers/${doomed.id}/rate-limits`, {
        json: { name: "all", path: "/api/v1/*", limit: 1, period: 60 },
      }),
      201,
    );
    await expectStatus(call("DELETE", `/tiers/${doomed.id}`), 204);
    const [row] = await t.asOwner((tx) =>
      tx.select({ tier_id: users.tier_id }).from(users).where(eq(users.id, user.id)),
    );
    expect(row?.tier_id).toBe(current?.id);
    // Soft-deleted with it: out of every list and lookup, purged by maintenance later.
    const left = await t.asOwner((tx) => tx.select().from(rateLimits).where(eq(rateLimits.tier_id, doomed.id)));
    expect(left.map((rule) => rule.deleted_at)).toEqual([expect.any(Date)]);
    await expectStatus(call("GET", `/tiers/${doomed.id}/rate-limits`), 404);
    await expectStatus(
      call("POST", `/tiers/${doomed.id}/rate-limits`, {
        json: { name: "late", path: "/api/v1/*", limit: 1, period: 60 },
      }),
      404,
    );
    // Its name is free again.
    expect((await createTier("doomed")).id).not.toBe(doomed.id);
  });
});

describe("admin: restoring and purging tiers and rate limits", () => {
  const rule = (tierId: string, path: string) =>
    expectStatus<RateLimit>(
      call("POST", `/tiers/${tierId}/rate-limits`, { json: { name: path, path, limit: 5, period: 60 } }),
      201,
    );
  const liveRules = (tierId: string) =>
    t.asOwner(async (tx) =>
      (await tx.select().from(rateLimits).where(eq(rateLimits.tier_id, tierId)))
        .filter((row) => row.deleted_at === null)
        .map((row) => row.path)
        .sort(),
    );

  it("restores a tier with the rules deleted along with it, not one deleted before", async () => {
    const tier = await createTier("comeback");
    const kept = await rule(tier.id, "/api/v1/items");
    const earlier = await rule(tier.id, "/api/v1/posts");
    await rule(tier.id, "/api/v1/*");
    await expectStatus(call("DELETE", `/rate-limits/${earlier.id}`), 204);
    await expectStatus(call("DELETE", `/tiers/${tier.id}`), 204);
    expect(await liveRules(tier.id)).toEqual([]);

    const restored = await expectStatus<Tier>(call("POST", `/tiers/${tier.id}/restore`), 200);
    expect(restored).toMatchObject({ id: tier.id, name: "comeback", is_default: false });
    expect(await liveRules(tier.id)).toEqual(["/api/v1/*", "/api/v1/items"]);
    await expectStatus(call("GET", `/tiers/${tier.id}`), 200);
    await expectStatus(call("POST", `/tiers/${tier.id}/restore`), 404);
    // A rule deleted on its own comes back on its own, under its live tier; a second time it is not deleted.
    await expectStatus(call("POST", `/rate-limits/${earlier.id}/restore`), 200);
    await expectStatus(call("POST", `/rate-limits/${kept.id}/restore`), 404);
  });

  it("refuses a restore that would clash (409), one past the retention period, and a rule of a deleted tier (404)", async () => {
    const tier = await createTier("clash");
    const first = await rule(tier.id, "/api/v1/items");
    await expectStatus(call("DELETE", `/rate-limits/${first.id}`), 204);
    await rule(tier.id, "/api/v1/items");
    await expectStatus(call("POST", `/rate-limits/${first.id}/restore`), 409);

    await expectStatus(call("DELETE", `/tiers/${tier.id}`), 204);
    await expectStatus(call("POST", `/rate-limits/${first.id}/restore`), 404);
    const again = await createTier("clash");
    const clash = await expectStatus(call("POST", `/tiers/${tier.id}/restore`), 409);
    expect(clash.error.code).toBe("conflict");
    await expectStatus(call("DELETE", `/tiers/${again.id}`), 204);
    await t.asOwner((tx) =>
      tx.update(tiers).set({ deleted_at: sql`now() - interval '31 days'` }).where(eq(tiers.id, tier.id)),
    );
    await expectStatus(call("POST", `/tiers/${tier.id}/restore`), 404);
  });

  it("purges a tier, live or deleted, with its rules; its users move to the default; never the default", async () => {
    const [current] = await defaultTiers();
    await expectStatus(call("DELETE", `/tiers/${current?.id}/purge`), 409);

    const tier = await createTier("gone");
    await rule(tier.id, "/api/v1/items");
    const user = await t.signUp();
    await expectStatus(call("PATCH", `/users/${user.id}`, { json: { tier_id: tier.id } }), 200);
    await expectStatus(call("DELETE", `/tiers/${tier.id}/purge`), 204);
    const [moved] = await t.asOwner((tx) =>
      tx.select({ tier_id: users.tier_id }).from(users).where(eq(users.id, user.id)),
    );
    expect(moved?.tier_id).toBe(current?.id);
    expect(await t.asOwner((tx) => tx.select().from(rateLimits).where(eq(rateLimits.tier_id, tier.id)))).toEqual([]);
    await expectStatus(call("DELETE", `/tiers/${tier.id}/purge`), 404);
    await expectStatus(call("POST", `/tiers/${tier.id}/restore`), 404);

    const deleted = await createTier("trashed");
    const its = await rule(deleted.id, "/api/v1/posts");
    await expectStatus(call("DELETE", `/tiers/${deleted.id}`), 204);
    await expectStatus(call("DELETE", `/rate-limits/${its.id}/purge`), 204);
    await expectStatus(call("DELETE", `/tiers/${deleted.id}/purge`), 204);
    expect(await t.asOwner((tx) => tx.select().from(tiers).where(eq(tiers.id, deleted.id)))).toEqual([]);
  });
});

describe("admin: rate limits", () => {
  it("adds, lists, changes and deletes a tier's rate limits", async () => {
    const tier = await createTier("limited");
    const rule = await expectStatus<RateLimit>(
      call("POST", `/tiers/${tier.id}/rate-limits`, {
        json: { name: "items", path: "/api/v1/items/:id", limit: 5, period: 60 },
      }),
      201,
    );
    expect(rule).toMatchObject({ tier_id: tier.id, path: "/api/v1/items/:id", limit: 5, period: 60 });
    await expectStatus(
      call("POST", `/tiers/${tier.id}/rate-limits`, {
        json: { name: "all", path: "/api/v1/*", limit: 100, period: 60 },
      }),
      201,
    );
    const page = await expectStatus<{ data: RateLimit[] }>(call("GET", `/tiers/${tier.id}/rate-limits`), 200);
    expect(page.data.map((row) => row.path)).toEqual(["/api/v1/*", "/api/v1/items/:id"]);
    const filtered = await expectStatus<{ data: RateLimit[] }>(
      call("GET", `/tiers/${tier.id}/rate-limits?limit__gt=50`),
      200,
    );
    expect(filtered.data.map((row) => row.path)).toEqual(["/api/v1/*"]);

    const changed = await expectStatus<RateLimit>(
      call("PATCH", `/rate-limits/${rule.id}`, { json: { limit: 7 } }),
      200,
    );
    expect(changed).toMatchObject({ id: rule.id, limit: 7, path: rule.path });
    await expectStatus(call("DELETE", `/rate-limits/${rule.id}`), 204);
    await expectStatus(call("DELETE", `/rate-limits/${rule.id}`), 404);
    await expectStatus(call("PATCH", `/rate-limits/${rule.id}`, { json: { limit: 1 } }), 404);
  });

  it("answers 409 for a second rule on the same path, 422 for a bad rule, 404 for an unknown tier", async () => {
    const tier = await createTier("strict");
    const json = { name: "login", path: "/api/v1/auth/login", limit: 3, period: 60 };
    await expectStatus(call("POST", `/tiers/${tier.id}/rate-limits`, { json }), 201);
    const duplicate = await expectStatus(call("POST", `/tiers/${tier.id}/rate-limits`, { json }), 409);
    expect(duplicate.error.code).toBe("conflict");
    for (const [bad, field] of [
      [{ path: "api/v1/items" }, "path"],
      [{ path: "/api/*/items" }, "path"],
      [{ limit: 0 }, "limit"],
      [{ period: 0 }, "period"],
      [{ period: 3_000_000 }, "period"],
      [{ limit: 1.5 }, "limit"],
    ] as const) {
      const body = await expectStatus(
        call("POST", `/tiers/${tier.id}/rate-limits`, { json: { ...json, ...bad } }),
        422,
      );
      expect(body.error.details?.map((d) => d.field)).toContain(field);
    }
    const unknown = "00000000-0000-4000-8000-000000000000";
    await expectStatus(call("GET", `/tiers/${unknown}/rate-limits`), 404);
    await expectStatus(call("POST", `/tiers/${unknown}/rate-limits`, { json }), 404);
  });

  it("applies a changed limit on the next request", async () => {
    const tier = await createTier("one per minute");
    const user = await t.signUp();
    await expectStatus(call("PATCH", `/users/${user.id}`, { json: { tier_id: tier.id } }), 200);
    const rule = await expectStatus<RateLimit>(
      call("POST", `/tiers/${tier.id}/rate-limits`, {
        // a day-long window, so the window cannot end between the two requests
        json: { name: "me", path: "/api/v1/users/me", limit: 1, period: 86_400 },
      }),
      201,
    );
    const me = () => t.request("/api/v1/users/me", { token: user.token });
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(429);
    await expectStatus(call("PATCH", `/rate-limits/${rule.id}`, { json: { limit: 10 } }), 200);
    const after = await me();
    expect(after.status).toBe(200);
    expect(after.headers.get("x-ratelimit-limit")).toBe("10");
  });
});

describe("admin: users", () => {
  it("lists users with filters on tier_id and is_active", async () => {
    const tier = await createTier("listing");
    const alice = await t.signUp();
    const bob = await t.signUp();
    await expectStatus(call("PATCH", `/users/${alice.id}`, { json: { tier_id: tier.id } }), 200);
    await expectStatus(call("PATCH", `/users/${bob.id}`, { json: { tier_id: tier.id, is_active: false } }), 200);
    const ids = async (query: string) =>
      (await expectStatus<{ data: { id: string }[] }>(call("GET", `/users?${query}`), 200)).data.map((u) => u.id);
    expect((await ids(`tier_id=${tier.id}`)).sort()).toEqual([alice.id, bob.id].sort());
    expect(await ids(`tier_id=${tier.id}&is_active=false`)).toEqual([bob.id]);
    const page = await expectStatus<{ data: Record<string, unknown>[] }>(call("GET", "/users?limit=1"), 200);
    expect(page.data[0]).not.toHaveProperty("hashed_password");
    await expectStatus(call("GET", "/users?hashed_password=x"), 422);
  });

  it("changes a user's name, tier and superuser flag; 404 for an unknown user, 409 for an unknown tier", async () => {
    const tier = await createTier("promoted");
    const user = await t.signUp();
    const changed = await expectStatus<Record<string, unknown>>(
      call("PATCH", `/users/${user.id}`, { json: { full_name: "Ada", tier_id: tier.id, is_superuser: true } }),
      200,
    );
    expect(changed).toMatchObject({ id: user.id, full_name: "Ada", tier_id: tier.id, is_superuser: true });
    expect(changed).not.toHaveProperty("hashed_password");
    // Promoted: the user's next request runs as rls_app_superuser.
    await expectStatus(call("GET", "/tiers", { token: user.token }), 200);
    await expectStatus(call("PATCH", `/users/${user.id}`, { json: { is_superuser: false } }), 200);
    await expectStatus(call("GET", "/tiers", { token: user.token }), 403);

    const unknown = "00000000-0000-4000-8000-000000000000";
    await expectStatus(call("PATCH", `/users/${unknown}`, { json: { full_name: "x" } }), 404);
    const body = await expectStatus(call("PATCH", `/users/${user.id}`, { json: { tier_id: unknown } }), 409);
    expect(body.error.details?.[0]?.field).toBe("tier_id");
    await expectStatus(call("PATCH", `/users/${user.id}`, { json: { email: "x@example.com" } }), 422);
  });

  it("refuses (409) to let a superuser deactivate or demote itself", async () => {
    for (const json of [{ is_active: false }, { is_superuser: false }, { is_active: false, is_superuser: false }]) {
      // Its own id in upper case is still its own id.
      for (const id of [admin.id, admin.id.toUpperCase()]) {
        const body = await expectStatus(call("PATCH", `/users/${id}`, { json }), 409);
        expect(body.error.details?.map((d) => d.field).sort()).toEqual(Object.keys(json).sort());
      }
    }
    const ok = await expectStatus<{ full_name: string }>(
      call("PATCH", `/users/${admin.id}`, { json: { full_name: "Root", is_active: true } }),
      200,
    );
    expect(ok.full_name).toBe("Root");
    await expectStatus(call("GET", "/tiers"), 200);
  });

  it("deactivating a user stops its token and its API keys at once; reactivating restores them", async () => {
    const user = await t.signUp();
    const { key } = await expectStatus<{ key: string }>(
      t.request("/api/v1/api-keys", {
        method: "POST",
        token: user.token,
        json: { name: "k", permissions: ["items:read"] },
      }),
      201,
    );
    const byToken = () => t.request("/api/v1/items", { token: user.token });
    const byKey = () => t.request("/api/v1/items", { headers: { "x-api-key": key } });
    expect([(await byToken()).status, (await byKey()).status]).toEqual([200, 200]);

    await expectStatus(call("PATCH", `/users/${user.id}`, { json: { is_active: false } }), 200);
    const [token, keyed] = [await byToken(), await byKey()];
    expect([token.status, keyed.status]).toEqual([403, 403]);
    expect(((await token.json()) as ErrorBody).error.message).toBe("Inactive user");

    await expectStatus(call("PATCH", `/users/${user.id}`, { json: { is_active: true } }), 200);
    expect([(await byToken()).status, (await byKey()).status]).toEqual([200, 200]);
  });
});

describe("admin: maintenance on demand", () => {
  it("runs the cron's job and returns its summary", async () => {
    const user = await t.signUp();
    await t.asOwner((tx) =>
      tx.execute(sql`insert into items (owner_id, title, deleted_at)
        values (${user.id}::uuid, 'old', now() - interval '400 days'), (${user.id}::uuid, 'alive', null)`),
    );
    const summary = await expectStatus<{
      purged: { table: string; deleted: number }[];
      keyUsagePruned: { deleted: number };
      countersPruned: { deleted: number };
    }>(call("POST", "/maintenance/run"), 200);
    expect(summary.purged).toContainEqual(expect.objectContaining({ table: "items", deleted: 1, complete: true }));
    expect(summary.keyUsagePruned).toMatchObject({ table: "key_usage", complete: true });
    expect(summary.countersPruned).toMatchObject({ table: "rate_limit_counters", complete: true });
    const left = await t.asOwner(async (tx) =>
      rowsOf<{ title: string }>(await tx.execute(sql`select title from items where owner_id = ${user.id}::uuid`)),
    );
    expect(left).toEqual([{ title: "alive" }]);
    const again = await expectStatus<{ purged: { deleted: number }[] }>(call("POST", "/maintenance/run"), 200);
    expect(again.purged.every((run) => run.deleted === 0)).toBe(true);
  });
});
