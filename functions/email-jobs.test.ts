import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeResend } from "./testing/fake-resend";
import { openTestDatabase, type TestDatabase, testEnv } from "./testing/harness";
import { freePort } from "./testing/streaming-replica";

// E-mails owed by `npm start`, through its job runner, against a copy of Resend's API that fails for a while or
// takes an e-mail and never answers: on the run's Postgres when there is one, else on the embedded database.
// Every owed e-mail arrives exactly once, a server killed in the middle of a send included.
let resend: Awaited<ReturnType<typeof startFakeResend>>;
let database: TestDatabase | undefined;
let dataDir: string;
const env: Record<string, string> = {};
let server: ChildProcess | undefined;
let base = "";

const startServer = async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}/api/v1`;
  server = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: "ignore",
  });
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${base}/health`).catch(() => undefined))?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("npm start did not answer");
};
const killServer = async () => {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server?.once("exit", resolve));
  server.kill("SIGKILL");
  await exited;
};
const register = async (email: string) => {
  const response = await fetch(`${base}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "a fine password" }),
  });
  expect(response.status).toBe(201);
};
const addresses = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}-${Math.random().toString(36).slice(2, 8)}@example.com`);

beforeAll(async () => {
  resend = await startFakeResend();
  dataDir = await mkdtemp(join(tmpdir(), "email-jobs-"));
  Object.assign(env, testEnv, {
    LOG_LEVEL: "silent",
    EMAIL_PROVIDER: "resend",
    RESEND_API_KEY: "re_test_key",
    RESEND_API_URL: resend.url,
    EMAIL_FROM: "Accounts <accounts@app.example.com>",
    // A job whose runner died runs again after 3 s (60 s by default).
    JOBS_LEASE_MS: "3000",
    PGLITE_DATA_DIR: join(dataDir, "pglite"),
  });
  if (process.env.TEST_DATABASE_URL) {
    database = await openTestDatabase();
    Object.assign(env, {
      DATABASE_URL: database.appUrl as string,
      MAINTENANCE_DATABASE_URL: database.maintenanceUrl as string,
    });
  }
  await startServer();
}, 120_000);
afterAll(async () => {
  await killServer();
  await resend.close();
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("e-mails through jobs, from npm start", () => {
  it("owed while the provider fails: each arrives once, after it recovers", { timeout: 60_000 }, async () => {
    const owed = addresses("outage", 5);
    resend.setFailing(true);
    try {
      for (const email of owed) await register(email);
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // the first attempts and a retry fail
    } finally {
      resend.setFailing(false);
    }
    for (const email of owed) await resend.waitFor(email);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const email of owed) expect(resend.to(email), email).toHaveLength(1);
  });

  it("a server killed (SIGKILL) mid-send: after its restart, each e-mail arrives exactly once", {
    timeout: 90_000,
  }, async () => {
    const owed = addresses("killed", 3);
    const duplicatesBefore = resend.duplicates();
    resend.setHanging(true); // the provider takes each e-mail and never answers: the runner cannot mark it done
    for (const email of owed) await register(email);
    for (const email of owed) await resend.waitFor(email);
    await killServer();
    resend.setHanging(false);
    await startServer();
    // Once their lease ends (3 s) the jobs run again, with the same Idempotency-Key: the provider sends nothing twice.
    for (let waited = 0; resend.duplicates() - duplicatesBefore < owed.length; waited += 100) {
      if (waited > 30_000) throw new Error(`${resend.duplicates() - duplicatesBefore} of ${owed.length} sent again`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const email of owed) expect(resend.to(email), email).toHaveLength(1);
  });
});
