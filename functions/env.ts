import type { Database } from "../db/client";
import type { Config } from "./config";

/** Hono's typed environment: what every handler may read from `c.var`. */
export type AppEnv = {
  Bindings: Record<string, unknown>;
  Variables: {
    config: Config;
    /** This request's database; opened by the app's `openDatabase` and closed after the response. */
    db: Database;
    /** Who is calling, read by authenticate; absent for anonymous requests. */
    auth?: Auth;
    /** Set by requireUser: the signed-in user's id. */
    userId: string;
    requestId: string;
    /** Promises afterResponse queued; the database middleware settles them before closing. */
    background: Promise<unknown>[];
  };
};

/** How the app gets a database for one request: the Worker opens a neon Pool, Node shares one. */
export type OpenDatabase = (
  config: Config,
  bindings: Record<string, unknown>,
) => { db: Database; close?: () => Promise<void> };

/** A caller: a user by its access token, or by one of its API keys (with that key's permissions). */
export type Auth =
  | { via: "token"; userId: string }
  | { via: "api_key"; userId: string; keyId: string; permissions: string[] };
