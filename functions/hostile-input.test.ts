import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListSpec } from "../db/crud";
import { OPERATORS } from "../db/crud/filters";
import { tiersListSpec } from "./admin/schemas";
import { apiKeysListSpec } from "./api-keys/schemas";
import { categoriesListSpec } from "./categories/schemas";
import { itemsListSpec } from "./items/schemas";
import { MAX_BODY_BYTES } from "./middleware/body";
import { postsListSpec } from "./posts/schemas";
import { startTestApp, type TestApp } from "./testing/harness";
import { adminUsersListSpec } from "./users/schemas";

// Hostile input, generated rather than listed: every list's every filterable field with every operator and
// values Postgres refuses (NUL, year 0, out-of-range integers, lone escapes...), every string property of
// every JSON body in the OpenAPI document with a NUL, garbage cursors, prototype-named parameters. No case may
// answer 5xx; each refusal is the API's JSON error shape.

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  token = (await t.signUp({ superuser: true })).token;
});
afterAll(() => t.close());

const expectRefusedCleanly = async (response: Response, what: string) => {
  const text = await response.text();
  expect(response.status, `${what}: ${text}`).toBeLessThan(500);
  if (response.status >= 400) expect(JSON.parse(text), what).toHaveProperty("error.code");
  return response.status;
};

const HOSTILE = [
  "a\u0000b",
  "0000-01-01",
  "-0001-01-01",
  "300000-01-01",
  "999999999999999",
  "-99999999999999999999",
  "1e400",
  "NaN",
  "\\",
  "%\\",
  `%${"a_".repeat(200)}b`,
  "",
  ",",
  "a,b,c",
  "null",
  "😀\u{10FFFF}",
  "x".repeat(1001),
];

const lists: [string, ListSpec][] = [
  ["/api/v1/items", itemsListSpec],
  ["/api/v1/posts", postsListSpec],
  ["/api/v1/categories", categoriesListSpec],
  ["/api/v1/api-keys", apiKeysListSpec],
  ["/api/v1/admin/users", adminUsersListSpec],
  ["/api/v1/admin/tiers", tiersListSpec],
];

describe("hostile input never answers 5xx", () => {
  for (const [path, spec] of lists) {
    // A few hundred in-process requests per list: seconds on PGlite, more over a real server's HTTP path.
    it(`filters of ${path}: every field x operator x hostile value`, { timeout: 180_000 }, async () => {
      for (const field of Object.keys(spec.fields)) {
        for (const op of OPERATORS) {
          for (const value of HOSTILE) {
            const query = new URLSearchParams({ [`${field}__${op}`]: value });
            await expectRefusedCleanly(await t.request(`${path}?${query}`, { token }), `${path}?${query}`);
          }
        }
      }
    });
  }

  it("garbage cursors and prototype-named parameters are 422s", async () => {
    const cursors = [
      btoa(JSON.stringify(["", ""])),
      "allballs",
      btoa(JSON.stringify(["300000-01-01 00:00:00+00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"])),
      btoa(JSON.stringify(["2026-01-01 00:00:00+00", "not-a-uuid"])),
      btoa(JSON.stringify([1, 2])),
    ];
    for (const cursor of cursors) {
      const response = await t.request(`/api/v1/items?cursor=${encodeURIComponent(cursor)}`, { token });
      expect(await expectRefusedCleanly(response, cursor)).toBe(422);
    }
    for (const param of ["constructor=x", "toString=x", "__proto____in=a,b", "hasOwnProperty=1", "sort=constructor"]) {
      expect(await expectRefusedCleanly(await t.request(`/api/v1/items?${param}`, { token }), param)).toBe(422);
    }
  });

  it("a NUL in any string property of any JSON body is a 422 naming that field (from the OpenAPI document)", async () => {
    type Schema = { $ref?: string; properties?: Record<string, Schema>; type?: string | string[]; anyOf?: Schema[] };
    const document = (await (await t.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
      components: { schemas: Record<string, Schema> };
    };
    const resolve = (schema: Schema | undefined): Schema | undefined =>
      schema?.$ref ? document.components.schemas[schema.$ref.split("/").pop() as string] : schema;
    const isString = (schema: Schema | undefined): boolean => {
      const s = resolve(schema);
      return (
        s?.type === "string" ||
        (Array.isArray(s?.type) && s.type.includes("string")) ||
        Boolean(s?.anyOf?.some(isString))
      );
    };
    let checked = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const schema = resolve(operation.requestBody?.content?.["application/json"]?.schema);
        for (const [property, propertySchema] of Object.entries(schema?.properties ?? {})) {
          if (!isString(propertySchema)) continue;
          const url = path.replace(/\{[^}]+\}/g, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
          const response = await t.request(url, {
            method: method.toUpperCase(),
            token,
            json: { [property]: "a\u0000b" },
          });
          const what = `${method.toUpperCase()} ${path} ${property}`;
          expect(await expectRefusedCleanly(response.clone(), what), what).toBe(422);
          const body = (await response.json()) as { error: { details: { field: string; location: string }[] } };
          expect(body.error.details, what).toContainEqual(
            expect.objectContaining({ field: property, location: "body" }),
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("NUL in a query value, a path or a form body is a 422; a body over the limit is a 413", async () => {
    expect(await expectRefusedCleanly(await t.request("/api/v1/items?title=a%00b", { token }), "query")).toBe(422);
    expect(await expectRefusedCleanly(await t.request("/api/v1/items/a%00b", { token }), "path")).toBe(422);
    const form = await t.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "username=a%00b@example.com&password=whatever1",
    });
    expect(await expectRefusedCleanly(form, "form")).toBe(422);
    const huge = await t.request("/api/v1/auth/register", {
      method: "POST",
      json: { email: "big@example.com", password: "x".repeat(MAX_BODY_BYTES + 1) },
    });
    expect(await expectRefusedCleanly(huge, "huge")).toBe(413);
  });
});
