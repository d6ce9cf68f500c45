import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { adminRoutes } from "./admin/routes";
import { apiKeysRoutes } from "./api-keys/routes";
import { recoveryRoutes } from "./auth/recovery-routes";
import { authRoutes } from "./auth/routes";
import { sessionRoutes } from "./auth/session-routes";
import { plansAdminRoutes } from "./billing/admin-routes";
import { billingRoutes } from "./billing/routes";
import { categoriesRoutes } from "./categories/routes";
import type { ReadBundle } from "./docs/bundle";
import { docsRoutes } from "./docs/routes";
import { healthRoutes } from "./health/routes";
import { registerComponents } from "./http/route";
import { createRouter } from "./http/router";
import { itemsRoutes } from "./items/routes";
import { handleError, handleNotFound } from "./lib/error-handler";
import { maintenanceRoutes } from "./maintenance/routes";
import { authenticate } from "./middleware/authenticate";
import { limitBody, storableInput } from "./middleware/body";
import { configFromEnv } from "./middleware/config";
import { configuredCors } from "./middleware/cors";
import { type ClientIp, database, type OpenDatabase } from "./middleware/database";
import { answerOptions, servedMethods } from "./middleware/methods";
import { noStore } from "./middleware/no-store";
import { requestLog } from "./middleware/request-log";
import { requestScope } from "./middleware/request-scope";
import { postsRoutes } from "./posts/routes";
import { usersAdminRoutes } from "./users/admin-routes";
import { registrationRoutes } from "./users/register-routes";
import { usersRoutes } from "./users/routes";

/**
 * The Hono app, the same on Workers, on Node and in tests; only how a request gets its database differs.
 * Settings come from the `env` handed to `app.fetch` (Worker bindings, or process.env on Node).
 */
export function createApp({
  openDatabase,
  clientIp = (request) => request.headers.get("cf-connecting-ip") ?? undefined,
  docsBundle,
}: {
  openDatabase: OpenDatabase;
  clientIp?: ClientIp;
  /** Node: the API reference's script, for /docs to serve itself (the Worker's page loads it from a CDN). */
  docsBundle?: ReadBundle;
}) {
  const app = createRouter();

  app.use(requestId(), requestLog(), secureHeaders(), servedMethods(), configFromEnv());
  app.use("/api/*", noStore(), configuredCors(), answerOptions(), database({ openDatabase, clientIp }));
  // requestScope first: every refusal after it (too large, bad credentials, unstorable input) is counted.
  app.use("/api/*", requestScope, limitBody, authenticate, storableInput);

  const routes = app
    .route("/api/v1/health", healthRoutes)
    .route("/api/v1/auth", authRoutes)
    .route("/api/v1/auth", registrationRoutes)
    .route("/api/v1/auth", sessionRoutes)
    .route("/api/v1/auth", recoveryRoutes)
    .route("/api/v1/users", usersRoutes)
    .route("/api/v1/items", itemsRoutes)
    .route("/api/v1/categories", categoriesRoutes)
    .route("/api/v1/posts", postsRoutes)
    .route("/api/v1/api-keys", apiKeysRoutes)
    .route("/api/v1/billing", billingRoutes)
    .route("/api/v1/admin", adminRoutes)
    .route("/api/v1/admin/users", usersAdminRoutes)
    .route("/api/v1/admin/plans", plansAdminRoutes)
    .route("/api/v1/admin/maintenance", maintenanceRoutes);

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
