import { sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { type Database, rowsOf } from "../../db/client";
import { hashSecret, parseApiKey } from "../api-keys/secret";
import type { AppEnv, Auth } from "../env";
import { unauthorized } from "../lib/errors";
import { timingSafeEqual } from "./password";
import { verifyAccessToken } from "./tokens";

type KeyRow = {
  id: string;
  owner_id: string;
  key_hash: string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  permissions: string[];
};

const hexBytes = (hex: string) => new TextEncoder().encode(hex);

/** The credentials a request carries: `Authorization: Bearer <jwt or key>` or `X-API-Key: <key>`. */
function credentialsOf(authorization: string | undefined, apiKeyHeader: string | undefined) {
  if (apiKeyHeader) return apiKeyHeader.trim();
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

async function authenticateKey(db: Database, value: string) {
  const parsed = parseApiKey(value);
  if (!parsed) return undefined;
  const [row] = rowsOf<KeyRow>(await db.execute(sql`select * from app_auth.api_key_lookup(${parsed.prefix})`));
  if (!row || !timingSafeEqual(hexBytes(await hashSecret(parsed.secret)), hexBytes(row.key_hash))) return undefined;
  const now = Date.now();
  if (row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= now)) {
    throw unauthorized("API key expired or revoked", "invalid_token");
  }
  return { via: "api_key", userId: row.owner_id, keyId: row.id, permissions: row.permissions } satisfies Auth;
}

/**
 * Reads who is calling, once per request, before rate limiting: a JWT we signed, or an API key. A request
 * without credentials goes on anonymous; routes that need a user say so with requireUser. Credentials that
 * are present but wrong answer 401 at once, whatever the route.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const value = credentialsOf(c.req.header("Authorization"), c.req.header("X-API-Key"));
  if (value) {
    const auth: Auth | undefined = value.startsWith("rlsk_")
      ? await authenticateKey(c.var.db, value)
      : await verifyAccessToken(c.var.config, value).then((userId) =>
          userId ? ({ via: "token", userId } as const) : undefined,
        );
    if (!auth) throw unauthorized("Could not validate credentials", "invalid_token");
    c.set("auth", auth);
  }
  await next();
});
