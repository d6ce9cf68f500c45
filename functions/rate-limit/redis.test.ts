import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runner } from "../../db/runner/runner";
import { items, rateLimitCounters, rateLimits, tiers, users } from "../../db/schema";
import { createApp } from "../app";
import { redisStore } from "../lib/rate-limits/redis";
import { storeLimiter } from "../lib/rate-limits/store-limiter";
import { openTestDatabase, startTestApp, type TestApp, testEnv } from "../testing/harness";

// What counting in Redis adds to the shared behaviour (rate-limit.test.ts): the database is never written to
// count, a write over the limit writes nothing even under concurrency, and a Redis that cannot be reached
// answers 503, never a request let through uncounted. Runs where a Redis server is at TEST_REDIS_URL (CI).
const redisUrl = process.env.TEST_REDIS_URL;

describe.runIf(redisUrl)("rate limits in Redis", () => {
  const counters = redisStore(redisUrl as string);
  let t: TestApp;
  let tierId: string;

  beforeAll(async () => {
    t = await startTestApp({}, { rateLimiter: storeLimiter(counters, { rulesTtlMs: 0 }) });
    const [tier] = await t.asOwner((tx) =>
      tx.insert(tiers).values({ name: "test", is_default: true }).returning({ id: tiers.id }),
    );
    tierId = tier?.id as string;
  });
  afterAll(async () => {
    await t.close();
    await counters.close();
  });

  const limit = (path: string, max: number) =>
    t.asOwner((tx) => tx.insert(rateLimits).values({ tier_id: tierId, name: path, path, limit: max, period: 86_400 }));

  it("count atomically: 200 concurrent hits on one key get the counts 1 to 200", async () => {
    const key = `rl:test:${randomUUID()}`;
    const hits = await Promise.all(Array.from({ length: 200 }, () => counters.hit(key, 3600)));
    expect(hits.map((hit) => hit.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(hits.map((hit) => hit.resetAt.getTime())).size).toBe(1);
  });

  it("let exactly `limit` of 30 concurrent writes through, and write nothing for the other 20", async () => {
    await limit("/api/v1/items", 10);
    const alice = await t.signUp();
    const statuses = (
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          t.request("/api/v1/items", { method: "POST", token: alice.token, json: { title: `item ${i}` } }),
        ),
      )
    ).map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
    expect(await t.asOwner((tx) => tx.select().from(items))).toHaveLength(10);
  });

  it("write nothing in the database to count, and answer a read over the limit 429 without its rows", async () => {
    await limit("/api/v1/categories", 2);
    const alice = await t.signUp();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.request("/api/v1/categories", { token: alice.token })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const over = await t.request("/api/v1/categories", { token: alice.token });
    expect(await over.json()).toEqual({ error: expect.objectContaining({ code: "rate_limited" }) });
    expect(await t.asOwner((tx) => tx.select().from(rateLimitCounters))).toEqual([]);
  });

  it("refuse a read over its limit before its transaction runs, once its window is known to be over", async () => {
    const database = await openTestDatabase();
    try {
      const runner = database.runner();
      let transactions = 0;
      const counting: Runner = {
        ...runner,
        batch: (...args) => {
          transactions++;
          return runner.batch(...args);
        },
      };
      const app = createApp({ openDatabase: () => counting, rateLimiter: storeLimiter(counters, { rulesTtlMs: 0 }) });
      const call = (init: RequestInit = {}) => app.request("/api/v1/categories", init, testEnv);
      const [tier] = await database.asOwner((tx) =>
        tx.insert(tiers).values({ name: "over", is_default: true }).returning({ id: tiers.id }),
      );
      await database.asOwner((tx) =>
        tx.insert(rateLimits).values({
          tier_id: tier?.id as string,
          name: "c",
          path: "/api/v1/categories",
          limit: 2,
          period: 86_400,
        }),
      );
      const json = { email: `over-${randomUUID().slice(0, 8)}@example.com`, password: "a fine password" };
      const post = (path: string) =>
        app.request(
          `/api/v1/auth/${path}`,
          { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) },
          testEnv,
        );
      expect((await post("register")).status).toBe(201);
      const { access_token: token } = (await (await post("login")).json()) as { access_token: string };
      const headers = { authorization: `Bearer ${token}` };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call({ headers })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const before = transactions;
      for (let i = 0; i < 10; i++) expect((await call({ headers })).status).toBe(429);
      expect(transactions - before, "transactions run for reads already over the limit").toBe(0);
    } finally {
      await database.close();
    }
  });

  it("answer 503 when Redis cannot be reached, and write nothing", async () => {
    const away = redisStore("redis://127.0.0.1:1", { timeoutMs: 300 });
    const cut = await startTestApp({}, { rateLimiter: storeLimiter(away, { rulesTtlMs: 0 }) });
    try {
      const [tier] = await cut.asOwner((tx) =>
        tx.insert(tiers).values({ name: "t", is_default: true }).returning({ id: tiers.id }),
      );
      await cut.asOwner((tx) =>
        tx
          .insert(rateLimits)
          .values({ tier_id: tier?.id as string, name: "all", path: "/api/v1/*", limit: 100, period: 60 }),
      );
      const response = await cut.request("/api/v1/auth/register", {
        method: "POST",
        json: { email: "cut@example.com", password: "a fine password" },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await cut.asOwner((tx) => tx.select().from(users))).toEqual([]);
    } finally {
      await cut.close();
      await away.close();
    }
  });
});
