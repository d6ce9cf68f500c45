import { rmSync } from "node:fs";
import { createServer, connect as dial, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Unstable_DevWorker } from "wrangler";
import { rowsOf } from "../db/client";
import { openNodeDatabase } from "../db/node";
import { testDriver, testEnv } from "./testing/harness";
import { hyperdriveConfig } from "./testing/scratch-files";
import { type StreamingReplica, startStreamingReplica } from "./testing/streaming-replica";
import { startWranglerDev } from "./testing/wrangler-dev";

// The Worker in workerd (wrangler dev) past one primary: the primary and a real streaming standby that replays
// its WAL one second late, each reached through a Hyperdrive binding (HYPERDRIVE, HYPERDRIVE_REPLICA), and rate
// limits counted in Durable Objects (RATE_LIMIT_STORE=durable_object), so that no read writes. Everything is real
// HTTP to the bundled Worker. Once per CI run, on the Postgres server's pg-driver run (it needs the server's
// binaries, as functions/replicas.test.ts does).
const runs = Boolean(process.env.TEST_DATABASE_URL && testDriver() === "pg");

/** The login role's URL on a server of the fixture; wrangler wants a password in it, trust auth takes any. */
const loginUrl = (url: string) =>
  Object.assign(new URL(url), { username: "rls_authenticator", password: "local" }).toString();

/** What a Postgres server going down answers a new connection: FATAL 57P03 (an ErrorResponse message). */
function shuttingDown() {
  const fields = ["SFATAL", "VFATAL", "C57P03", "Mthe database system is shutting down"]
    .map((field) => `${field}\0`)
    .join("");
  const body = Buffer.from(`${fields}\0`);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from("E"), length, body]);
}

/**
 * A TCP relay in front of the standby that can play a replica going away: once cut, it answers every new
 * connection as a Postgres server shutting down does, and lets the client close it. (Stopping the standby itself
 * would test wrangler's local Hyperdrive proxy instead, which leaves a refused connection hanging and throws its
 * socket errors.)
 */
async function relayTo(port: number) {
  let cut = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on("error", () => {});
    client.on("close", () => open.delete(client));
    if (cut) {
      client.once("data", () => client.write(shuttingDown()));
      client.resume();
      return;
    }
    const upstream = dial({ host: "127.0.0.1", port });
    upstream.on("error", () => {});
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.end());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    cut: () => {
      cut = true;
    },
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Transactions that served a request so far in the fixture's database (`postgres`) on the server at `url`, from
 * its statistics: those committed, less one per session, which commits one of its own while it logs in. Asked
 * from another database, so that asking is not counted.
 */
