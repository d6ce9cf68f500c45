import { createMiddleware } from "hono/factory";
import { forbidden, unauthorized } from "../lib/errors";
import type { Resource } from "../lib/permissions";
import type { AuthVariables } from "./authenticate";
import type { ScopeVariables } from "./request-scope";

type Env = { Variables: AuthVariables & ScopeVariables };

/** Requires a caller with credentials (token or API key, read by authenticate). */
export const requireUser = createMiddleware<Env>(async (c, next) => {
  if (!c.get("auth")) throw unauthorized();
  await next();
});

/**
 * An API key may call a resource's routes only with `<resource>:read` (GET, HEAD) or `<resource>:write`
 * (everything else); the request's first statement checks the key holds it (403 otherwise). A signed-in
 * user's token may do what the user may do.
 */
export const permit = (resource: Resource) =>
  createMiddleware<Env>(async (c, next) => {
    if (c.get("auth")?.via === "api_key") {
      c.get("request").context.permission = `${resource}:${c.get("request").context.readOnly ? "read" : "write"}`;
    }
    await next();
  });

/** Managing keys and administration need the user's own token: a key cannot mint or widen keys. */
export const tokenOnly = createMiddleware<Env>(async (c, next) => {
  if (c.get("auth")?.via === "api_key") throw forbidden("Use a user's access token, not an API key, for this");
  await next();
});

/**
 * Sign-in and registration act for nobody: credentials sent along are not checked, and the request is
 * counted against the client's address (the sign-in limit is per address, whatever key or token is sent).
 */
export const actsForNobody = createMiddleware<Env>(async (c, next) => {
  const { context } = c.get("request");
  context.userId = undefined;
  context.tokenVersion = undefined;
  context.sessionId = undefined;
  context.identity = undefined;
  context.apiKey = undefined;
  await next();
});
