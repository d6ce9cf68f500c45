import { hc } from "hono/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "./app";
import { ErrorSchema } from "./lib/schemas";
import { startTestApp, type TestApp } from "./testing/harness";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** The typed client, its requests served in-process by the test app with the test bindings. */
const client = (headers: Record<string, string> = {}) =>
  hc<App>("http://localhost", {
    headers,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => t.call(input, init),
  });

describe("typed client (hono/client)", () => {
  it("registers, signs in, creates an item, lists and reads it, all typed from the routes", async () => {
    const api = client().api.v1;
    const credentials = { email: `client-${crypto.randomUUID()}@example.com`, password: "password-123" };

    const registered = await api.auth.register.$post({ json: { ...credentials, full_name: "Ada" } });
    expect(registered.status).toBe(201);
    if (registered.status !== 201) return;
    const user = await registered.json();
    expect(user.email).toBe(credentials.email);
    expect(user.full_name).toBe("Ada");

    // @hono/zod-openapi types a body with two media types as needing both `json` and `form`; hc sends the JSON
    // (either alone would sign in).
    const login = await api.auth.login.$post({
      json: credentials,
      form: { username: credentials.email, password: credentials.password },
    });
    expect(login.status).toBe(200);
    if (login.status !== 200) return;
    const token = await login.json();
    expect(token.token_type).toBe("bearer");

    const items = client({ authorization: `Bearer ${token.access_token}` }).api.v1.items;
    const created = await items.$post({ json: { title: "Typed", description: "from hc" } });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    const item = await created.json();
    expect(item.title).toBe("Typed");
    expect(item.owner_id).toBe(user.id);

    const listed = await items.$get({ query: { offset: "0", limit: "10" } });
    expect(listed.status).toBe(200);
    if (listed.status !== 200) return;
    const page = await listed.json();
    expect(page.total_count).toBe(1);
    expect(page.limit).toBe(10);
    expect(page.data.map((row) => row.id)).toEqual([item.id]);

    const read = await items[":id"].$get({ param: { id: item.id } });
    expect(read.status).toBe(200);
    if (read.status !== 200) return;
    const again = await read.json();
    expect(again).toEqual(item);
    expect(again.description).toBe("from hc");
  });

  it("answers an unknown item with the shared error body, which the client types do not know", async () => {
    const { token } = await t.signUp();
    const items = client({ authorization: `Bearer ${token}` }).api.v1.items;
    const response = await items[":id"].$get({ param: { id: crypto.randomUUID() } });
    // Client types come from what handlers return; errors are thrown and mapped in one place, so only the
    // 200 is typed and the error body is checked against the shared schema instead.
    expect(response.status).toBe(404);
    expect(ErrorSchema.parse(await response.json()).error.code).toBe("not_found");
  });
});
