import createClient, { type Middleware } from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./testing/harness";
import type { paths } from "./testing/openapi-types";

// A client generated the way a user of the API would make one: openapi-typescript's types of docs/openapi.json
// (npm run openapi; CI checks they are current) and openapi-fetch, with no code of this repository. Its requests
// are served in-process by the test app.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const clientFor = () =>
  createClient<paths>({
    baseUrl: "http://localhost:8787",
    fetch: async (request: Request) => t.call(request),
  });

/** Signs every request in with `token` from then on, as an application would. */
const bearer = (token: string): Middleware => ({
  onRequest: ({ request }) => {
    request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
});

describe("a generated client (openapi-typescript + openapi-fetch)", () => {
  it("drives the README flow: register, sign in, items, refresh, sign out", async () => {
    const client = clientFor();
    const credentials = { email: `generated-${crypto.randomUUID()}@example.com`, password: "password-123" };

    const registered = await client.POST("/api/v1/auth/register", { body: credentials });
    expect(registered.response.status).toBe(201);
    expect(registered.data?.email).toBe(credentials.email);

    const login = await client.POST("/api/v1/auth/login", { body: credentials });
    expect(login.response.status).toBe(200);
    const tokens = login.data;
    if (!tokens) throw new Error("no tokens");
    client.use(bearer(tokens.access_token));

    const created = await client.POST("/api/v1/items", {
      body: { title: "generated", description: "by openapi-fetch" },
    });
    expect(created.response.status).toBe(201);
    const id = created.data?.id ?? "";

    const page = await client.GET("/api/v1/items", { params: { query: { limit: 10, sort: "-created_at" } } });
    expect(page.data?.data.map((item) => item.id)).toEqual([id]);
    expect(page.data?.total_count).toBe(1);

    const one = await client.GET("/api/v1/items/{id}", { params: { path: { id } } });
    expect(one.data?.title).toBe("generated");

    const changed = await client.PATCH("/api/v1/items/{id}", { params: { path: { id } }, body: { title: "renamed" } });
    expect(changed.data?.title).toBe("renamed");

    // Errors arrive typed as the documented Error body.
    const missing = await client.GET("/api/v1/items/{id}", {
      params: { path: { id: "00000000-0000-4000-8000-000000000000" } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe("not_found");
    const invalid = await client.POST("/api/v1/items", { body: { title: "" } });
    expect(invalid.response.status).toBe(422);
    expect(invalid.error?.error.details?.[0]?.field).toBe("title");

    const removed = await client.DELETE("/api/v1/items/{id}", { params: { path: { id } } });
    expect(removed.response.status).toBe(204);

    const refreshed = await clientFor().POST("/api/v1/auth/refresh", {
      body: { refresh_token: tokens.refresh_token },
    });
    expect(refreshed.response.status).toBe(200);
    const next = refreshed.data?.access_token ?? "";
    const signedOut = await clientFor().POST("/api/v1/auth/logout", { headers: { authorization: `Bearer ${next}` } });
    expect(signedOut.response.status).toBe(204);
    const after = await clientFor().GET("/api/v1/users/me", { headers: { authorization: `Bearer ${next}` } });
    expect(after.response.status).toBe(401);
  });
});
