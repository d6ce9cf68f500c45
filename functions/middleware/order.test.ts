import { sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/client";
import { one } from "../../db/runner/plan";
import { createRouter } from "../http/router";
import { scopeOf } from "../lib/scope";
import { startTestApp, type TestApp } from "../testing/harness";
import { authenticate } from "./authenticate";
import { configFromEnv } from "./config";
import { database } from "./database";
import { requestScope } from "./request-scope";

// Who a request acts for is derived from its own variables when a service runs (request-scope.ts), never kept
// in an object that middleware changes. So the order in which the middleware is registered cannot make a
// request run with another caller's context: registered in any order, with two callers' requests interleaved,
// every request either acts for its own caller or is refused; none acts for the other.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** An app with the request middleware in `order`, and a route answering whom its statements act for. */
function appWith(order: MiddlewareHandler[]) {
  const app = createRouter();
  app.use(configFromEnv(), database({ openDatabase: () => t.runner(), clientIp: () => "203.0.113.9" }));
  for (const middleware of order) app.use("/api/*", middleware);
  app.get("/api/whoami", async (c) => {
    const result = await scopeOf(c).run((q) =>
      one(q.execute(sql`select nullif(current_setting('app.current_user_id', true), '') as "userId"`)),
    );
    return c.json({ userId: rowsOf<{ userId: string | null }>(result)[0]?.userId ?? null });
  });
  return app;
}

describe("middleware order and the caller", () => {
  it.each([
    ["scope, then authenticate (the app's order)", [requestScope, authenticate]],
    ["authenticate, then scope", [authenticate, requestScope]],
  ])("%s: each request acts for its own caller", async (_, order) => {
    const app = appWith(order as MiddlewareHandler[]);
    const [alice, bob] = [await t.signUp(), await t.signUp()];
    const ask = async (user: { token: string }) => {
      const response = await app.request("/api/whoami", { headers: { authorization: `Bearer ${user.token}` } }, t.env);
      return { status: response.status, body: (await response.json()) as { userId?: string | null } };
    };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(i % 2 ? bob : alice)));
    for (const [i, answer] of answers.entries()) {
      const own = (i % 2 ? bob : alice).id;
      expect(answer.status).toBe(200);
      expect(answer.body.userId).toBe(own);
    }
  });

  it("without authenticate before the handler, requests act for nobody, never for an earlier caller", async () => {
    // authenticate registered after the route: it never runs before the handler.
    const app = appWith([requestScope]);
    app.use("/api/*", authenticate);
    const alice = await t.signUp();
    for (let i = 0; i < 4; i++) {
      const response = await app.request("/api/whoami", { headers: { authorization: `Bearer ${alice.token}` } }, t.env);
      const body = (await response.json()) as { userId?: string | null };
      expect(body.userId ?? null).toBeNull();
    }
  });
});
