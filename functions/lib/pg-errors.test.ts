import { createServer, type Server, type Socket } from "node:net";
import { neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { neonHttpRunner } from "../../db/drivers/neon-http/runner";
import { openNeon, useLocalRelay } from "../../db/drivers/neon-ws/open";
import { openPg } from "../../db/drivers/node-postgres/open";
import { transactionRunner } from "../../db/runner/transaction";
import { startRelay } from "../../scripts/local/relay";
import { createApp } from "../app";
import { testEnv } from "../testing/harness";
import { mapDatabaseError } from "./pg-errors";

const pgError = (fields: Record<string, string>) =>
  Object.assign(new Error("Failed query"), { cause: Object.assign(new Error(fields.message ?? "pg"), fields) });

describe("mapDatabaseError", () => {
  it("maps constraint violations to stable API errors naming the field", () => {
    const unique = mapDatabaseError(
      pgError({ code: "23505", detail: "Key (email)=(a@b.c) already exists.", constraint: "uq_users_email" }),
    );
    expect(unique).toMatchObject({ status: 409, code: "conflict", details: [{ field: "email" }] });
    const uniqueNoDetail = mapDatabaseError(pgError({ code: "23505", table: "users", constraint: "uq_users_email" }));
    expect(uniqueNoDetail).toMatchObject({ status: 409, details: [{ field: "email" }] });
    expect(mapDatabaseError(pgError({ code: "23503", constraint: "fk_items_owner_id", table: "items" }))).toMatchObject(
      {
        status: 409,
        details: [{ field: "owner_id" }],
      },
    );
    expect(
      mapDatabaseError(pgError({ code: "23514", table: "items", constraint: "chk_items_title_not_blank" })),
    ).toMatchObject({ status: 422, code: "validation_error", details: [{ field: "title_not_blank" }] });
    expect(mapDatabaseError(pgError({ code: "23502", column: "title" }))).toMatchObject({
      status: 422,
      details: [{ field: "title" }],
    });
  });

  it("maps RLS refusals to 403, contention and shutdown to 503 with Retry-After", () => {
    expect(mapDatabaseError(pgError({ code: "42501" }))).toMatchObject({ status: 403, code: "forbidden" });
    for (const code of ["40001", "40P01", "57P01", "53300"]) {
      const error = mapDatabaseError(pgError({ code }));
      expect(error?.status, code).toBe(503);
      expect(error?.headers["Retry-After"], code).toMatch(/^\d+$/);
    }
  });

  it("maps a pooler's refusals and a prepared statement it did not keep to 503 with the reason, never a 500", () => {
    const refusal = (message: string) => mapDatabaseError(pgError({ code: "08P01", message }));
    expect(refusal("transaction blocks not allowed in statement pooling mode")).toMatchObject({
      status: 503,
      message: expect.stringMatching(/statement mode/),
    });
    expect(refusal("query_wait_timeout")).toMatchObject({ status: 503, message: expect.stringMatching(/no free/) });
    expect(refusal("server conn crashed?")).toMatchObject({ status: 503, message: expect.stringMatching(/pooler/) });
    for (const code of ["26000", "42P05"]) expect(mapDatabaseError(pgError({ code }))?.status, code).toBe(503);
  });

  it("maps a connection that broke under a request to 503 (a terminated backend, a failover)", () => {
    for (const message of ["write EPIPE", "read ECONNRESET", "Connection terminated unexpectedly", "fetch failed"]) {
      expect(mapDatabaseError(new Error(message)), message).toMatchObject({ status: 503, code: "service_unavailable" });
    }
    // Node's own error for a write to a closed socket: its code looks like a SQLSTATE, but it is not one.
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });
    expect(mapDatabaseError(epipe)).toMatchObject({ status: 503, code: "service_unavailable" });
  });

  it("leaves bugs alone (they stay 500s)", () => {
    expect(mapDatabaseError(new TypeError("x is undefined"))).toBeUndefined();
    expect(mapDatabaseError(pgError({ code: "42P01" }))).toBeUndefined();
  });
});

/** A sign-in attempt: a request that must reach the database. */
const signIn = (app: ReturnType<typeof createApp>) =>
  app.request(
    "/api/v1/auth/login",
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a@example.com", password: "whatever" }),
    },
    testEnv,
  );

describe("an unreachable database", () => {
  const unreachable = {
    // The neon WebSocket Pool through a relay where nothing listens (the discard port).
    ws: () => {
      neonConfig.webSocketConstructor = ws;
      useLocalRelay("127.0.0.1:9/v1");
      const pool = openNeon("postgres://rls_authenticator:x@127.0.0.1:5432/none");
      return transactionRunner(pool.db, pool.close);
    },
    // Neon's HTTP API at an endpoint where nothing listens.
    http: () => {
      neonConfig.fetchEndpoint = "http://127.0.0.1:9/sql";
      return neonHttpRunner("postgres://rls_authenticator:x@127.0.0.1:5432/none");
    },
    // node-postgres to a port where nothing listens.
    pg: () => transactionRunner(openPg("postgres://rls_authenticator:x@127.0.0.1:9/none").db),
  };
  for (const [driver, open] of Object.entries(unreachable)) {
    it(`answers 503 with Retry-After and the error shape, not a 500 (${driver})`, async () => {
      const app = createApp({ openDatabase: open });
      const response = await signIn(app);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({ error: { code: "service_unavailable" } });

      const health = await app.request("/api/v1/health", {}, testEnv);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: "error", database: "unavailable" });
      expect(health.headers.get("retry-after")).toBe("5");
    });
  }
});

describe("a database that accepts connections and never answers", () => {
  // A TCP server that takes every connection and says nothing: a dead host behind a load balancer.
  let blackHole: Server;
  let port: number;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  const held: Socket[] = [];
  beforeAll(async () => {
    blackHole = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    port = (blackHole.address() as { port: number }).port;
    relay = await startRelay();
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
    await relay.close();
  });

  const timeouts = { connectMs: 300, statementMs: 300 };
  const url = () => `postgres://rls_authenticator:x@127.0.0.1:${port}/none`;
  const silent = {
    ws: () => {
      neonConfig.webSocketConstructor = ws;
      useLocalRelay(relay.proxy);
      const pool = openNeon(url(), { timeouts });
      return transactionRunner(pool.db, pool.close);
    },
    http: () => {
      neonConfig.fetchEndpoint = `http://127.0.0.1:${port}/sql`;
      return neonHttpRunner(url(), timeouts);
    },
    pg: () => transactionRunner(openPg(url(), { timeouts }).db),
  };
  for (const [driver, open] of Object.entries(silent)) {
    it(`answers 503 with Retry-After within the timeouts, not never (${driver})`, async () => {
      const app = createApp({ openDatabase: open });
      const started = Date.now();
      const health = await app.request("/api/v1/health", {}, testEnv);
      expect(health.status).toBe(503);
      expect(health.headers.get("retry-after")).toBe("5");
      const login = await signIn(app);
      expect(login.status).toBe(503);
      expect(await login.json()).toMatchObject({ error: { code: "service_unavailable" } });
      // Generous: two requests, each bounded by the connect or answer timeout (and the retries' backoff).
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  }
});
