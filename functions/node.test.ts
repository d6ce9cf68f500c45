import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase, testEnv } from "./testing/harness";

// `npm start` as a process: on the run's Postgres (node-postgres, pipelined) when there is one, else on
// embedded PGlite in a fresh data directory. What only the Node entry point does is tested here: the client
// address comes from the socket, and a stop signal lets work in flight finish.
let server: ChildProcess;
let base: string;
let database: TestDatabase | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "node-entry-"));
  const env: Record<string, string> = { ...testEnv, PGLITE_DATA_DIR: join(dataDir, "pglite"), LOG_LEVEL: "silent" };
  if (process.env.TEST_DATABASE_URL) {
    database = await openTestDatabase();
    env.DATABASE_URL = database.appUrl as string;
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
  it("rate limits anonymous callers by their socket address, whatever cf-connecting-ip they send", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const response = await fetch(`${base}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": `203.0.113.${i}` },
        body: JSON.stringify({ email: "nobody@example.com", password: "wrong-password" }),
      });
      statuses.push(response.status);
    }
    // The default tier allows 10 sign-in attempts a minute per address: the 11th is refused, as one caller's.
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
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
