import type { Credentials } from "../../../db/runner/context";

/**
 * Whose requests these are, from the credentials as presented (before the database checked them), for what is
 * kept per caller outside the database (rate-limit counters in Redis, the last write for read-your-writes): a
 * verified token's user; an API key by its prefix and the hash of the secret presented, so that a made-up
 * secret beside someone's real prefix is someone else; an identity provider's subject. None: anonymous.
 */
export function subjectOf(credentials: Credentials | undefined): string | undefined {
  switch (credentials?.via) {
    case "token":
      return `user:${credentials.userId}`;
    case "api_key":
      return `key:${credentials.prefix}:${credentials.hash.slice(0, 16)}`;
    case "provider":
      return `idp:${credentials.identity.issuer} ${credentials.identity.subject}`;
    default:
      return undefined;
  }
}
