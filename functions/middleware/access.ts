import { createMiddleware } from "hono/factory";
import { forbidden, unauthorized } from "../lib/errors";
import type { Resource } from "../lib/permissions";
import { isRead } from "../lib/reads";
import type { CredentialsVariables } from "./authenticate";

export type AccessVariables = {
  /** The permission an API key needs for this route (`items:read`), set by permit; checked by the database. */
  permission?: string;
  /** Set by actsForNobody: the request's statements act for no user, whatever credentials it carries. */
  actsForNobody?: true;
};

type Env = { Variables: CredentialsVariables & AccessVariables };

/** Requires a caller with credentials (token or API key, read by authenticate). */
export const requireUser = createMiddleware<Env>(async (c, next) => {
  if (!c.get("credentials")) throw unauthorized();
  await next();
});

/**
 * An API key may call a resource's routes only with `<resource>:read` (GET, HEAD) or `<resource>:write`
 * (everything else); the request's first statement checks the key holds it (403 otherwise). A signed-in
 * user's token may do what the user may do.
 */
export const permit = (resource: Resource) =>
  createMiddleware<Env>(async (c, next) => {
    if (c.get("credentials")?.via === "api_key") {
      c.set("permission", `${resource}:${isRead(c.req.method) ? "read" : "write"}`);
    }
    await next();
  });

/** Managing keys and administration need the user's own token: a key cannot mint or widen keys. */
export const tokenOnly = createMiddleware<Env>(async (c, next) => {
  if (c.get("credentials")?.via === "api_key") throw forbidden("Use a user's access token, not an API key, for this");
  await next();
});

/**
 * Sign-in and registration act for nobody: credentials sent along are not checked, and the request is
 * counted against the client's address (the sign-in limit is per address, whatever key or token is sent).
 */
export const actsForNobody = createMiddleware<Env>(async (c, next) => {
  c.set("actsForNobody", true);
  await next();
});
