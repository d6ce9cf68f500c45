import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { adminRoutes } from "./admin/routes";
import { apiKeysRoutes } from "./api-keys/routes";
import { authenticate } from "./auth/authenticate";
import { authRoutes } from "./auth/routes";
import { categoriesRoutes } from "./categories/routes";
import { loadConfig } from "./config";
import { docsRoutes } from "./docs/routes";
import type { ClientIp, OpenDatabase } from "./env";
import { healthRoutes } from "./health/routes";
import { itemsRoutes } from "./items/routes";
import { handleError, handleNotFound } from "./lib/error-handler";
import { ApiError } from "./lib/errors";
import { log } from "./lib/log";
import { createRouter } from "./lib/openapi";
import { requestScope } from "./lib/request-scope";
import { limitBody, storableInput } from "./lib/storable-input";
import { postsRoutes } from "./posts/routes";
import { usersRoutes } from "./users/routes";

const SERVED_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"];

/**
 * The Hono app, the same on Workers, on Node and in tests; only how a request gets its database differs.
 * Settings come from the `env` handed to `app.fetch` (Worker bindings, or process.env on Node).
 */
export function createApp({
  openDatabase,
  clientIp = (request) => request.headers.get("cf-connecting-ip") ?? undefined,
}: {
  openDatabase: OpenDatabase;
  clientIp?: ClientIp;
}) {
  const app = createRouter();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    log("info", "request", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  app.use(secureHeaders());
  // The methods the API serves. Anything else (TRACE, CONNECT, made-up verbs) is refused before any work.
  app.use(async (c, next) => {
    if (!SERVED_METHODS.includes(c.req.method)) {
      throw new ApiError(405, "method_not_allowed", `${c.req.method} is not served here`, undefined, {
        Allow: SERVED_METHODS.join(", "),
      });
    }
    await next();
  });
  app.use(async (c, next) => {
    c.set("config", loadConfig(c.env ?? {}));
    await next();
  });
  // Answers are per caller and may hold private data: no shared or browser cache keeps them.
  app.use("/api/*", async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });
  app.use("/api/*", async (c, next) => {
    const origins = c
      .get("config")
      .CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean);
    if (origins.length === 0) return next();
    return cors({ origin: origins.includes("*") ? "*" : origins, maxAge: 600 })(c, next);
  });
  // OPTIONS that CORS did not answer as a preflight: the methods, and nothing else (no database, no rate limit).
  app.options("/api/*", (c) => c.body(null, 204, { Allow: SERVED_METHODS.join(", ") }));
  app.use("/api/*", async (c, next) => {
    const runner = openDatabase(c.get("config"), c.env ?? {});
    c.set("runner", runner);
    c.set("background", []);
    c.set("clientIp", clientIp(c.req.raw) ?? "unknown");
    try {
      await next();
    } finally {
      // Work queued with afterResponse (e.g. recording an API key's use) runs before the runner closes.
      const closing = Promise.allSettled(c.get("background"))
        .then(() => runner.close())
        .catch((error) => log("warn", "closing the database failed", { error }));
      // On Workers the runner closes after the response is sent; elsewhere there is no execution context.
      try {
        c.executionCtx.waitUntil(closing);
      } catch {
        await closing;
      }
    }
  });

  // requestScope first: every refusal after it (too large, bad credentials, unstorable input) is counted.
  app.use("/api/*", requestScope, limitBody, authenticate, storableInput);

  const routes = app
    .route("/api/v1/health", healthRoutes)
    .route("/api/v1/auth", authRoutes)
    .route("/api/v1/users", usersRoutes)
    .route("/api/v1/items", itemsRoutes)
    .route("/api/v1/categories", categoriesRoutes)
    .route("/api/v1/posts", postsRoutes)
    .route("/api/v1/api-keys", apiKeysRoutes)
    .route("/api/v1/admin", adminRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Hono + Drizzle + RLS API", version: "0.1.0" },
  });
  app.route("/", docsRoutes);
  app.onError(handleError);
  app.notFound(handleNotFound);
  return routes;
}

export type App = ReturnType<typeof createApp>;
