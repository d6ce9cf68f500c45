import { createMiddleware } from "hono/factory";
import { hashSecret, parseApiKey } from "../api-keys/secret";
import type { AppEnv, Auth } from "../env";
import { unauthorized } from "../lib/errors";
import { verifyAccessToken } from "./tokens";

/** The credentials a request carries: `Authorization: Bearer <jwt or key>` or `X-API-Key: <key>`. */
function credentialsOf(authorization: string | undefined, apiKeyHeader: string | undefined) {
  if (apiKeyHeader) return apiKeyHeader.trim();
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Reads who is calling, once per request, without a database round trip: a JWT we signed is verified here;
 * an API key is parsed and its secret hashed, and the database checks it in the request's first statement
 * (app_auth.begin_request). A request without credentials goes on anonymous; routes that need a user say so
 * with requireUser. Credentials that are present but malformed or badly signed answer 401 at once.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const value = credentialsOf(c.req.header("Authorization"), c.req.header("X-API-Key"));
  if (value) {
    let auth: Auth | undefined;
    if (value.startsWith("rlsk_")) {
      const key = parseApiKey(value);
      if (key) auth = { via: "api_key", prefix: key.prefix, hash: await hashSecret(key.secret) };
    } else {
      const userId = await verifyAccessToken(c.get("config"), value);
      if (userId) auth = { via: "token", userId };
    }
    if (!auth) throw unauthorized("Could not validate credentials", "invalid_token");
    c.set("auth", auth);
  }
  await next();
});
