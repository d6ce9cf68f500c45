import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { keyUsage, rateLimitCounters, rateLimits, tiers, users } from "../../db/schema";
import type { RateLimiter } from "../lib/rate-limits/limiter";
import { redisStore } from "../lib/rate-limits/redis";
import { storeLimiter } from "../lib/rate-limits/store-limiter";
import { startTestApp, type TestApp } from "../testing/harness";

// The same behaviour wherever hits are counted: in the database (the default), and in Redis when a server is at
// TEST_REDIS_URL (CI starts one). With Redis the rules are read again for every request here (a TTL of 0), so
// a change applies at once, as in the database.
const redisUrl = process.env.TEST_REDIS_URL;
const stores: { store: string; limiter?: () => { limiter: RateLimiter; close(): Promise<void> } }[] = [
  { store: "Postgres" },
  ...(redisUrl
    ? [
        {
          store: "Redis",
          limiter: () => {
            const counters = redisStore(redisUrl);
            return { limiter: storeLimiter(counters, { rulesTtlMs: 0 }), close: counters.close };
          },
        },
      ]
    : []),
];

describe.each(stores)("counted in $store", ({ store, limiter }) => {
  let t: TestApp;
  let closeStore: (() => Promise<void>) | undefined;
  let tierId: string;

  beforeAll(async () => {
    const made = limiter?.();
    t = await startTestApp({}, { rateLimiter: made?.limiter });
    closeStore = made?.close;
    const [tier] = await t.asOwner((tx) =>
      tx.insert(tiers).values({ name: "test", is_default: true }).returning({ id: tiers.id }),
    );
    tierId = tier?.id as string;
  });
  afterAll(async () => {
    await t.close();
    await closeStore?.();
  });
  beforeEach(() =>
    t.asOwner(async (tx) => {
      await tx.delete(rateLimits);
      await tx.delete(rateLimitCounters);
    }),
  );

  // A day-long window: a fixed window that ended halfway through a test would reset its counts (and make the
  // test flaky); with a day, that needs the test to straddle midnight UTC.
  const limit = (path: string, max: number, period = 86_400) =>
    t.asOwner((tx) => tx.insert(rateLimits).values({ tier_id: tierId, name: path, path, limit: max, period }));

  describe("rate limits", () => {
    it("let exactly `limit` of 50 concurrent requests through, and answer the rest 429 with Retry-After", async () => {
      await limit("/api/v1/items", 10);
      const alice = await t.signUp();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => t.request("/api/v1/items", { token: alice.token })),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(40);
      for (const response of responses) {
        expect(response.headers.get("x-ratelimit-limit")).toBe("10");
        expect(Number(response.headers.get("x-ratelimit-reset"))).toBeLessThanOrEqual(86_400);
      }
      const limited = responses.find((response) => response.status === 429);
      expect(limited?.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await limited?.json()).toMatchObject({ error: { code: "rate_limited" } });
      const remaining = responses
        .filter((response) => response.status === 200)
        .map((response) => Number(response.headers.get("x-ratelimit-remaining")))
        .sort((a, b) => a - b);
      expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it("count per user, per route pattern, with the longest matching rule", async () => {
      await limit("/api/v1/items", 2);
      await limit("/api/v1/items/:id", 1);
      await limit("/api/v1/*", 100);
      const alice = await t.signUp();
      const bob = await t.signUp();
      const status = async (path: string, token: string) => (await t.request(path, { token })).status;
      expect([await status("/api/v1/items", alice.token), await status("/api/v1/items", alice.token)]).toEqual([
        200, 200,
      ]);
      expect(await status("/api/v1/items", alice.token)).toBe(429);
      expect(await status("/api/v1/items", bob.token)).toBe(200);
      const id = "00000000-0000-4000-8000-000000000000";
      expect(await status(`/api/v1/items/${id}`, alice.token)).toBe(404);
      expect(await status(`/api/v1/items/${id}`, alice.token)).toBe(429);
      const me = await t.request("/api/v1/users/me", { token: alice.token });
      expect(me.headers.get("x-ratelimit-limit")).toBe("100");
    });

    it("key anonymous requests by client IP", async () => {
      await limit("/api/v1/auth/login", 2);
      const login = (ip: string) =>
        t.request("/api/v1/auth/login", {
          method: "POST",
          json: { email: "nobody@example.com", password: "x" },
          headers: { "cf-connecting-ip": ip },
        });
      expect([(await login("10.0.0.1")).status, (await login("10.0.0.1")).status]).toEqual([401, 401]);
      expect((await login("10.0.0.1")).status).toBe(429);
      expect((await login("10.0.0.2")).status).toBe(401);
    });

    it("count every API key of a user against the user's one allowance: five keys buy nothing more", async () => {
      await limit("/api/v1/items", 10);
      const alice = await t.signUp();
      const keys: string[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await t.request("/api/v1/api-keys", {
          method: "POST",
          token: alice.token,
          json: { name: `k${i}`, permissions: ["items:read", "items:write"] },
        });
        keys.push(((await created.json()) as { key: string }).key);
      }
      // 60 requests, ten through each key and ten with the token, reads and writes: the tier allows 10.
      const statuses: number[] = [];
      for (let round = 0; round < 10; round++) {
        for (const key of keys) {
          const write = round % 2 === 0;
          const response = await t.request("/api/v1/items", {
            method: write ? "POST" : "GET",
            headers: { "x-api-key": key },
            ...(write ? { json: { title: "keyed" } } : {}),
          });
          statuses.push(response.status);
        }
        statuses.push((await t.request("/api/v1/items", { token: alice.token })).status);
      }
      expect(statuses.filter((status) => status < 300)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(50);
      // Another user's allowance is its own.
      const bob = await t.signUp();
      expect((await t.request("/api/v1/items", { token: bob.token })).status).toBe(200);
    });

    it("apply a change to the limits on the next request, and follow a user's tier", async () => {
      await limit("/api/v1/items", 1);
      const alice = await t.signUp();
      expect((await t.request("/api/v1/items", { token: alice.token })).status).toBe(200);
      expect((await t.request("/api/v1/items", { token: alice.token })).status).toBe(429);
      await t.asOwner((tx) => tx.update(rateLimits).set({ limit: 5 }).where(eq(rateLimits.path, "/api/v1/items")));
      expect((await t.request("/api/v1/items", { token: alice.token })).status).toBe(200);

      const [pro] = await t.asOwner((tx) => tx.insert(tiers).values({ name: "pro" }).returning({ id: tiers.id }));
      await t.asOwner(async (tx) => {
        await tx
          .insert(rateLimits)
          .values({ tier_id: pro?.id as string, name: "pro", path: "/api/v1/*", limit: 1000, period: 86_400 });
        await tx.update(users).set({ tier_id: pro?.id }).where(eq(users.id, alice.id));
      });
      const response = await t.request("/api/v1/items", { token: alice.token });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-ratelimit-limit")).toBe("1000");
    });

    it("stop applying a soft-deleted rule at once, and give a deleted tier's users the default tier's limits", async () => {
      await limit("/api/v1/items", 1);
      const alice = await t.signUp();
      await t.request("/api/v1/items", { token: alice.token });
      expect((await t.request("/api/v1/items", { token: alice.token })).status).toBe(429);
      await t.asOwner((tx) =>
        tx.update(rateLimits).set({ deleted_at: new Date() }).where(eq(rateLimits.path, "/api/v1/items")),
      );
      expect((await t.request("/api/v1/items", { token: alice.token })).status).toBe(200);

      const [gold] = await t.asOwner((tx) => tx.insert(tiers).values({ name: "gold" }).returning({ id: tiers.id }));
      await t.asOwner(async (tx) => {
        await tx
          .insert(rateLimits)
          .values({ tier_id: gold?.id as string, name: "gold", path: "/api/v1/*", limit: 500, period: 86_400 });
        await tx.update(users).set({ tier_id: gold?.id }).where(eq(users.id, alice.id));
      });
      await limit("/api/v1/*", 7);
      expect((await t.request("/api/v1/items", { token: alice.token })).headers.get("x-ratelimit-limit")).toBe("500");
      await t.asOwner((tx) =>
        tx
          .update(tiers)
          .set({ deleted_at: new Date() })
          .where(eq(tiers.id, gold?.id as string)),
      );
      expect((await t.request("/api/v1/items", { token: alice.token })).headers.get("x-ratelimit-limit")).toBe("7");
    });

    it("leave routes without a rule unlimited and unknown routes uncounted", async () => {
      const alice = await t.signUp();
      const response = await t.request("/api/v1/items", { token: alice.token });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-ratelimit-limit")).toBeNull();
      await limit("/api/v1/*", 1);
      expect((await t.request("/api/v1/nope", { token: alice.token })).status).toBe(404);
      expect((await t.request("/api/v1/nope", { token: alice.token })).status).toBe(404);
    });
  });

  describe("failed requests", () => {
    // The hit is counted in the request's own transaction; when that rolls back (a conflict) or the request
    // never reaches the database (a validation error, no credentials), it is counted on the way out.
    it("count too: a 422 and a malformed body each use up the caller's limit", async () => {
      await limit("/api/v1/api-keys", 3);
      const alice = await t.signUp();
      const create = (body: unknown) =>
        t.request("/api/v1/api-keys", { method: "POST", token: alice.token, json: body });
      expect((await create({ name: "x", permissions: ["nope:read"] })).status).toBe(422);
      const malformed = await t.request("/api/v1/api-keys", {
        method: "POST",
        token: alice.token,
        headers: { "content-type": "application/json" },
        body: "{",
      });
      expect(malformed.status).toBe(400);
      expect((await create({ name: "ok", permissions: ["items:read"] })).status).toBe(201);
      const over = await create({ name: "late", permissions: ["items:read"] });
      expect(over.status).toBe(429);
      expect(over.headers.get("retry-after")).toMatch(/^\d+$/);
      if (store === "Postgres") {
        expect(await t.asOwner((tx) => tx.select().from(rateLimitCounters))).toMatchObject([{ count: 3 }]);
      }
    });

    it("count an inactive user's refused requests too", async () => {
      await limit("/api/v1/items", 2);
      const alice = await t.signUp();
      await t.asOwner((tx) => tx.update(users).set({ is_active: false }).where(eq(users.id, alice.id)));
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await t.request("/api/v1/items", { token: alice.token })).status);
      expect(statuses).toEqual([403, 403, 429]);
    });

    it("count a request whose transaction rolled back, and answer 429 past the limit, not its error", async () => {
      await limit("/api/v1/categories", 2);
      const alice = await t.signUp();
      // rls_app_user may not write categories: Postgres refuses (403) and the transaction rolls back.
      const write = () =>
        t.request("/api/v1/categories", { method: "POST", token: alice.token, json: { name: "n", slug: "n" } });
      const refused = await write();
      expect(refused.status).toBe(403);
      // A refused request still says where the caller stands.
      expect(refused.headers.get("x-ratelimit-limit")).toBe("2");
      expect(refused.headers.get("x-ratelimit-remaining")).toBe("1");
      expect((await write()).status).toBe(403);
      expect((await write()).status).toBe(429);
    });

    it("record an API key's use of a write that failed after its hit was counted", async () => {
      await limit("/api/v1/posts", 10);
      const alice = await t.signUp();
      const created = await t.request("/api/v1/api-keys", {
        method: "POST",
        token: alice.token,
        json: { name: "k", permissions: ["posts:write"] },
      });
      const { id, key } = (await created.json()) as { id: string; key: string };
      const post = { title: "Once", content: "text", slug: `once-${id.slice(0, 8)}` };
      const write = (json: unknown) =>
        t.request("/api/v1/posts", { method: "POST", headers: { "x-api-key": key }, json });
      expect((await write(post)).status).toBe(201);
      // The same slug again: refused inside the transaction (409), after the hit was counted.
      const again = await write({ ...post, title: "Twice" });
      expect(again.status).toBe(409);
      expect(again.headers.get("x-ratelimit-remaining")).toBe("8");
      const statuses = () =>
        t.asOwner(async (tx) =>
          (await tx.select({ status: keyUsage.status }).from(keyUsage).where(eq(keyUsage.api_key_id, id)))
            .map((row) => row.status)
            .sort(),
        );
      await expect.poll(statuses).toEqual([201, 409]);
    });

    it("count sign-in attempts per address whatever credentials come along: a key or token of one's own buys none", async () => {
      await limit("/api/v1/auth/login", 3);
      await limit("/api/v1/auth/register", 2);
      const alice = await t.signUp();
      const created = await t.request("/api/v1/api-keys", {
        method: "POST",
        token: alice.token,
        json: { name: "none", permissions: ["items:read"] },
      });
      const { key } = (await created.json()) as { key: string };
      const ip = "10.9.0.1";
      const login = (headers: Record<string, string>) =>
        t.request("/api/v1/auth/login", {
          method: "POST",
          json: { email: alice.email, password: "wrong password" },
          headers: { "cf-connecting-ip": ip, ...headers },
        });
      const statuses = [
        (await login({ "x-api-key": key })).status,
        (await login({ authorization: `Bearer ${alice.token}` })).status,
        (await login({})).status,
        (await login({ "x-api-key": key })).status,
        (await login({ authorization: `Bearer ${alice.token}` })).status,
      ];
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const register = (n: number) =>
        t.request("/api/v1/auth/register", {
          method: "POST",
          json: { email: `reg-${n}-${alice.email}`, password: "a fine password" },
          headers: { "cf-connecting-ip": ip, authorization: `Bearer ${alice.token}` },
        });
      expect([(await register(1)).status, (await register(2)).status, (await register(3)).status]).toEqual([
        201, 201, 429,
      ]);
    });

    it("count requests with made-up keys or tokens against the client's address", async () => {
      await limit("/api/v1/items", 3);
      const ip = "10.9.0.2";
      // Well-formed (they reach the database), but no such key exists.
      const made = (i: number) => `rlsk_abcdefghjkm${i + 2}_${"s".repeat(43)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          (await t.request("/api/v1/items", { headers: { "x-api-key": made(i), "cf-connecting-ip": ip } })).status,
        );
      }
      statuses.push(
        (await t.request("/api/v1/items", { token: "not.a.token", headers: { "cf-connecting-ip": ip } })).status,
      );
      statuses.push((await t.request("/api/v1/items", { headers: { "cf-connecting-ip": ip } })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // Another address is not held back by them.
      expect((await t.request("/api/v1/items", { headers: { "cf-connecting-ip": "10.9.0.3" } })).status).toBe(401);
    });
  });
});
