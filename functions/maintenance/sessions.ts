import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

type SessionOptions = BatchOptions & { retentionDays: number; refreshTtlSeconds: number };

/**
 * Drops sessions that can never be used again, once past the retention (kept that long to show recent
 * sign-outs): revoked ones, and ones whose last refresh token has expired (last refresh + its lifetime).
 * Their refresh tokens go with them (ON DELETE CASCADE).
 */
export function pruneSessions(db: Database, options: SessionOptions): Promise<BatchRun> {
  const ended = sql`coalesce(revoked_at, last_used_at + make_interval(secs => ${options.refreshTtlSeconds}))`;
  return deleteInBatches(
    db,
    {
      table: "auth_sessions",
      key: ["id"],
      doomed: sql`${ended} < now() - make_interval(days => ${options.retentionDays})`,
      oldestFirst: sql`last_used_at`,
    },
    options,
  );
}

/**
 * Drops the spent refresh tokens of live sessions once they have expired: until then a second use of one is
 * recognised as reuse and revokes its session; afterwards it is refused as unknown, which is as safe.
 */
export function pruneSpentRefreshTokens(db: Database, options: BatchOptions): Promise<BatchRun> {
  return deleteInBatches(
    db,
    {
      table: "refresh_tokens",
      key: ["id"],
      doomed: sql`used_at is not null and expires_at < now()`,
      oldestFirst: sql`expires_at`,
    },
    options,
  );
}
