import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATORS } from "../db/crud/filters";
import { bodyOf, hostileKey, hostileString, type JsonSchema, valueFor } from "./testing/arbitraries";
import { type FakeStripe, startFakeStripe } from "./testing/fake-stripe";
import { startTestApp, type TestApp } from "./testing/harness";

// Fuzzing from the OpenAPI document: for every operation, requests generated from its own schemas and past
// them (wrong types, boundaries, NUL and odd Unicode, huge numbers, unknown and prototype-named fields,
// garbage ids), sent as a superuser, a user, the user's API key or nobody. Whatever comes in, the answer is
// below 500 and every refusal has the API's error shape. FUZZ_RUNS sets the cases per operation.

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

type Operation = {
  parameters?: { name: string; in: "query" | "path"; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};

let t: TestApp;
let stripe: FakeStripe;
let doc: Document;
const credentials: Record<string, Record<string, string>> = { none: {} };
const ids: string[] = [];

beforeAll(async () => {
  // Billing configured (against the local fake of Stripe): its routes are fuzzed past the 503 of a missing key.
  stripe = await startFakeStripe();
  t = await startTestApp({
    ...stripe.env,
  });
  await t.asOwner((tx) => tx.execute(sql`update rate_limits set "limit" = 1000000000`));
  doc = (await (await t.request("/openapi.json")).json()) as Document;
  const admin = await t.signUp({ superuser: true });
  const user = await t.signUp();
  credentials.admin = { authorization: `Bearer ${admin.token}` };
  credentials.user = { authorization: `Bearer ${user.token}` };
  const key = (await (
    await t.request("/api/v1/api-keys", {
      method: "POST",
      token: user.token,
      json: {
        name: "fuzz",
        permissions: ["items", "posts", "categories", "users"].flatMap((r) => [`${r}:read`, `${r}:write`]),
      },
    })
  ).json()) as { id: string; key: string };
  credentials.key = { "x-api-key": key.key };
  // Real ids of every kind, the caller's and others', for path parameters.
  const created = async (path: string, token: string, json: object) =>
    ((await (await t.request(path, { method: "POST", token, json })).json()) as { id?: string }).id;
  const tier = await created("/api/v1/admin/tiers", admin.token, { name: "fuzz tier" });
  ids.push(
    key.id,
    user.id,
    admin.id,
    ...((await Promise.all([
      created("/api/v1/items", user.token, { title: "fuzz item" }),
      created("/api/v1/items", admin.token, { title: "someone else's" }),
      created("/api/v1/posts", user.token, { title: "fuzz post", body: "b" }),
      created("/api/v1/categories", admin.token, { name: "Fuzz", slug: "fuzz" }),
      tier,
      tier &&
        created(`/api/v1/admin/tiers/${tier}/rate-limits`, admin.token, {
          name: "r",
          path: "/x",
          limit: 5,
          period: 60,
        }),
    ])) as string[]),
  );
}, 120_000);
afterAll(async () => {
  await t.close();
  await stripe.close();
});

const resolve = (schema: JsonSchema | undefined): JsonSchema =>
  schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split("/").pop() as string]) : (schema ?? {});

/** The filterable-looking fields of a list: the properties of its page's items, with every operator. */
function filterKeys(operation: Operation) {
  const page = resolve(operation.responses["200"]?.content?.["application/json"]?.schema);
  const item = resolve(resolve(page.properties?.data).items);
  const fields = Object.keys(item.properties ?? {});
  return fields.length === 0
    ? fc.constant("id")
    : fc.oneof(
        fc.constantFrom(...fields),
        fc.tuple(fc.constantFrom(...fields), fc.constantFrom(...OPERATORS)).map(([f, o]) => `${f}__${o}`),
        hostileKey,
      );
}

/** A URL cannot carry a lone surrogate (it has no UTF-8): a client sends U+FFFD, as URLSearchParams does. */
const wellFormed = (value: string) =>
  value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

function requestOf(path: string, method: string, operation: Operation) {
  const pathParams = (operation.parameters ?? []).filter((p) => p.in === "path");
  const queryParams = (operation.parameters ?? []).filter((p) => p.in === "query");
  const isList = queryParams.some((p) => p.name === "limit");
  const id = fc.oneof(fc.constantFrom(...ids), fc.uuid(), hostileString);
  const query = fc.tuple(
    fc.record(Object.fromEntries(queryParams.map((p) => [p.name, valueFor(p.schema, doc.components.schemas)])), {
      requiredKeys: [],
    }),
    isList
      ? fc.array(fc.tuple(filterKeys(operation), valueFor({ type: "string" }, {})), { maxLength: 3 })
      : fc.constant([]),
  );
  const content = operation.requestBody?.content ?? {};
  const json = content["application/json"]?.schema;
  const body = json
    ? fc.option(bodyOf(json, doc.components.schemas), { nil: undefined, freq: 8 })
    : fc.constant(undefined);
  return fc
    .record({
      who: fc.constantFrom("admin", "user", "key", "none"),
      params: fc.tuple(...pathParams.map(() => id)),
      query,
      body,
    })
    .map(({ who, params, query: [declared, filters], body }) => {
      let url = path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, encodeURIComponent(wellFormed(String(params[i]))));
      });
      const search = new URLSearchParams();
      for (const [name, value] of [...Object.entries(declared), ...filters]) {
        if (value !== undefined) search.append(name, typeof value === "string" ? value : JSON.stringify(value));
      }
      const qs = search.toString();
      return { who, url: qs ? `${url}?${qs}` : url, method: method.toUpperCase(), body };
    });
}

describe("fuzzing every operation of the OpenAPI document", () => {
  it("has operations to fuzz", () => {
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

  it("answers every generated request below 500, each refusal in the error shape", { timeout: 600_000 }, async () => {
    for (const { path, method, operation } of operations()) {
      await fc.assert(
        fc.asyncProperty(requestOf(path, method, operation), async (request) => {
          const headers: Record<string, string> = { ...credentials[request.who] };
          if (request.body !== undefined) headers["content-type"] = "application/json";
          const response = await t.request(request.url, {
            method: request.method,
            headers,
            ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
          });
          const text = await response.text();
          const what = `${request.method} ${request.url} as ${request.who}: ${response.status} ${text.slice(0, 300)}`;
          expect(response.status, what).toBeLessThan(500);
          if (response.status >= 400) {
            const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
            expect(typeof error?.code, what).toBe("string");
            expect(typeof error?.message, what).toBe("string");
          }
        }),
        { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
      );
    }
  });
});
