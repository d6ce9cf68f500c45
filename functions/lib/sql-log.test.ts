import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestApp, type TestApp, testEnv } from "../testing/harness";
import { configSchema } from "./config";
import { logStatement } from "./log";

// LOG_SQL=true: every statement the API sends, with its duration, as the `sql` debug line; never a parameter.
// Run on every driver of the suite (PGlite; on Postgres: Neon's HTTP API, the WebSocket pool, node-postgres).
const lines: string[] = [];
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(
    {},
    {
      sqlLog: (statement) => {
        const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
        try {
          logStatement(statement);
        } finally {
          spy.mockRestore();
        }
      },
    },
  );
});
afterAll(() => t.close());

describe("LOG_SQL", () => {
  it("logs each statement's text and duration, and never a password, a hash, an e-mail or a token", async () => {
    const user = await t.signUp();
    const password = "a brand new password 42";
    const changed = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: user.token,
      json: { password, current_password: user.password },
    });
    expect(changed.status).toBe(200);
    const hashes = await t.asOwner(async (tx) => {
      const { users } = await import("../../db/schema");
      return (await tx.select({ hash: users.hashed_password }).from(users)).map((row) => row.hash);
    });

    const logged = lines.map((line) => JSON.parse(line) as { level: string; message: string; sql: string; ms: number });
    expect(logged.length).toBeGreaterThan(3);
    for (const entry of logged) {
      expect(entry).toMatchObject({ level: "debug", message: "sql" });
      expect(typeof entry.sql).toBe("string");
      expect(entry.ms).toBeGreaterThanOrEqual(0);
    }
    const statements = logged.map((entry) => entry.sql).join("\n");
    expect(statements).toContain("register_user");
    expect(statements).toMatch(/update "users" set "hashed_password" = \$1/);
    const all = lines.join("\n");
    for (const secret of [user.password, password, user.email, user.token, user.refreshToken, ...hashes]) {
      expect(all).not.toContain(secret);
    }
  });

  it("is off unless asked, and takes only true or false", () => {
    expect(configSchema.parse(testEnv).LOG_SQL).toBe(false);
    expect(configSchema.parse({ ...testEnv, LOG_SQL: "true" }).LOG_SQL).toBe(true);
    expect(configSchema.parse({ ...testEnv, LOG_SQL: true }).LOG_SQL).toBe(true);
    expect(configSchema.safeParse({ ...testEnv, LOG_SQL: "yes" }).success).toBe(false);
  });

  it("prepares statements unless DATABASE_PREPARE=false, and takes only true or false", () => {
    expect(configSchema.parse(testEnv).DATABASE_PREPARE).toBe(true);
    expect(configSchema.parse({ ...testEnv, DATABASE_PREPARE: "false" }).DATABASE_PREPARE).toBe(false);
    expect(configSchema.safeParse({ ...testEnv, DATABASE_PREPARE: "no" }).success).toBe(false);
  });

  it("sizes the Node pool by DATABASE_POOL_MAX, from 1 to 1000", () => {
    expect(configSchema.parse(testEnv).DATABASE_POOL_MAX).toBe(10);
    expect(configSchema.parse({ ...testEnv, DATABASE_POOL_MAX: "25" }).DATABASE_POOL_MAX).toBe(25);
    for (const bad of ["0", "1001", "ten", "2.5"]) {
      expect(configSchema.safeParse({ ...testEnv, DATABASE_POOL_MAX: bad }).success).toBe(false);
    }
  });
});
