// API keys look like `rlsk_<prefix>_<secret>`: the prefix (public, unique, 12 characters) finds the row, the
// secret (256 random bits) proves possession. Only SHA-256(secret) is stored: with that much entropy a slow
// KDF adds nothing, and verification stays cheap enough to run on every request.
const PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
const KEY_PATTERN = /^rlsk_([a-z2-9]{12})_([A-Za-z0-9_-]{43})$/;

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function newApiKey() {
  const prefix = [...crypto.getRandomValues(new Uint8Array(12))]
    .map((byte) => PREFIX_ALPHABET[byte % PREFIX_ALPHABET.length])
    .join("");
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { key: `rlsk_${prefix}_${secret}`, prefix, hash: await hashSecret(secret) };
}

/** The prefix and secret of something that looks like one of our keys, else null. */
export function parseApiKey(value: string): { prefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(value);
  return match?.[1] && match[2] ? { prefix: match[1], secret: match[2] } : null;
}
