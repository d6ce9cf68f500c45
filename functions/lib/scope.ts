import type { Context } from "hono";
import type { Database } from "../../db/client";
import type { AppEnv } from "../env";

/** What a service needs of a request: its database and who is asking. */
export type Scope = { db: Database; userId: string };

export const scopeOf = (c: Context<AppEnv>): Scope => ({ db: c.var.db, userId: c.var.userId });
