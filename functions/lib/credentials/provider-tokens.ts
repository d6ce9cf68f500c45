import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from "jose";
import type { ProviderIdentity } from "../../../db/runner/context";
import { ApiError } from "../errors";
import type { IssuerConfig } from "./issuers";

/** Who an identity provider's token names: the (issuer, subject) pair, and the e-mail it vouches for. */

// One key set per JWKS URL for the isolate's life: jose caches the keys, fetches again when a token names a
// key id it does not know (the provider rotated its keys) but at most once per cooldown, and gives up on a
// fetch after the timeout, so a slow provider cannot hold requests.
const JWKS_TIMEOUT_MS = 3_000;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_MAX_AGE_MS = 10 * 60_000;
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const keySetOf = (uri: string) => {
  let keySet = keySets.get(uri);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: JWKS_TIMEOUT_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
    });
    keySets.set(uri, keySet);
  }
  return keySet;
};

/** The provider's keys could not be had: a 503 (try again), not a verdict on the token. */
const unavailable = (issuer: string) =>
  new ApiError(
    503,
    "identity_provider_unavailable",
    `The identity provider ${issuer} does not answer: try again`,
    undefined,
    {
      "retry-after": "5",
    },
  );

// What a key lookup may say about the token itself (401); anything else means the key set could not be fetched.
const TOKEN_FAULTS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSEAlgNotAllowed];

/** The `iss` of a JWT, read without verifying anything (to pick the verifier), or null if it is not a JWT. */
export function issuerOf(token: string): string | null {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === "string" ? iss : null;
  } catch {
    return null;
  }
}

const claimAt = (payload: JWTPayload, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as never)[key] : undefined), payload);

/**
 * Verifies a token of a configured provider against its published keys: signature (the algorithms the issuer
 * allows, asymmetric only: an HS256 token "signed" with a public key is refused before its signature is read),
 * `iss`, `aud`, `exp`/`nbf`, and a subject. Null: refused (401). Throws a 503 when the keys cannot be fetched.
 */
export async function verifyProviderToken(issuer: IssuerConfig, token: string): Promise<ProviderIdentity | null> {
  const keySet = keySetOf(issuer.jwks_uri);
  try {
    const { payload } = await jwtVerify(
      token,
      async (header, input) => {
        try {
          return await keySet(header, input);
        } catch (error) {
          if (TOKEN_FAULTS.some((fault) => error instanceof fault)) throw error;
          throw unavailable(issuer.issuer);
        }
      },
      {
        algorithms: issuer.algorithms,
        issuer: issuer.issuer,
        audience: issuer.audience,
        requiredClaims: ["sub", "exp"],
        clockTolerance: 30,
      },
    );
    const subject = payload.sub;
    if (!subject || subject.length > 255) return null;
    const email = claimAt(payload, issuer.email_claim);
    const plausible = typeof email === "string" && email.length <= 255 && /^[^@\s]+@[^@\s]+$/.test(email);
    return {
      issuer: issuer.issuer,
      subject,
      email: plausible ? email.toLowerCase() : null,
      emailVerified: plausible && (issuer.trust_email || claimAt(payload, issuer.email_verified_claim) === true),
    };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
