import { createHash, randomUUID } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_BUNDLE_PATH } from "./docs/bundle";
import { PERMISSIONS } from "./lib/permissions";
import { requireUser } from "./middleware/access";
import { readError, startTestApp, type TestApp } from "./testing/harness";

type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Document = { openapi: string; servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };

// Not API operations: the document itself, its reference page and the page's script.
const undocumented = new Set(["/openapi.json", "/docs", LOCAL_BUNDLE_PATH]);
const methods = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

let t: TestApp;
let document: Document;
beforeAll(async () => {
  t = await startTestApp();
  const response = await t.request("/openapi.json");
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
});
afterAll(() => t.close());

/** Hono's `/items/:id` (or `:id{regex}`) as OpenAPI's `/items/{id}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

/** Every handler registered on the app, from the app itself: a route added without createRoute shows up here. */
const registered = () =>
  t.app.routes
    .filter((route) => methods.has(route.method) && !undocumented.has(route.path))
    .map((route) => ({ method: route.method.toLowerCase(), path: openApiPath(route.path) }));

const documented = () =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ method, path, operation })),
  );

/** Paths behind `requireUser`, as its middleware entries on the app say (`/api/v1/items/*`). */
const isBearerProtected = (path: string) =>
  t.app.routes
    .filter((route) => route.method === "ALL" && route.handler === requireUser)
    .some((guard) => {
      const prefix = openApiPath(guard.path).replace(/\/?\*$/, "");
      return path === prefix || path.startsWith(`${prefix}/`);
    });

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("names every operation once, in camelCase, for client generators (listItems, getItem, ...)", () => {
    const ids = documented().map(({ method, path, operation }) => {
      expect(operation.operationId, `${method.toUpperCase()} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      return operation.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
    const byRoute = Object.fromEntries(documented().map((op) => [`${op.method} ${op.path}`, op.operation.operationId]));
    expect(byRoute).toMatchObject({
      "get /api/v1/items": "listItems",
      "post /api/v1/items": "createItem",
      "get /api/v1/items/{id}": "getItem",
      "patch /api/v1/items/{id}": "updateItem",
      "delete /api/v1/items/{id}": "deleteItem",
      "post /api/v1/auth/login": "login",
    });
  });

  it("names the server that serves it", () => {
    expect(document.servers).toEqual([{ url: "http://localhost", description: "This server" }]);
  });

  it("documents every route registered on the app, and nothing else", () => {
    const key = ({ method, path }: { method: string; path: string }) => `${method.toUpperCase()} ${path}`;
    // createRoute registers each validator as a handler of its own on the same method and path.
    const routes = [...new Set(registered().map(key))].sort();
    expect(routes.length).toBeGreaterThan(0);
    expect(documented().map(key).sort()).toEqual(routes);
  });

  it("declares bearer security and a 401 exactly where requireUser guards the route", () => {
    expect(t.app.routes.some((route) => route.handler === requireUser)).toBe(true);
    for (const { method, path, operation } of documented()) {
      const where = `${method.toUpperCase()} ${path}`;
      if (isBearerProtected(path)) {
        expect(operation.security?.[0], where).toEqual({ bearer: [] });
        expect(operation.responses, where).toHaveProperty("401");
      } else {
        // Public: said explicitly, so that a global security requirement can never silently cover it.
        expect(operation.security, where).toEqual([]);
      }
    }
  });

  it("offers the X-API-Key scheme exactly where an API key is accepted", async () => {
    const user = await t.signUp();
    const created = await t.request("/api/v1/api-keys", {
      method: "POST",
      token: user.token,
      json: { name: "every permission", permissions: PERMISSIONS },
    });
    const { key } = (await created.json()) as { key: string };
    let offered = 0;
    for (const { method, path, operation } of documented()) {
      if (!isBearerProtected(path)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const response = await t.request(path.replace(/\{[^}]+\}/g, randomUUID()), {
        method: method.toUpperCase(),
        headers: { "x-api-key": key },
        ...(operation.requestBody ? { json: {} } : {}),
      });
      const body = response.status === 403 ? await readError(response) : undefined;
      // Refused as a key: by tokenOnly ("use a user's access token"), or by the context statement on a route
      // that names no permission ("This API key lacks the ... permission").
      const refused = /access token|API key/.test(body?.error.message ?? "");
      expect(operation.security, `${where} answered ${response.status}`).toEqual(
        refused ? [{ bearer: [] }] : [{ bearer: [] }, { apiKey: [] }],
      );
      if (!refused) offered++;
    }
    expect(offered).toBeGreaterThan(10);
  });

  it("describes every 4xx with the shared Error schema, and a 422 wherever there is input", () => {
    for (const { method, path, operation } of documented()) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!status.startsWith("4")) continue;
        expect(response.content?.["application/json"]?.schema?.$ref, `${where} ${status}`).toBe(
          "#/components/schemas/Error",
        );
      }
      if (operation.parameters?.length || operation.requestBody) {
        expect(operation.responses, where).toHaveProperty("422");
      }
    }
  });
});

describe("GET /docs", () => {
  it("serves the interactive reference for /openapi.json", async () => {
    const response = await t.request("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('"/openapi.json"');
    expect(html).toMatch(/<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@[\d.]+\//);
  });

  it("allows the bundle and its inline start-up script by hash, and nothing else inline", async () => {
    const response = await t.request("/docs");
    const html = await response.text();
    const policy = response.headers.get("content-security-policy") ?? "";
    const scriptSrc = policy.split(";").find((directive) => directive.trim().startsWith("script-src")) ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(scriptSrc).toContain("https://cdn.jsdelivr.net");
    expect(scriptSrc).not.toContain("unsafe");
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)];
    expect(inline).toHaveLength(1);
    for (const [, script = ""] of inline) {
      expect(scriptSrc).toContain(`'sha256-${createHash("sha256").update(script).digest("base64")}'`);
    }
    // The app's other security headers still apply.
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
