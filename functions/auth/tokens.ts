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

export async function issueAccessToken(config: TokenConfig, userId: string) {
  const accessToken = await new SignJWT({})
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

/** The user id a token names, or null when the token is not one we issued and still valid. */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(token, await keyOf(config), {
      algorithms: ALGORITHMS,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat"],
    });
    return payload.sub && UUID.test(payload.sub) ? payload.sub : null;
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
