import type { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { ReadBundle } from "./docs/bundle";
import { docsRoutes } from "./docs/routes";
import { features, type MountedSchema } from "./features";
import type { AppEnv } from "./http/env";
import { registerComponents } from "./http/route";
import { createRouter } from "./http/router";
import { handleError, handleNotFound } from "./lib/error-handler";
import { authenticate } from "./middleware/authenticate";
import { limitBody, storableInput } from "./middleware/body";
import { configFromEnv } from "./middleware/config";
import { consistency } from "./middleware/consistency";
import { configuredCors } from "./middleware/cors";
import { type ChooseLimiter, type ClientIp, database, type JobsQueued, type OpenDatabase } from "./middleware/database";
import { idempotency } from "./middleware/idempotency";
import { keyUsage } from "./middleware/key-usage";
import { answerOptions, servedMethods } from "./middleware/methods";
import { noStore } from "./middleware/no-store";
import { rateLimits } from "./middleware/rate-limits";
import { requestLog } from "./middleware/request-log";
import { requestScope } from "./middleware/request-scope";

/**
 * The Hono app, the same on Workers, on Node and in tests; only how a request gets its database differs.
 * Settings come from the `env` handed to `app.fetch` (Worker bindings, or process.env on Node).
 */
export function createApp({
  openDatabase,
  clientIp = (request) => request.headers.get("cf-connecting-ip") ?? undefined,
  docsBundle,
  rateLimiter,
  jobsQueued,
}: {
  openDatabase: OpenDatabase;
  /** What follows a request that queued jobs (middleware/database.ts); none: the runner finds them by polling. */
  jobsQueued?: JobsQueued;
  clientIp?: ClientIp;
  /**
   * Where rate-limit hits are counted; in the database unless given (RATE_LIMIT_STORE=redis on Node, a
   * Worker's Durable Objects with durable_object).
   */
  rateLimiter?: ChooseLimiter;
  /** Node: the API reference's script, for /docs to serve itself (the Worker's page loads it from a CDN). */
  docsBundle?: ReadBundle;
}) {
  const app = createRouter();

  app.use(requestId(), requestLog(), secureHeaders(), servedMethods(), configFromEnv());
  app.use(
    "/api/*",
    noStore(),
    configuredCors(),
    answerOptions(),
    database({ openDatabase, clientIp, rateLimiter, jobsQueued }),
  );
  // The scope first, then what settles around it: every refusal after them (too large, bad credentials,
  // unstorable input) is counted against the rate limit, and a key's use is recorded with the final answer.
  // Idempotency-Key last: it reads the body the others bounded and checked, and keeps the handler's own answer.
  app.use(
    "/api/*",
    requestScope,
    consistency(),
    keyUsage,
    rateLimits,
    limitBody,
    authenticate,
    storableInput,
    idempotency,
  );

  // Every feature, in the order of functions/features.ts; the result keeps each route's types for hc<App>.
  for (const [path, routes] of features) app.route(path, routes);
  const routes = app as unknown as OpenAPIHono<AppEnv, MountedSchema<typeof features>>;

  registerComponents(app);
  // The server is whoever serves the document (wrangler dev, npm start, the deployed Worker): generated clients
  // then call the API they were generated from.
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Hono + Drizzle + RLS API",
      version: "0.1.0",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: new URL(c.req.url).origin, description: "This server" }],
  }));
  app.route("/", docsRoutes(docsBundle));
  app.onError(handleError);
  app.notFound(handleNotFound);
  return routes;
}

export type App = ReturnType<typeof createApp>;
