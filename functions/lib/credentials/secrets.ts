// Random secrets handed to clients (API keys, refresh tokens, one-time links): 256 random bits, base64url.
// Only SHA-256(secret) is stored: with that much entropy a slow KDF adds nothing, and checking one stays
// cheap enough to run on every request.

/** Bytes as base64url, unpadded (RFC 4648 section 5). */
export const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** 32 random bytes as 43 base64url characters. */
export const randomSecret = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The pattern of randomSecret's output. */
export const SECRET_PATTERN = "[A-Za-z0-9_-]{43}";

/** SHA-256 of a secret, hex: what the database stores and compares. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A new secret with a recognisable prefix (`rlsr_...`), and the hash to store. */
export async function newPrefixedSecret(prefix: string) {
  const secret = randomSecret();
  return { token: `${prefix}${secret}`, hash: await hashSecret(secret) };
}

/** The secret part of `<prefix><secret>`, or null when the value is not of that shape. */
export function secretOf(prefix: string, value: string): string | null {
  if (!value.startsWith(prefix)) return null;
  const secret = value.slice(prefix.length);
  return new RegExp(`^${SECRET_PATTERN}$`).test(secret) ? secret : null;
}
