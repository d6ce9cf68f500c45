// PBKDF2-SHA256 through WebCrypto: the slow KDF available both in Workers and in Node. Cloudflare Workers
// refuse more than 100,000 iterations, so that is the cost; the stored string names the algorithm and the
// iteration count so hashes can be upgraded later without breaking old ones.
const ALGORITHM = "pbkdf2_sha256";
const ITERATIONS = 100_000;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

const encoder = new TextEncoder();

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

/** The derivation itself, at any iteration count (bench/pbkdf2.bench.ts measures its cost). */
export async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    KEY_BYTES * 8,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, ITERATIONS);
  return `${ALGORITHM}$${ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Whether a stored value is a password hash at all: accounts made for an identity provider have none ('!'). */
export const isPasswordHash = (stored: string) => stored.startsWith(`${ALGORITHM}$`);

/** Compares every byte whatever the first difference, so timing says nothing about the hash. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algorithm, iterations, salt, hash] = stored.split("$");
  const rounds = Number(iterations);
  if (algorithm !== ALGORITHM || !salt || !hash || !Number.isInteger(rounds) || rounds < 1 || rounds > ITERATIONS) {
    return false;
  }
  return timingSafeEqual(await derive(password, fromBase64(salt), rounds), fromBase64(hash));
}

// Verified against when an e-mail address is unknown, so a login takes as long whether or not the account
// exists (no user enumeration by timing).
let dummyHash: Promise<string> | undefined;
export const burnPasswordCheck = async (password: string) => {
  dummyHash ??= hashPassword("not-a-real-password");
  await verifyPassword(password, await dummyHash);
};
