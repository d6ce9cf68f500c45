import { z } from "zod";

/** The signature algorithms accepted from identity providers: asymmetric only (never HS256: see verifier). */
export const PROVIDER_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;

const isLocal = (url: URL) => ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
/** https, or http to this machine only (a local issuer in development and tests). */
const secureUrl = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLocal(url));
  }, "must be an https URL (http only for localhost)");

/**
 * One identity provider whose access tokens the API accepts, as configured in AUTH_ISSUERS. Every field but
 * `issuer` and `audience` has a default that fits the common providers (docs/auth.md).
 */
export const issuerSchema = z
  .object({
    /** Compared with the token's `iss`, exactly. */
    issuer: z.string().min(1),
    /** The token's `aud` must name one of these. */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Where the provider publishes its public keys; default `<issuer>/.well-known/jwks.json`. */
    jwks_uri: secureUrl.optional(),
    algorithms: z
      .array(z.enum(PROVIDER_ALGORITHMS))
      .min(1)
      .default([...PROVIDER_ALGORITHMS]),
    /** The claims holding the e-mail address and whether the provider verified it (dotted paths allowed). */
    email_claim: z.string().min(1).default("email"),
    email_verified_claim: z.string().min(1).default("email_verified"),
    /** The provider only ever issues tokens for addresses it verified (say so only if that is true). */
    trust_email: z.boolean().default(false),
  })
  .strict()
  .transform((issuer) => ({
    ...issuer,
    jwks_uri: issuer.jwks_uri ?? `${issuer.issuer.replace(/\/+$/, "")}/.well-known/jwks.json`,
  }))
  .refine((issuer) => secureUrl.safeParse(issuer.jwks_uri).success, {
    message: "jwks_uri (by default <issuer>/.well-known/jwks.json) must be an https URL",
    path: ["jwks_uri"],
  });

export type IssuerConfig = z.infer<typeof issuerSchema>;

/** AUTH_ISSUERS: a JSON array of issuers; empty (the default) accepts only the API's own tokens. */
export const issuersSetting = z
  .string()
  .default("[]")
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: "custom", message: "AUTH_ISSUERS must be a JSON array" });
      return z.NEVER;
    }
  })
  .pipe(z.array(issuerSchema));
