// A credential a job carries (an e-mailed link's token) is sealed before it is queued: AES-GCM under a key derived
// from JWT_SECRET (HKDF-SHA-256), which never reaches the database. A copy of the jobs table, or a backup of it,
// holds no link anyone can use; the runner unseals the token at send time, and the payload is cleared once sent.

import { base64url } from "../credentials/secrets";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(secret: string) {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("jobs: sealed tokens") },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(secret, key);
  }
  return key;
}

const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));

/** `text` encrypted and authenticated under `secret`, as base64url (a random 96-bit IV first). */
export async function seal(secret: string, text: string) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await keyOf(secret), encoder.encode(text)),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return base64url(out);
}

/** The text `seal` sealed; throws when it was sealed under another secret or changed since. */
export async function unseal(secret: string, sealed: string) {
  const bytes = fromBase64Url(sealed);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.subarray(0, 12) },
    await keyOf(secret),
    bytes.subarray(12),
  );
  return new TextDecoder().decode(plain);
}
