import { COMMON_PASSWORDS } from "./common-passwords.data";

// What a new password must not be (NIST SP 800-63B, 3.1.1.2: refuse values known to be commonly used): one of
// the passwords most used in leaked password lists, a single repeated character, or a run of a keyboard or
// alphabet sequence. Length alone (8-128) lets all of these through. The list is zxcvbn-ts's (49,233 passwords
// ranked by how often they appear in leaks); only its 17,950 entries of 8 characters or more can pass the length
// rule, so only those are shipped (common-passwords.data.ts, written by npm run passwords:common).
// Added to it: defaults that templates and tutorials print (a first superuser's "changethis"), which leaks
// have not ranked yet.
const DEFAULTS = "changethis changeme123 administrator admin1234 welcome123 letmein123 password123".split(" ");
const COMMON = new Set([...COMMON_PASSWORDS.split("\n"), ...DEFAULTS]);

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
