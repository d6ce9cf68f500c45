// `npm run bench:edge`: the Worker in workerd (wrangler dev) against a local Postgres, with a simulated
// round trip between the Worker and the database endpoint (bench/lib/delay-proxy.ts in front of the local
// SQL-over-HTTP endpoint and WebSocket relay). Per request type: median latency at 0 ms and at the simulated
// RTT, and the effective round trips (latency at RTT - latency at 0) / RTT, for the HTTP runner (one request
// per transaction), the previous path (a neon WebSocket Pool per request, NEON_DRIVER=ws), and the Hyperdrive
// binding (node-postgres pipelined; the delay between Hyperdrive and Postgres, connection startup not delayed,
// as Hyperdrive's pooler has done it) side by side.
// A benchmark, not a test: it prints a table and writes bench/results/edge.json.
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { Unstable_DevWorker } from "wrangler";
import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier } from "../db/seed";
import { testEnv } from "../functions/testing/harness";
import { hyperdriveConfig } from "../functions/testing/scratch-files";
import { startRelay } from "../scripts/local/relay";
import { startDelayProxy } from "./lib/delay-proxy";
import { writeResults } from "./lib/results";

const SERVER = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const RTT = Number(process.env.BENCH_RTT_MS ?? 40);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);

Object.assign(process.env, {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

type Call = (path: string, init?: RequestInit & { json?: unknown; token?: string; key?: string }) => Promise<Response>;

async function setUp(call: Call) {
  const email = `edge-${randomUUID().slice(0, 8)}@example.com`;
  const password = "password-123";
  const registered = await call("/api/v1/auth/register", { method: "POST", json: { email, password } });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${await registered.text()}`);
  const login = await call("/api/v1/auth/login", { method: "POST", json: { email, password } });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const key = await call("/api/v1/api-keys", {
    method: "POST",
    token,
    json: { name: "bench", permissions: ["items:read"] },
  });
  const { key: apiKey } = (await key.json()) as { key: string };
  const item = await call("/api/v1/items", { method: "POST", token, json: { title: "kept" } });
  const { id } = (await item.json()) as { id: string };
  return { email, password, token, apiKey, id };
}

/** One request type: how to make the request (fresh setup per sample where it consumes rows). */
type Kind = { name: string; prepare?: (call: Call, user: Awaited<ReturnType<typeof setUp>>) => Promise<string> };

const kinds: (Kind & {
  run: (call: Call, user: Awaited<ReturnType<typeof setUp>>, arg: string) => Promise<Response>;
})[] = [
  { name: "list", run: (call, u) => call("/api/v1/items", { token: u.token }) },
  { name: "get", run: (call, u) => call(`/api/v1/items/${u.id}`, { token: u.token }) },
  { name: "create", run: (call, u) => call("/api/v1/items", { method: "POST", token: u.token, json: { title: "x" } }) },
  {
    // The write's flight claims the key; a second transaction keeps the answer before it is sent.
    name: "create with an Idempotency-Key",
    run: (call, u) =>
      call("/api/v1/items", {
        method: "POST",
        token: u.token,
        json: { title: "x" },
        headers: { "Idempotency-Key": randomUUID() },
      }),
  },
  {
    name: "update",
    run: (call, u) => call(`/api/v1/items/${u.id}`, { method: "PATCH", token: u.token, json: { title: "y" } }),
  },
  {
    name: "delete",
    prepare: async (call, u) => {
      const created = await call("/api/v1/items", { method: "POST", token: u.token, json: { title: "doomed" } });
      return ((await created.json()) as { id: string }).id;
    },
    run: (call, u, id) => call(`/api/v1/items/${id}`, { method: "DELETE", token: u.token }),
  },
  { name: "me", run: (call, u) => call("/api/v1/users/me", { token: u.token }) },
  { name: "list with an API key", run: (call, u) => call("/api/v1/items", { key: u.apiKey }) },
  {
    name: "login",
    run: (call, u) => call("/api/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } }),
  },
];

type Driver = "http" | "ws" | "hyperdrive";

async function runDriver(driver: Driver, appUrl: string, proxyBase: string, setRtt: (ms: number) => void) {
  const { unstable_dev } = await import("wrangler");
  // Hyperdrive: the binding's connection string goes through the delaying proxy in front of Postgres, and
  // DATABASE_URL points nowhere, so every statement takes the binding.
  const config = driver === "hyperdrive" ? hyperdriveConfig(proxyBase) : "wrangler.toml";
  const worker: Unstable_DevWorker = await unstable_dev("functions/worker.ts", {
    config,
    ip: "127.0.0.1",
    vars: {
      ...testEnv,
      DATABASE_URL: driver === "hyperdrive" ? "postgres://nobody@127.0.0.1:1/nowhere" : appUrl,
      NEON_DRIVER: driver === "hyperdrive" ? "http" : driver,
      NEON_HTTP_ENDPOINT: `http://${proxyBase}/sql`,
      NEON_WS_PROXY: `${proxyBase}/v1`,
      LOG_LEVEL: "silent",
    },
    logLevel: "warn",
    experimental: { disableExperimentalWarning: true, disableDevRegistry: true, watch: false },
  });
  const call: Call = (path, init = {}) => {
    const { json, token, key, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set("content-type", "application/json");
    if (token) headers.set("authorization", `Bearer ${token}`);
    if (key) headers.set("x-api-key", key);
    return fetch(`http://${worker.address}:${worker.port}${path}`, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
  try {
    setRtt(0);
    const user = await setUp(call);
    const results: Record<string, { ms0: number; msRtt: number; roundTrips: number }> = {};
    for (const kind of kinds) {
      const timings: Record<number, number[]> = {};
      for (const rtt of [0, RTT]) {
        timings[rtt] = [];
        for (let i = 0; i < SAMPLES + 2; i++) {
          setRtt(0);
          const arg = kind.prepare ? await kind.prepare(call, user) : "";
          setRtt(rtt);
          const started = performance.now();
          const response = await kind.run(call, user, arg);
          await response.arrayBuffer();
          const elapsed = performance.now() - started;
          if (response.status >= 400) throw new Error(`${driver} ${kind.name}: ${response.status}`);
          if (i >= 2) timings[rtt]?.push(elapsed); // two warm-ups
        }
      }
      const ms0 = median(timings[0] ?? []);
      const msRtt = median(timings[RTT] ?? []);
      results[kind.name] = {
        ms0: +ms0.toFixed(1),
        msRtt: +msRtt.toFixed(1),
        roundTrips: +((msRtt - ms0) / RTT).toFixed(2),
      };
    }
    return results;
  } finally {
    setRtt(0);
    await worker.stop();
    if (config !== "wrangler.toml") rmSync(config, { force: true });
  }
}

const name = `rls_edge_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const ownerUrl = Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
const appUrl = Object.assign(new URL(ownerUrl), { username: "rls_authenticator", password: "unused" }).toString();
const admin = await openNodeDatabase({ databaseUrl: SERVER });
await admin.db.execute(sql.raw(`create database ${name}`));
const relay = await startRelay();
const proxy = await startDelayProxy({ host: "127.0.0.1", port: relay.port });
// Hyperdrive: workerd -> (Hyperdrive, local: none) -> Postgres; the delay sits where Hyperdrive's pooler meets
// the database, and, as with the pooler, a connection's startup is not paid by the request.
const server = new URL(SERVER);
const pgProxy = await startDelayProxy({ host: server.hostname, port: Number(server.port || 5432) }, { pooled: true });
try {
  const owner = await openNodeDatabase({ databaseUrl: ownerUrl, migrationUrl: ownerUrl });
  await ensureDefaultTier(owner.db);
  // Rate limiting stays on (it is part of every request's first statement); the limit is out of reach.
  await owner.db.execute(sql`update rate_limits set "limit" = 1000000`);
  await owner.close();

  const drivers = {
    // Through the delaying proxy, to the relay's own (secret) paths.
    http: await runDriver("http", appUrl, `127.0.0.1:${proxy.port}${relay.prefix}`, proxy.setRtt),
    ws: await runDriver("ws", appUrl, `127.0.0.1:${proxy.port}${relay.prefix}`, proxy.setRtt),
    hyperdrive: await runDriver(
      "hyperdrive",
      appUrl,
      Object.assign(new URL(appUrl), { host: `127.0.0.1:${pgProxy.port}` }).toString(),
      pgProxy.setRtt,
    ),
  };
  const rows = Object.keys(drivers.http).map((kind) => ({
    request: kind,
    "http 0 ms": drivers.http[kind]?.ms0,
    [`http ${RTT} ms`]: drivers.http[kind]?.msRtt,
    "http round trips": drivers.http[kind]?.roundTrips,
    "ws 0 ms": drivers.ws[kind]?.ms0,
    [`ws ${RTT} ms`]: drivers.ws[kind]?.msRtt,
    "ws round trips": drivers.ws[kind]?.roundTrips,
    "hyperdrive 0 ms": drivers.hyperdrive[kind]?.ms0,
    [`hyperdrive ${RTT} ms`]: drivers.hyperdrive[kind]?.msRtt,
    "hyperdrive round trips": drivers.hyperdrive[kind]?.roundTrips,
  }));
  console.table(rows);
  await writeResults("edge", {
    rtt_ms: RTT,
    samples: SAMPLES,
    method:
      "wrangler dev (workerd) -> delaying TCP proxy -> local /sql endpoint or ws relay -> Postgres (http, ws); workerd -> Hyperdrive binding (local: direct) -> delaying TCP proxy, connection startup not delayed as a pooler's -> Postgres (hyperdrive); median of sequential requests",
    drivers,
  });
} finally {
  await proxy.close();
  await pgProxy.close();
  await relay.close();
  await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
  await admin.close();
}