async function servedOn(url: string) {
  const client = new pg.Client({
    connectionString: Object.assign(new URL(url), { pathname: "/template1" }).toString(),
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "select (xact_commit - sessions)::text as n from pg_stat_database where datname = 'postgres'",
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe.runIf(runs)("the Worker with a read replica and Durable Object rate limits", () => {
  let replica: StreamingReplica;
  let relay: Awaited<ReturnType<typeof relayTo>>;
  let owner: Awaited<ReturnType<typeof openNodeDatabase>>;
  let config: string | undefined;
  let worker: Unstable_DevWorker | undefined;

  const call = (path: string, init: RequestInit & { json?: unknown; token?: string } = {}) => {
    if (!worker) throw new Error("the worker did not start");
    const { json, token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set("content-type", "application/json");
    if (token) headers.set("authorization", `Bearer ${token}`);
    return fetch(`http://${worker.address}:${worker.port}${path}`, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };

  let accounts = 0;
  const signUp = async () => {
    const json = { email: `replica-${process.pid}-${accounts++}@example.com`, password: "a fine password" };
    const registered = await call("/api/v1/auth/register", { method: "POST", json });
    expect(registered.status).toBe(201);
    const { id } = (await registered.json()) as { id: string };
    const login = await call("/api/v1/auth/login", { method: "POST", json });
    expect(login.status).toBe(200);
    return { id, token: ((await login.json()) as { access_token: string }).access_token };
  };

  /** `run` under a rule of the default tier, as an admin would set it; no rule once it is done. */
  const limited = async (path: string, max: number, run: () => Promise<void>) => {
    await owner.db.execute(sql`insert into rate_limits (tier_id, name, path, "limit", period)
      select id, ${path}, ${path}, ${max}, 86400 from tiers where is_default`);
    try {
      await run();
    } finally {
      await owner.db.execute(sql`delete from rate_limits`);
    }
  };

  beforeAll(async () => {
    replica = await startStreamingReplica({ applyDelayMs: 1_000 });
    owner = await openNodeDatabase({ databaseUrl: replica.primaryUrl, migrationUrl: replica.primaryUrl });
    // No limits but the tests' own: every request here comes from one address.
    await owner.db.execute(sql`delete from rate_limits`);
    await replica.caughtUp(); // the schema, and no rules

    relay = await relayTo(Number(new URL(replica.standbyUrl).port));
    const standbyUrl = Object.assign(new URL(replica.standbyUrl), { port: String(relay.port) }).toString();
    config = hyperdriveConfig(loginUrl(replica.primaryUrl), [loginUrl(standbyUrl)]);
    worker = await startWranglerDev({
      config,
      vars: {
        ...testEnv,
        // Every request must go through the bindings.
        DATABASE_URL: "postgres://nobody@127.0.0.1:1/nowhere",
        RATE_LIMIT_STORE: "durable_object",
        // The rules are read again on every request, so that each test's rule applies at once.
        RATE_LIMIT_RULES_TTL_MS: "0",
        LOG_LEVEL: "warn",
      },
    });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    if (config) rmSync(config, { force: true });
    await owner?.close();
    await relay?.close();
    replica?.stop();
  }, 60_000);

  it("count hits in Durable Objects, exactly: of 30 concurrent writes at limit 10, 10 are made", {
    timeout: 60_000,
  }, async () => {
    await limited("/api/v1/items", 10, async () => {
      const alice = await signUp();
      const statuses = (
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            call("/api/v1/items", { method: "POST", token: alice.token, json: { title: `item ${i}` } }),
          ),
        )
      ).map((response) => response.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(20);
      const made = await owner.db.execute(sql`select count(*)::int as n from items where owner_id = ${alice.id}`);
      expect(rowsOf<{ n: number }>(made)[0]?.n).toBe(10);
      // Nothing was written in Postgres to count them.
      const counted = await owner.db.execute(sql`select count(*)::int as n from rate_limit_counters`);
      expect(rowsOf<{ n: number }>(counted)[0]?.n).toBe(0);
    });
  });

  it("answer a read over the limit 429 without its rows, counted beside its transaction on the replica", {
    timeout: 30_000,
  }, async () => {
    await limited("/api/v1/items", 2, async () => {
      const erin = await signUp();
      await sleep(1_500); // the account reaches the replica
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call("/api/v1/items", { token: erin.token })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const over = await call("/api/v1/items", { token: erin.token });
      expect(await over.json()).toEqual({ error: expect.objectContaining({ code: "rate_limited" }) });
    });
  });

  it("serve GETs from the replica: a row written on the primary a moment ago is not there yet", {
    timeout: 30_000,
  }, async () => {
    const bob = await signUp();
    await sleep(1_500); // the account reaches the replica, and the Worker no longer waits for bob's writes
    const [row] = rowsOf<{ id: string }>(
      await owner.db.execute(sql`insert into items (owner_id, title) values (${bob.id}, 'direct') returning id`),
    );
    if (!row) throw new Error("no row");
    // Where the primary's WAL ends once the insert committed: the position a write through the API answers.
    const [{ lsn } = { lsn: "" }] = rowsOf<{ lsn: string }>(
      await owner.db.execute(sql`select pg_current_wal_lsn()::text as lsn`),
    );
    // The replica answers, a second behind: the row is not there yet.
    expect((await call(`/api/v1/items/${row.id}`, { token: bob.token })).status).toBe(404);
    // With that position, the replica is behind it: the primary answers.
    const withToken = await call(`/api/v1/items/${row.id}`, {
      token: bob.token,
      headers: { "x-consistency-token": lsn },
    });
    expect(withToken.status).toBe(200);
    await sleep(1_500);
    expect((await call(`/api/v1/items/${row.id}`, { token: bob.token })).status).toBe(200);
  });

  it("answer each read right after the caller's own write with that write: 0 misses in 50 pairs", {
    timeout: 60_000,
  }, async () => {
    const carol = await signUp();
    let misses = 0;
    for (let i = 0; i < 50; i++) {
      const created = await call("/api/v1/items", { method: "POST", token: carol.token, json: { title: `pair ${i}` } });
      expect(created.status).toBe(201);
      expect(created.headers.get("x-consistency-token")).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const { id } = (await created.json()) as { id: string };
      if ((await call(`/api/v1/items/${id}`, { token: carol.token })).status !== 200) misses++;
    }
    expect(misses).toBe(0);
  });

  it("serve at least 95% of GETs from the replica, one transaction each", { timeout: 60_000 }, async () => {
    const frank = await signUp();
    await sleep(1_500); // the account reaches the replica, and the Worker no longer waits for frank's writes
    const before = await servedOn(replica.standbyUrl);
    const reads = 100;
    for (let i = 0; i < reads; i++) expect((await call("/api/v1/items", { token: frank.token })).status).toBe(200);
    // A backend reports its transactions when its connection closes, which each request's does as it ends.
    let served = 0;
    for (let tries = 0; tries < 50 && served < reads; tries++) {
      await sleep(200);
      served = (await servedOn(replica.standbyUrl)) - before;
    }
    expect(served).toBeGreaterThanOrEqual(0.95 * reads);
    expect(served).toBeLessThanOrEqual(reads);
  });

  it("answer from the primary, with no 5xx, when the replica goes away", { timeout: 30_000 }, async () => {
    const dave = await signUp();
    await sleep(1_500);
    expect((await call("/api/v1/items", { token: dave.token })).status).toBe(200);
    relay.cut();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call("/api/v1/items", { token: dave.token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });
});
