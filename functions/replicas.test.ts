import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodeDatabase } from "../db/node";
import type { ReplicaStats } from "../db/runner/replicas";
import { createApp } from "./app";
import { redisStore } from "./lib/rate-limits/redis";
import { storeLimiter } from "./lib/rate-limits/store-limiter";
import { testDriver, testEnv } from "./testing/harness";
import { type StreamingReplica, startStreamingReplica } from "./testing/streaming-replica";

// Reads on a real streaming replica that replays the primary's WAL one second late (so a naive read from it
// misses a fresh write), with rate limits counted in Redis (counting in Postgres would make every read a write).
// Once per CI run, on the Postgres server's pg-driver run: it needs the server's binaries and a Redis.
const redisUrl = process.env.TEST_REDIS_URL;
const runs = Boolean(process.env.TEST_DATABASE_URL && testDriver() === "pg" && redisUrl);

const loginUrl = (url: string) => Object.assign(new URL(url), { username: "rls_authenticator" }).toString();

describe.runIf(runs)("read replicas", () => {
  let replica: StreamingReplica;
  const closing: (() => Promise<void>)[] = [];

  /** The API on the primary and the standby, as `npm start` makes it with DATABASE_REPLICA_URLS. */
  const startApi = async (maxLagMs = 5_000) => {
    const opened = await openNodeDatabase({
      databaseUrl: loginUrl(replica.primaryUrl),
      replicas: { urls: [loginUrl(replica.standbyUrl)], maxLagMs },
    });
    const counters = redisStore(redisUrl as string);
    const app = createApp({
      openDatabase: () => opened.runner,
      rateLimiter: storeLimiter(counters, { rulesTtlMs: 10_000 }),
      clientIp: () => "127.0.0.1",
    });
    closing.push(opened.close, counters.close);
    const request = (path: string, init: RequestInit & { json?: unknown; token?: string } = {}) => {
      const headers = new Headers(init.headers);
      if (init.json !== undefined) headers.set("content-type", "application/json");
      if (init.token) headers.set("authorization", `Bearer ${init.token}`);
      const body = init.json === undefined ? undefined : JSON.stringify(init.json);
      return app.request(path, { ...init, headers, body }, testEnv);
    };
    return { request, stats: opened.replicaStats as ReplicaStats };
  };

  const signUp = async (api: Awaited<ReturnType<typeof startApi>>, email: string) => {
    const json = { email, password: "a fine password" };
    expect((await api.request("/api/v1/auth/register", { method: "POST", json })).status).toBe(201);
    const login = await api.request("/api/v1/auth/login", { method: "POST", json });
    return ((await login.json()) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    replica = await startStreamingReplica({ applyDelayMs: 1_000 });
    const owner = await openNodeDatabase({ databaseUrl: replica.primaryUrl, migrationUrl: replica.primaryUrl });
    // No limits here: the suite's requests all come from one address.
    await owner.db.execute(sql`delete from rate_limits`);
    await owner.close();
    await replica.caughtUp(); // the schema, and no rules
  }, 90_000);
  afterAll(async () => {
    for (const close of closing) await close();
    replica?.stop();
  });

  it("serve GETs from the replica and writes from the primary", { timeout: 30_000 }, async () => {
    const api = await startApi();
    const token = await signUp(api, "reader@example.com");
    await sleep(1_500); // the account reaches the replica
    const before = { ...api.stats };
    for (let i = 0; i < 10; i++) expect((await api.request("/api/v1/items", { token })).status).toBe(200);
    expect(api.stats.replica - before.replica).toBe(10);
    expect(api.stats.primary - before.primary).toBe(0);
  });

  it("answer a read right after the caller's own write with that write: from the primary, the replica being behind", {
    timeout: 30_000,
  }, async () => {
    const api = await startApi();
    const token = await signUp(api, "writer@example.com");
    await sleep(1_500);
    const created = await api.request("/api/v1/items", { method: "POST", token, json: { title: "fresh" } });
    expect(created.status).toBe(201);
    const position = created.headers.get("x-consistency-token");
    expect(position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const { id } = (await created.json()) as { id: string };

    // The same process remembers the caller's last write: no header needed.
    const fellBack = api.stats.fellBack["behind the caller's write"] ?? 0;
    expect((await api.request(`/api/v1/items/${id}`, { token })).status).toBe(200);
    expect(api.stats.fellBack["behind the caller's write"]).toBe(fellBack + 1);

    // Another process knows nothing of it: a naive read goes to the replica and misses the write, while the token
    // the write answered with makes it wait for nothing and ask the primary.
    const other = await startApi();
    expect((await other.request(`/api/v1/items/${id}`, { token })).status).toBe(404);
    const withToken = await other.request(`/api/v1/items/${id}`, {
      token,
      headers: { "x-consistency-token": position as string },
    });
    expect(withToken.status).toBe(200);

    // Once the replica replayed it, the read is the replica's again.
    await sleep(1_500);
    const served = other.stats.replica;
    expect(
      (await other.request(`/api/v1/items/${id}`, { token, headers: { "x-consistency-token": position as string } }))
        .status,
    ).toBe(200);
    expect(other.stats.replica).toBe(served + 1);
  });

  it("see every write in 200 write-then-read pairs", { timeout: 60_000 }, async () => {
    const api = await startApi();
    const token = await signUp(api, "pairs@example.com");
    let violations = 0;
    for (let i = 0; i < 200; i++) {
      const created = await api.request("/api/v1/items", { method: "POST", token, json: { title: `pair ${i}` } });
      const { id } = (await created.json()) as { id: string };
      const read = await api.request(`/api/v1/items/${id}`, { token });
      if (read.status !== 200) violations++;
    }
    expect(violations).toBe(0);
  });

  it("answer a consistency token from the future from the primary, once: never the replica and then the primary", {
    timeout: 30_000,
  }, async () => {
    const api = await startApi();
    const token = await signUp(api, "forger@example.com");
    await sleep(1_500); // the account reaches the replica
    const before = { ...api.stats, fellBack: { ...api.stats.fellBack } };
    for (let i = 0; i < 5; i++) {
      const forged = await api.request("/api/v1/items", {
        token,
        headers: { "x-consistency-token": "FFFFFFFF/FFFFFFFF" },
      });
      expect(forged.status).toBe(200);
    }
    expect(api.stats.replica).toBe(before.replica);
    expect(api.stats.primary - before.primary).toBe(5);
    expect(api.stats.fellBack["beyond the primary's known position"] ?? 0).toBe(
      (before.fellBack["beyond the primary's known position"] ?? 0) + 5,
    );
    // No read went to the replica first (that fall back would be "behind the caller's write").
    expect(api.stats.fellBack["behind the caller's write"] ?? 0).toBe(
      before.fellBack["behind the caller's write"] ?? 0,
    );
  });

  it("refuse a malformed consistency token, naming the header", async () => {
    const api = await startApi();
    const response = await api.request("/api/v1/health", { headers: { "x-consistency-token": "yesterday" } });
    const items = await api.request("/api/v1/items", { headers: { "x-consistency-token": "yesterday" } });
    expect([response.status, items.status]).toContain(422);
    expect(await items.json()).toMatchObject({
      error: { details: [{ field: "X-Consistency-Token", location: "header" }] },
    });
  });

  it("leave a replica lagging past the bound to the primary", { timeout: 30_000 }, async () => {
    // A bound under the replica's one-second delay: right after any write, the replica is too far behind.
    const api = await startApi(200);
    const token = await signUp(api, "lagging@example.com");
    await sleep(1_500);
    const other = await signUp(api, "busy@example.com");
    await api.request("/api/v1/items", { method: "POST", token: other, json: { title: "busy" } });
    await sleep(400);
    const lagging = api.stats.fellBack.lagging ?? 0;
    expect((await api.request("/api/v1/items", { token })).status).toBe(200);
    expect(api.stats.fellBack.lagging).toBe(lagging + 1);
  });

  it("answer from the primary, with no 5xx, when the replica goes away", { timeout: 30_000 }, async () => {
    const api = await startApi();
    const token = await signUp(api, "orphan@example.com");
    await sleep(1_500);
    expect((await api.request("/api/v1/items", { token })).status).toBe(200);
    replica.stopStandby();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await api.request("/api/v1/items", { token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(api.stats.fellBack.unreachable).toBe(1); // then left alone for a while: straight to the primary
  });
});
