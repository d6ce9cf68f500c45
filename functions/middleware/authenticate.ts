import { createMiddleware } from "hono/factory";
import type { Credentials } from "../../db/runner/context";
import type { Config } from "../lib/config";
import { parseApiKey } from "../lib/credentials/api-key-secret";
import { issuerOf, verifyProviderToken } from "../lib/credentials/provider-tokens";
import { hashSecret } from "../lib/credentials/secrets";
import { verifiedBefore, verifyAccessToken } from "../lib/credentials/tokens";
import { unauthorized } from "../lib/errors";
import type { ConfigVariables } from "./config";

export type CredentialsVariables = {
  /**
   * The credentials the request presented, verified as far as they can be without the database; absent for
   * anonymous requests. Set once, by authenticate. Who the caller is (the Caller of db/runner/context.ts) is
   * what the database makes of them in the request's context statement.
   */
  credentials?: Credentials;
};

/**
 * The credentials a request carries: `Authorization: Bearer <jwt or key>` or `X-API-Key: <key>`. An
 * Authorization header that is not one bearer credential is refused, not ignored: a client that believes it is
 * signed in must hear that it is not, rather than be served as anonymous.
 */
function credentialsOf(authorization: string | undefined, apiKeyHeader: string | undefined) {
  if (apiKeyHeader) return apiKeyHeader.trim();
  if (authorization === undefined || authorization.trim() === "") return undefined;
  const match = authorization.match(/^Bearer +(\S+) *$/i);
  if (!match) throw unauthorized("The Authorization header must be 'Bearer <token or API key>'", "invalid_request");
  return match[1];
}

/**
 * A bearer token: one of ours (HS256, our issuer), or an access token of a configured identity provider (its
 * `iss` picks the provider, whose published keys verify it). Anything else is refused.
 */
async function verifyBearer(config: Config, token: string): Promise<Credentials | undefined> {
  const asCredentials = (ours: { userId: string; version: number; sessionId: string } | null | undefined) =>
    ours && ({ via: "token", userId: ours.userId, tokenVersion: ours.version, sessionId: ours.sessionId } as const);
  // Ours and verified before: no need to read its issuer (decoding a JWT costs more than the lookup).
  const known = asCredentials(verifiedBefore(config, token));
  if (known) return known;
  const issuer = issuerOf(token);
  const provider = issuer === config.JWT_ISSUER ? undefined : config.AUTH_ISSUERS.find((it) => it.issuer === issuer);
  if (provider) {
    const identity = await verifyProviderToken(provider, token);
    return identity ? { via: "provider", identity } : undefined;
  }
  return asCredentials(await verifyAccessToken(config, token)) || undefined;
}

/**
 * Reads who is calling, once per request, without a database round trip: a JWT (ours, or a provider's) is
 * verified here;
 * an API key is parsed and its secret hashed, and the database checks it in the request's first statement
 * (app_auth.begin_request). A request without credentials goes on anonymous; routes that need a user say so
 * with requireUser. Credentials that are present but malformed or badly signed answer 401 at once.
 */
export const authenticate = createMiddleware<{ Variables: ConfigVariables & CredentialsVariables }>(async (c, next) => {
  const value = credentialsOf(c.req.header("Authorization"), c.req.header("X-API-Key"));
  if (value) {
    let credentials: Credentials | undefined;
    if (value.startsWith("rlsk_")) {
      const key = parseApiKey(value);
      if (key) credentials = { via: "api_key", prefix: key.prefix, hash: await hashSecret(key.secret) };
    } else credentials = await verifyBearer(c.get("config"), value);
    if (!credentials) throw unauthorized("Could not validate credentials", "invalid_token");
    // The request's context statement reads them from here when a service runs (functions/middleware/
    // request-scope.ts), and checks them in the database: key hash, token version and session, the provider
    // identity's user, active user.
    c.set("credentials", credentials);
  }
  await next();
});
