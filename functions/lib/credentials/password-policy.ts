// What a new password must not be: the handful of passwords every guessing list starts with, a single
// repeated character, or a run of a keyboard or alphabet sequence. Length alone (8-128) lets all of these
// through. The list is short on purpose: it blocks what is tried first, not every weak password there is.
const COMMON = new Set(
  (
    "password password1 password12 password123 passw0rd p@ssw0rd p@ssword 12345678 123456789 1234567890 " +
    "0123456789 87654321 11111111 00000000 12341234 11223344 qwertyui qwertyuiop qwerty123 1q2w3e4r " +
    "1q2w3e4r5t q1w2e3r4 asdfghjk asdfghjkl zxcvbnm1 iloveyou iloveyou1 sunshine princess football " +
    "baseball welcome1 welcome123 abc12345 abcd1234 abcdefgh letmein1 letmein123 trustno1 superman " +
    "starwars whatever dragon12 monkey12 master12 changeme changethis administrator admin123 admin1234 " +
    "secret12 computer internet michelle jennifer corvette"
  ).split(" "),
);

const SEQUENCES = ["0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

const isSequence = (value: string) =>
  SEQUENCES.some((run) => run.includes(value) || [...run].reverse().join("").includes(value));

/** Why a password is refused, or undefined when it may be used. */
export function weakPasswordReason(password: string): string | undefined {
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return "is one of the most common passwords";
  if (new Set(lower).size === 1) return "repeats a single character";
  if (isSequence(lower)) return "is a keyboard or alphabet sequence";
  return undefined;
}
