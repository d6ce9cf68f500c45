import type { Runner } from "../db/runner/runner";
import type { Config } from "./config";
import type { createScope, Scope } from "./lib/scope";

/**
 * Hono's typed environment: what every handler may read with `c.get(...)`. (Read them with c.get: Hono's
 * `c.var` builds an object of every variable on each access.)
 */
export type AppEnv = {
  Bindings: Record<string, unknown>;
  Variables: {
    config: Config;
    /** How this request's statements reach the database; opened by the app's `openDatabase`, closed after. */
    runner: Runner;
    /** Who is calling, read by authenticate; absent for anonymous requests. */
    auth?: Auth;
    /** The request's RLS scope for services (functions/lib/scope.ts), and what the middleware tracks of it. */
    scope: Scope;
    request: ReturnType<typeof createScope>;
    requestId: string;
    /** The caller's address, for rate limits on anonymous requests (the app's `clientIp`). */
    clientIp: string;
    /** Promises afterResponse queued; the database middleware settles them before closing. */
    background: Promise<unknown>[];
  };
};

/** How the app gets a statement runner for one request: the Worker makes one per request, Node shares one. */
export type OpenDatabase = (config: Config, bindings: Record<string, unknown>) => Runner;

/** Where a request comes from: Workers read the address Cloudflare sets; Node reads its socket. */
export type ClientIp = (request: Request) => string | undefined;

/**
 * A caller's credentials, checked as far as they can be without the database: a token's signature and
 * expiry, or an API key's shape and the hash of its secret (which the database compares).
 */
export type Auth =
  | { via: "token"; userId: string; tokenVersion: number }
  | { via: "api_key"; prefix: string; hash: string };
