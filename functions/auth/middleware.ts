import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { unauthorized } from "../lib/errors";
import { verifyAccessToken } from "./tokens";

/** Requires `Authorization: Bearer <jwt>` and puts the token's user id on the context. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match?.[1]) throw unauthorized();
  const userId = await verifyAccessToken(c.var.config, match[1]);
  if (!userId) throw unauthorized("Could not validate credentials", "invalid_token");
  c.set("userId", userId);
  await next();
});
