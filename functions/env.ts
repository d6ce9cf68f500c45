import type { Database } from "../db/client";
import type { Config } from "./config";

/** Hono's typed environment: what every handler may read from `c.var`. */
export type AppEnv = {
  Bindings: Record<string, unknown>;
  Variables: {
    config: Config;
    /** This request's database; opened by the app's `openDatabase` and closed after the response. */
    db: Database;
    /** Set by requireUser from a verified token. */
    userId: string;
    requestId: string;
  };
};

/** How the app gets a database for one request: the Worker opens a neon Pool, Node shares one. */
export type OpenDatabase = (
  config: Config,
  bindings: Record<string, unknown>,
) => { db: Database; close?: () => Promise<void> };
