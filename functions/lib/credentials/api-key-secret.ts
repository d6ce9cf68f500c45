import { hashSecret, randomSecret, SECRET_PATTERN } from "./secrets";

// API keys look like `rlsk_<prefix>_<secret>`: the prefix (public, unique, 12 characters) finds the row, the
// secret (256 random bits, ./secrets.ts) proves possession; only its SHA-256 is stored.
const PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
const KEY_PATTERN = new RegExp(`^rlsk_([a-z2-9]{12})_(${SECRET_PATTERN})$`);

export async function newApiKey() {
  const prefix = [...crypto.getRandomValues(new Uint8Array(12))]
    .map((byte) => PREFIX_ALPHABET[byte % PREFIX_ALPHABET.length])
    .join("");
  const secret = randomSecret();
  return { key: `rlsk_${prefix}_${secret}`, prefix, hash: await hashSecret(secret) };
}

/** The prefix and secret of something that looks like one of our keys, else null. */
export function parseApiKey(value: string): { prefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(value);
  return match?.[1] && match[2] ? { prefix: match[1], secret: match[2] } : null;
}
