import { errors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../config";

// HS256 only, pinned on both sides: a token naming another algorithm (`none`, RS256 with the secret as a
// public key) is refused by jwtVerify's `algorithms` list before its signature is even looked at.
const ALGORITHMS = ["HS256"];

type TokenConfig = Pick<Config, "JWT_SECRET" | "JWT_ISSUER" | "JWT_AUDIENCE" | "ACCESS_TOKEN_TTL_SECONDS">;

const keyOf = (config: TokenConfig) => new TextEncoder().encode(config.JWT_SECRET);

export async function issueAccessToken(config: TokenConfig, userId: string) {
  const accessToken = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${config.ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(keyOf(config));
  return { access_token: accessToken, token_type: "bearer" as const, expires_in: config.ACCESS_TOKEN_TTL_SECONDS };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user id a token names, or null when the token is not one we issued and still valid. */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(token, keyOf(config), {
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
