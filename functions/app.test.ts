import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./testing/harness";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: "https://app.example.com" });
});
afterAll(() => t.close());

describe("app", () => {
  it("reports health after a real round trip to the database", async () => {
    const response = await t.request("/api/v1/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", database: "ok" });
  });

  it("answers unknown routes with a JSON 404", async () => {
    for (const path of ["/nope", "/api/v1/nope", "/api/v2/items"]) {
      const response = await t.request(path);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
  });

  it("tags every response with a request id and security headers", async () => {
    const response = await t.request("/api/v1/health");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("answers CORS preflights for configured origins only", async () => {
    const preflight = (origin: string) =>
      t.request("/api/v1/items", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
    expect((await preflight("https://app.example.com")).headers.get("access-control-allow-origin")).toBe(
      "https://app.example.com",
    );
    expect((await preflight("https://evil.example.com")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("marks every API answer, success or error, Cache-Control: no-store", async () => {
    const user = await t.signUp();
    for (const response of [
      await t.request("/api/v1/users/me", { token: user.token }),
      await t.request("/api/v1/users/me"),
      await t.request("/api/v1/items/not-an-id", { token: user.token }),
    ]) {
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("answers OPTIONS without a preflight with the methods, before any database work, whatever the key", async () => {
    const user = await t.signUp();
    const created = await t.request("/api/v1/api-keys", {
      method: "POST",
      token: user.token,
      json: { name: "reader", permissions: ["items:read"] },
    });
    const { key } = (await created.json()) as { key: string };
    // This app has CORS origins configured, and the CORS middleware answers any OPTIONS; without them, ours does.
    const plain = await startTestApp();
    try {
      for (const app of [t, plain]) {
        const response = await app.request("/api/v1/items", { method: "OPTIONS", headers: { "x-api-key": key } });
        expect(response.status).toBe(204);
        expect(response.headers.get("x-ratelimit-limit")).toBeNull();
      }
      const response = await plain.request("/api/v1/items", { method: "OPTIONS" });
      expect(response.headers.get("allow")).toBe("GET, HEAD, POST, PATCH, DELETE, OPTIONS");
    } finally {
      await plain.close();
    }
  });

  it("refuses methods it does not serve with 405 and Allow, before any database work", async () => {
    for (const method of ["PUT", "PROPFIND", "PURGE"]) {
      const response = await t.request("/api/v1/items", { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD, POST, PATCH, DELETE, OPTIONS");
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
      expect(response.headers.get("x-ratelimit-limit")).toBeNull();
    }
  });

  it("never leaks a stack trace: an unexpected error is a bare 500 JSON", async () => {
    const broken = await startTestApp();
    await broken.close();
    const response = await broken.request("/api/v1/items", { token: (await t.signUp()).token });
    const text = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(JSON.parse(text)).toHaveProperty("error.code");
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("refuses to serve with a weak JWT secret", async () => {
    const weak = await startTestApp({ JWT_SECRET: "short" });
    const response = await weak.request("/api/v1/health");
    await weak.close();
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: "misconfigured", message: "Server is misconfigured" } });
  });

  it("serves an OpenAPI 3.1 document listing every route, with bearer security", async () => {
    const response = await t.request("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // openapi.test.ts checks that every route of the app is documented; here, the core contract is there.
    expect(operations).toEqual(
      expect.arrayContaining([
        "GET /api/v1/health",
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/login",
        "GET /api/v1/users/me",
        "PATCH /api/v1/users/me",
        "GET /api/v1/users",
        "GET /api/v1/items",
        "POST /api/v1/items",
        "GET /api/v1/items/{id}",
        "PATCH /api/v1/items/{id}",
        "DELETE /api/v1/items/{id}",
      ]),
    );
  });
});
