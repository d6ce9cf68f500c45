import { errors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../config";

// HS256 only, pinned on both sides: a token naming another algorithm (`none`, RS256 with the secret as a
// public key) is refused by jwtVerify's `algorithms` list before its signature is even looked at.
const ALGORITHMS = ["HS256"];

type TokenConfig = Pick<Config, "JWT_SECRET" | "JWT_ISSUER" | "JWT_AUDIENCE" | "ACCESS_TOKEN_TTL_SECONDS">;

// The HMAC key, imported once per secret rather than on every request (jose would import raw bytes each time).
const keys = new Map<string, Promise<CryptoKey>>();
const keyOf = (config: TokenConfig) => {
  let key = keys.get(config.JWT_SECRET);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(config.JWT_SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(config.JWT_SECRET, key);
  }
  return key;
};

/**
 * A signed access token for a user. `ver` is the user's token_version when it was issued: the database refuses
 * the token once the user's e-mail or password has changed since (the version moved on). `sid` is the session
 * it belongs to: the database refuses it once that session is signed out.
 */
export async function issueAccessToken(config: TokenConfig, userId: string, version: number, sessionId: string) {
  const accessToken = await new SignJWT({ ver: version, sid: sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${config.ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(await keyOf(config));
  return { access_token: accessToken, token_type: "bearer" as const, expires_in: config.ACCESS_TOKEN_TTL_SECONDS };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Tokens already verified, per signing setup: a client sends the same token on every request until it expires,
// and checking its HMAC again (a WebCrypto job) is most of what authenticating costs. Only a token that passed
// jwtVerify is kept, with its expiry; a hit past that expiry is dropped and verified (and refused) afresh.
// Bounded: the oldest entry goes when it is full, so a flood of distinct tokens costs memory it gives back.
const VERIFIED_MAX = 10_000;
type Verified = { userId: string; version: number; sessionId: string; expiresAt: number };
const verified = new Map<string, Map<string, Verified>>();
// The same settings object comes back on every request (loadConfig keeps one per environment): found by
// identity first, without building and hashing the setup's string each time.
const verifiedByConfig = new WeakMap<TokenConfig, Map<string, Verified>>();
const verifiedFor = (config: TokenConfig) => {
  let tokens = verifiedByConfig.get(config);
  if (tokens) return tokens;
  const setup = `${config.JWT_SECRET}\0${config.JWT_ISSUER}\0${config.JWT_AUDIENCE}`;
  tokens = verified.get(setup);
  if (!tokens) {
    tokens = new Map();
    verified.set(setup, tokens);
  }
  verifiedByConfig.set(config, tokens);
  return tokens;
};

/**
 * A token of ours that passed verification before and has not expired since (the common case: a client sends
 * the same token on every request), or undefined. Synchronous, so the hot path neither decodes nor awaits.
 */
export function verifiedBefore(config: TokenConfig, token: string) {
  const tokens = verifiedFor(config);
  const known = tokens.get(token);
  if (known && known.expiresAt > Date.now())
    return { userId: known.userId, version: known.version, sessionId: known.sessionId };
  if (known) tokens.delete(token);
  return undefined;
}

/**
 * The user a token names, the token_version and session it was issued under, or null when the token is not one we
 * issued and still unexpired. Whether that version is still the user's is the database's to say.
 */
export async function verifyAccessToken(
  config: TokenConfig,
  token: string,
): Promise<{ userId: string; version: number; sessionId: string } | null> {
  const known = verifiedBefore(config, token);
  if (known) return known;
  const tokens = verifiedFor(config);
  const entry = await verifySignedToken(config, token);
  if (entry === null) return null;
  if (tokens.size >= VERIFIED_MAX) tokens.delete(tokens.keys().next().value as string);
  tokens.set(token, entry);
  return { userId: entry.userId, version: entry.version, sessionId: entry.sessionId };
}

async function verifySignedToken(config: TokenConfig, token: string): Promise<Verified | null> {
  try {
    const { payload } = await jwtVerify(token, await keyOf(config), {
      algorithms: ALGORITHMS,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat", "ver", "sid"],
    });
    const { sub, exp, ver, sid } = payload;
    if (!sub || !UUID.test(sub) || exp === undefined || !Number.isSafeInteger(ver)) return null;
    if (typeof sid !== "string" || !UUID.test(sid)) return null;
    return { userId: sub, version: ver as number, sessionId: sid, expiresAt: exp * 1000 };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
