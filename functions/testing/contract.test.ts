import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContractError, contractOf, type OpenApiDocument } from "./contract";
import { startTestApp, type TestApp } from "./harness";

// The check every HTTP test's answers go through (startTestApp): here it is shown failing on answers that break
// a small document, and on the real app once its document is made wrong on purpose.

const error = { $ref: "#/components/schemas/Error" };
const document: OpenApiDocument = {
  paths: {
    "/api/things/{id}": {
      get: {
        responses: {
          "200": {
            content: { "application/json": { schema: { $ref: "#/components/schemas/Detail" } } },
            headers: { "X-RateLimit-Limit": { $ref: "#/components/headers/X-RateLimit-Limit" } },
          },
          "429": {
            content: { "application/json": { schema: error } },
            headers: { "Retry-After": { $ref: "#/components/headers/Retry-After" } },
          },
        },
      },
      delete: { responses: { "204": {} } },
      post: { responses: { "202": {} } },
    },
    "/api/things/mine": {
      get: { responses: { "200": { content: { "application/json": { schema: { type: "array" } } } } } },
    },
  },
  components: {
    schemas: {
      Error: {
        type: "object",
        properties: { error: { type: "object", properties: { code: { type: "string" } }, required: ["code"] } },
        required: ["error"],
      },
      Thing: {
        type: "object",
        properties: { id: { type: "string" }, at: { type: ["string", "null"], format: "date-time" } },
        required: ["id", "at"],
      },
      Detail: {
        allOf: [
          { $ref: "#/components/schemas/Thing" },
          { type: "object", properties: { owner: { type: "string" } }, required: ["owner"] },
        ],
      },
    },
    headers: {
      "X-RateLimit-Limit": { required: false },
      "Retry-After": { required: true },
    },
  },
};

const contract = contractOf(document);
const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
  });
const problems = (method: string, path: string, response: Response) => contract.mismatches(method, path, response);
const thing = { id: "a", at: null, owner: "o" };

describe("the response contract", () => {
  it("accepts an answer the document allows: allOf parts merged, null where the schema says so", async () => {
    expect(await problems("GET", "/api/things/1", answer(200, thing, { "x-ratelimit-limit": "10" }))).toEqual([]);
    expect(
      await problems("HEAD", "/api/things/1", answer(200, undefined, { "content-type": "application/json" })),
    ).toEqual([]);
    expect(await problems("DELETE", "/api/things/1", answer(204))).toEqual([]);
    expect(await problems("GET", "/api/things/mine", answer(200, []))).toEqual([]);
  });

  it("refuses a status the operation does not declare", async () => {
    expect(await problems("DELETE", "/api/things/1", answer(500, { error: { code: "x" } }))).toEqual([
      "status 500 is not declared (declared: 204)",
    ]);
  });

  it("refuses a body off its schema: a wrong type, a missing field, a field the document does not name", async () => {
    expect(await problems("GET", "/api/things/1", answer(200, { ...thing, at: 5 }))).toEqual([
      "body/at must be string,null",
    ]);
    const { owner: _, ...noOwner } = thing;
    expect(await problems("GET", "/api/things/1", answer(200, noOwner))).toEqual([
      "body must have required property 'owner'",
    ]);
    expect(await problems("GET", "/api/things/1", answer(200, { ...thing, secret: "x" }))).toEqual([
      "body must NOT have additional properties: secret",
    ]);
    expect(await problems("GET", "/api/things/1", answer(200, { ...thing, at: "yesterday" }))).toEqual([
      'body/at must match format "date-time"',
    ]);
  });

  it("refuses a missing required header, and a described header sent where it is not declared", async () => {
    expect(await problems("GET", "/api/things/1", answer(429, { error: { code: "rate_limited" } }))).toEqual([
      "header retry-after is missing",
    ]);
    expect(await problems("DELETE", "/api/things/1", answer(204, undefined, { "X-RateLimit-Limit": "5" }))).toEqual([
      "header x-ratelimit-limit is sent but not declared",
    ]);
  });

  it("refuses a body where none is declared, and a media type that is not declared", async () => {
    expect(await problems("POST", "/api/things/1", answer(202, { ok: true }))).toEqual([
      'a body is sent where none is declared: {"ok":true}',
    ]);
    const text = new Response("hello", { status: 200, headers: { "content-type": "text/plain" } });
    expect(await problems("GET", "/api/things/1", text)).toEqual([
      "content-type text/plain is not declared (declared: application/json)",
    ]);
  });

  it("takes an unknown route or method only as a refusal in the error shape", async () => {
    expect(await problems("GET", "/api/nothing", answer(404, { error: { code: "not_found" } }))).toEqual([]);
    expect(await problems("PUT", "/api/things/1", answer(200, { error: { code: "x" } }))).toEqual([
      "undocumented 200 answer",
    ]);
    expect(await problems("GET", "/api/nothing", answer(404, { message: "no" }))).toEqual([
      "body must have required property 'error'",
      "body must NOT have additional properties: message",
    ]);
  });

  it("throws a ContractError naming the request, the status and every mismatch", async () => {
    const thrown = await contract.check("GET", "http://localhost/api/things/1", answer(200, {})).catch((e) => e);
    expect(thrown).toBeInstanceOf(ContractError);
    expect(thrown.message).toContain("GET /api/things/1 answered 200");
    expect(thrown.message).toContain("must have required property 'id'");
  });
});

describe("the response contract on the real app", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it("fails an answer once the document's schema is wrong on purpose", async () => {
    const user = await t.signUp();
    const created = await t.request("/api/v1/items", { method: "POST", token: user.token, json: { title: "a" } });
    const served = (await (await t.request("/openapi.json")).json()) as OpenApiDocument & {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(await contractOf(served).mismatches("POST", "/api/v1/items", created.clone())).toEqual([]);
    // description is nullable text: declared a plain string, the item's null no longer passes.
    const item = served.components.schemas.Item as { properties: Record<string, unknown> };
    item.properties.description = { type: "string" };
    expect(await contractOf(served).mismatches("POST", "/api/v1/items", created)).toEqual([
      "body/description must be string",
    ]);
  });
});
