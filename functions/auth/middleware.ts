import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { forbidden, unauthorized } from "../lib/errors";

/** Requires a signed-in caller (token or API key, read by authenticate) and puts its user id on the context. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (!auth) throw unauthorized();
  c.set("userId", auth.userId);
  await next();
});

/**
 * An API key may call a resource's routes only with `<resource>:read` (GET, HEAD) or `<resource>:write`
 * (everything else). A signed-in user's token may do what the user may do.
 */
export const permit = (resource: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const auth = c.get("auth");
    if (auth?.via === "api_key") {
      const needed = `${resource}:${c.req.method === "GET" || c.req.method === "HEAD" ? "read" : "write"}`;
      if (!auth.permissions.includes(needed)) throw forbidden(`This API key lacks the ${needed} permission`);
    }
    await next();
  });

/** Managing keys and administration need the user's own token: a key cannot mint or widen keys. */
export const tokenOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("auth")?.via === "api_key") throw forbidden("Use a user's access token, not an API key, for this");
  await next();
});
