import { type ChildProcess, spawn } from "node:child_process";
import { count, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { items } from "../db/schema";
import { openTestDatabase, type TestDatabase, testDriver, testEnv } from "./testing/harness";
import { hasPgBouncer, type PgBouncer, type PoolMode, startPgBouncer } from "./testing/pgbouncer";
import { freePort } from "./testing/streaming-replica";

// `npm start` behind a real PgBouncer (Debian's, 1.18: no prepared statements kept in transaction mode), with
// nothing set but DATABASE_URL: two app processes share the pooler's few server connections, as a deployment
// behind Neon's pooled URL, Supabase's pooler or PgBouncer does. Once per CI run, on the Postgres pg step.
const runs = Boolean(process.env.TEST_DATABASE_URL && testDriver() === "pg");
if (runs && process.env.REQUIRE_PGBOUNCER && !hasPgBouncer()) {
  throw new Error("REQUIRE_PGBOUNCER is set and pgbouncer is not installed (apt-get install pgbouncer)");
}

type Server = {
  base: string;
  output: () => string;
  exited: Promise<number | null>;
  child: ChildProcess;
  /** The first answer its health check gave once it listened. */
  firstHealth?: number;
};

/** `npm start` (the entry point, as package.json runs it) with `env` over the test settings. */
async function startServer(env: Record<string, string>, { waitForHealth = true } = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
    env: { ...process.env, ...testEnv, LOG_LEVEL: "info", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const server: Server = { base: `http://127.0.0.1:${port}/api/v1`, output: () => output, exited, child };
  if (!waitForHealth) return server;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}: ${output}`);
    const health = await fetch(`${server.base}/health`).catch(() => undefined);
    server.firstHealth ??= health?.status;
    if (health?.status === 200) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`npm start did not answer: ${output}`);
}

const call = async (
  base: string,
  path: string,
  init: { method?: string; token?: string; json?: unknown; key?: string } = {},
) => {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.key) headers["idempotency-key"] = init.key;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

type User = { id: string; token: string };

async function signUp(base: string, n: number): Promise<User> {
  const json = {
    email: `pooled${n}-${Math.random().toString(36).slice(2, 8)}@example.com`,
    password: "a fine password",
  };
  const registered = await call(base, "/auth/register", { method: "POST", json });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const login = await call(base, "/auth/login", { method: "POST", json });
  expect(login.status).toBe(200);
  return { id: registered.body.id as string, token: login.body.access_token as string };
}

type Tally = { requests: number; errors: string[]; foreign: number; created: Map<string, string> };

/**
 * `clients` loops for `ms`, each as one of `users`, each request to one of `servers` in turn: lists (every row
 * checked to be the caller's), creates and reads of its own items. A 5xx, a failed request or another user's row
 * is written down, never thrown, so the whole run is seen. `created`: each acknowledged item and its owner.
 */
async function mixedLoad(servers: Server[], users: User[], clients: number, ms: number): Promise<Tally> {
  const tally: Tally = { requests: 0, errors: [], foreign: 0, created: new Map() };
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, n) => {
      const user = users[n % users.length] as User;
      const mine: string[] = [];
      for (let i = 0; Date.now() < until; i++) {
        const base = (servers[(n + i) % servers.length] as Server).base;
        const kind = i % 3;
        try {
          tally.requests++;
          if (kind === 0) {
            const created = await call(base, "/items", { method: "POST", token: user.token, json: { title: `t${i}` } });
            if (created.status !== 201) tally.errors.push(`POST ${created.status} ${JSON.stringify(created.body)}`);
            else {
              mine.push(created.body.id as string);
              tally.created.set(created.body.id as string, user.id);
            }
          } else if (kind === 1) {
            const page = await call(base, "/items?limit=20", { token: user.token });
            if (page.status !== 200) tally.errors.push(`GET list ${page.status} ${JSON.stringify(page.body)}`);
            for (const row of (page.body.data as { owner_id: string }[] | undefined) ?? []) {
              if (row.owner_id !== user.id) tally.foreign++;
            }
          } else if (mine.length > 0) {
            const id = mine[i % mine.length] as string;
            const read = await call(base, `/items/${id}`, { token: user.token });
            if (read.status !== 200) tally.errors.push(`GET one ${read.status} ${JSON.stringify(read.body)}`);
            else if (read.body.owner_id !== user.id) tally.foreign++;
          }
        } catch (error) {
          tally.errors.push(`request failed: ${String(error)}`);
        }
      }
    }),
  );
  return tally;
}

describe.runIf(runs && hasPgBouncer())("behind PgBouncer, with nothing set but DATABASE_URL", () => {
  let database: TestDatabase;
  const bouncers: PgBouncer[] = [];
  const servers: Server[] = [];
  const server = () => new URL(process.env.TEST_DATABASE_URL as string);

  const pooler = async (mode: PoolMode, poolSize = 3) => {
    const { hostname, port } = server();
    const bouncer = await startPgBouncer({ server: { host: hostname, port: Number(port || 5432) }, mode, poolSize });
    bouncers.push(bouncer);
    return bouncer;
  };
  const start = async (env: Record<string, string>) => {
    const started = await startServer(env);
    servers.push(started);
    return started;
  };

  beforeAll(async () => {
    database = await openTestDatabase();
  }, 60_000);
  afterAll(async () => {
    for (const running of servers) if (running.child.exitCode === null) running.child.kill("SIGKILL");
    for (const bouncer of bouncers) bouncer.stop();
    await database?.close();
  });

  it("transaction mode: two processes start, and 20 clients' mixed load gets no 5xx and no other user's row", {
    timeout: 90_000,
  }, async () => {
    const bouncer = await pooler("transaction");
    const url = bouncer.through(database.appUrl as string);
    const apps = [await start({ DATABASE_URL: url }), await start({ DATABASE_URL: url })];
    // The second process's first health check too: the statements the first prepared are no trap for it.
    expect(apps.map((app) => app.firstHealth)).toEqual([200, 200]);
    const users = await Promise.all([0, 1, 2, 3, 4].map((n) => signUp(apps[n % 2]?.base as string, n)));
    const tally = await mixedLoad(apps, users, 20, 15_000);
    expect(tally.errors.slice(0, 5), `${tally.errors.length} of ${tally.requests} failed`).toEqual([]);
    expect(tally.foreign).toBe(0);
    expect(tally.requests).toBeGreaterThan(200);
    // The pooler did not keep the app's prepared statements: each process found out, said so once, and went on
    // unnamed (the transactions that found out ran again: no error above).
    for (const app of apps) {
      const warnings = app.output().match(/does not keep prepared statements/g) ?? [];
      expect(warnings.length, app.output()).toBeLessThanOrEqual(1);
    }
    expect(apps.some((app) => /DATABASE_PREPARE=false/.test(app.output()))).toBe(true);
  });

  it("session mode: two processes whose pools fit the pooler's serve the same load", { timeout: 90_000 }, async () => {
    const bouncer = await pooler("session", 8);
    const url = bouncer.through(database.appUrl as string);
    const env = { DATABASE_URL: url, DATABASE_POOL_MAX: "4" };
    const apps = [await start(env), await start(env)];
    const users = await Promise.all([0, 1, 2, 3].map((n) => signUp(apps[n % 2]?.base as string, n)));
    const tally = await mixedLoad(apps, users, 20, 8_000);
    expect(tally.errors.slice(0, 5), `${tally.errors.length} of ${tally.requests} failed`).toEqual([]);
    expect(tally.foreign).toBe(0);
  });

  it("the pooler killed and restarted mid-load: the app heals, and every acknowledged write is there", {
    timeout: 90_000,
  }, async () => {
    const bouncer = await pooler("transaction");
    const app = await start({ DATABASE_URL: bouncer.through(database.appUrl as string) });
    const users = await Promise.all([0, 1, 2].map((n) => signUp(app.base, n)));
    const load = mixedLoad([app], users, 10, 9_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    bouncer.kill();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await bouncer.start();
    const tally = await load;
    // While it was down, requests answered 503 (never another 5xx); once back, the app serves again by itself.
    for (const error of tally.errors) expect(error).toMatch(/^(POST|GET list|GET one) 503 /);
    const after = await mixedLoad([app], users, 5, 2_000);
    expect(after.errors).toEqual([]);
    const ids = [...tally.created.keys()];
    expect(ids.length).toBeGreaterThan(10);
    const found = await database.asOwner((tx) =>
      tx.query.items.findMany({ where: (items, { inArray }) => inArray(items.id, ids), columns: { id: true } }),
    );
    expect(found.length, "every item answered 201 is in the database").toBe(ids.length);
  });

  it("the pooler killed mid-write: clients that retry with their Idempotency-Key end with one row per key", {
    timeout: 90_000,
  }, async () => {
    const bouncer = await pooler("transaction");
    const app = await start({ DATABASE_URL: bouncer.through(database.appUrl as string) });
    const user = await signUp(app.base, 9);
    const until = Date.now() + 6_000;
    const answered = new Map<string, string>();
    let retried = 0;
    const writers = Array.from({ length: 8 }, async (_, n) => {
      for (let i = 0; Date.now() < until; i++) {
        const key = `retry-${n}-${i}`;
        // As a careful client: the same request with the same key until an answer that is not a 503.
        for (let attempt = 0; attempt < 100; attempt++) {
          const created = await call(app.base, "/items", {
            method: "POST",
            token: user.token,
            json: { title: key },
            key,
          }).catch(() => ({ status: 0, body: {} }));
          if (created.status !== 503 && created.status !== 0) {
            answered.set(key, `${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
            break;
          }
          retried++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    bouncer.kill();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await bouncer.start();
    await Promise.all(writers);
    expect(retried, "some writes were answered 503 and sent again").toBeGreaterThan(0);
    // 201, or, for a write that committed while its connection dropped (answered 503, its answer never made),
    // 409: the key is taken and the write was done once; it is not done again.
    const unexpected = [...answered.entries()].filter(
      ([, answer]) => !/^201 |^409 .*idempotency_key_(in_use|answer_lost)/.test(answer),
    );
    expect(unexpected).toEqual([]);
    const counts = await database.asOwner(async (tx) =>
      (
        await tx
          .select({ title: items.title, n: count() })
          .from(items)
          .where(like(items.title, "retry-%"))
          .groupBy(items.title)
      ).map((row) => [row.title, row.n] as const),
    );
    const rows = new Map(counts);
    for (const key of answered.keys()) expect(rows.get(key), key).toBe(1);
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
  });

  it("statement mode: refused at start, with a message that names it", { timeout: 60_000 }, async () => {
    const bouncer = await pooler("statement");
    const refused = await startServer(
      { DATABASE_URL: bouncer.through(database.appUrl as string) },
      {
        waitForHealth: false,
      },
    );
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/connection pooler in statement mode.*pool_mode to transaction/);
  });
});
