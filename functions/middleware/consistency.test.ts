import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../testing/harness";

// Read-your-writes on replicas is tested on a real standby (functions/replicas.test.ts); here, what every
// deployment sees of the header.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe("X-Consistency-Token", () => {
  it("is refused when malformed, naming the header, on every route under /api", async () => {
    const alice = await t.signUp();
    for (const path of ["/api/v1/items", "/api/v1/health"]) {
      const response = await t.request(path, { token: alice.token, headers: { "x-consistency-token": "yesterday" } });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({
        error: { code: "validation_error", details: [{ field: "X-Consistency-Token", location: "header" }] },
      });
    }
  });

  it("is neither needed nor sent without read replicas", async () => {
    const alice = await t.signUp();
    const created = await t.request("/api/v1/items", { method: "POST", token: alice.token, json: { title: "x" } });
    expect(created.status).toBe(201);
    expect(created.headers.get("x-consistency-token")).toBeNull();
    const read = await t.request("/api/v1/items", { token: alice.token, headers: { "x-consistency-token": "0/0" } });
    expect(read.status).toBe(200);
  });
});
