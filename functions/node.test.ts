import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase, testEnv } from "./testing/harness";
import { expectHostileBodiesRefusedOnOneConnection } from "./testing/kept-alive";

// `npm start` as a process: on the run's Postgres (node-postgres, pipelined) when there is one, else on
// embedded PGlite in a fresh data directory. What only the Node entry point does is tested here: the client
// address comes from the socket, and a stop signal lets work in flight finish.
let server: ChildProcess;
let base: string;
let database: TestDatabase | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "node-entry-"));
  // Embedded: no JWT_SECRET, so the server makes its own signing key (and the first superuser's password).
  const env: Record<string, string> = { PGLITE_DATA_DIR: join(dataDir, "pglite"), LOG_LEVEL: "silent" };
  if (process.env.TEST_DATABASE_URL) {
    database = await openTestDatabase();
    Object.assign(env, testEnv, {
      DATABASE_URL: database.appUrl as string,
      MAINTENANCE_DATABASE_URL: database.maintenanceUrl as string,
    });
  }
  const port = 20_000 + Math.floor(Math.random() * 10_000);
  base = `http://127.0.0.1:${port}/api/v1`;
  server = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: "ignore",
  });
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${base}/health`).catch(() => undefined)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("npm start did not answer");
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null) server.kill("SIGKILL");
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("the Node entry point", () => {
  it.skipIf(process.env.TEST_DATABASE_URL)(
    "keeps its generated signing key and first superuser password inside the data directory, 0600",
    async () => {
      for (const name of ["jwt-secret", "first-superuser-password"]) {
        expect(statSync(join(dataDir, "pglite", name)).mode & 0o777, name).toBe(0o600);
      }
      const password = readFileSync(join(dataDir, "pglite", "first-superuser-password"), "utf8").trim();
      const login = await fetch(`${base}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.7" },
        body: JSON.stringify({ email: "admin@example.com", password }),
      });
      expect(login.status).toBe(200);
    },
  );

  it.skipIf(process.env.TEST_DATABASE_URL)(
    "refuses a second process on its embedded database folder at once, naming itself",
    async () => {
      const seed = spawn(process.execPath, ["--import", "tsx", "scripts/seed.ts"], {
        env: { ...process.env, PGLITE_DATA_DIR: join(dataDir, "pglite") },
        stdio: "pipe",
      });
      let output = "";
      seed.stderr?.on("data", (chunk) => (output += chunk));
      const code = await new Promise<number | null>((resolve) => seed.once("exit", resolve));
      expect(code).not.toBe(0);
      expect(output).toMatch(/is in use by process \d+/);
    },
    60_000,
  );

  it.skipIf(process.env.TEST_DATABASE_URL)("refuses to start on a signing key file others can read", async () => {
    const other = await mkdtemp(join(tmpdir(), "node-entry-open-"));
    try {
      mkdirSync(join(other, "pglite"), { recursive: true });
      writeFileSync(join(other, "pglite", "jwt-secret"), "planted-planted-planted-planted-planted\n", { mode: 0o644 });
      const env = { ...process.env, JWT_SECRET: "", PGLITE_DATA_DIR: join(other, "pglite"), LOG_LEVEL: "error" };
      const child = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], { env, stdio: "pipe" });
      let output = "";
      child.stdout?.on("data", (chunk) => (output += chunk));
      child.stderr?.on("data", (chunk) => (output += chunk));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      expect(output).toMatch(/open to other users/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("rate limits anonymous callers by their socket address, whatever cf-connecting-ip they send", async () => {
    // Windows are fixed: the sign-in rule's counts start at each whole minute. Eleven attempts that straddled a
    // minute's end would be counted in two windows and none refused, so they start with 20 s of a window left.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const response = await fetch(`${base}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": `203.0.113.${i}` },
        body: JSON.stringify({ email: "nobody@example.com", password: "wrong-password" }),
      });
      statuses.push(response.status);
    }
    // The default tier allows 10 sign-in attempts a minute per address (one went to an earlier test): by the
    // 11th at the latest they are refused, as one caller's, and stay refused.
    const first = statuses.indexOf(429);
    expect(first, statuses.join(",")).toBeGreaterThanOrEqual(9);
    expect(statuses.slice(0, first).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(first).every((status) => status === 429)).toBe(true);
  }, 60_000);

  it("answers bodies too large or too deep with 4xx, and the kept-alive connection serves the next request", async () => {
    await expectHostileBodiesRefusedOnOneConnection(base);
  });

  it("refuses TRACE with 405 (Node's server would otherwise hand it over as a GET)", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const call = request(`${base}/items`, { method: "TRACE" }, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      call.on("error", reject);
      call.end();
    });
    expect(status).toBe(405);
  });

  it("answers a request in flight, then exits cleanly on SIGTERM", async () => {
    const inFlight = fetch(`${base}/health`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    expect((await inFlight).status).toBe(200);
    expect(await exited).toBe(0);
  });
});
