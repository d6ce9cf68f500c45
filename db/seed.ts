import { eq, isNull, sql } from "drizzle-orm";
import { withAdmin } from "./admin";
import type { Database } from "./client";
import { rateLimits, tiers, users } from "./schema";

// Setup data, written as rls_maintenance_admin; never from a request. Every function is idempotent.

export const DEFAULT_TIER = { name: "free", description: "The tier of new users and of anonymous requests" };

/** Per client IP for anonymous requests, per user or key otherwise (functions/rate-limit). */
export const DEFAULT_LIMITS = [
  { name: "sign in", path: "/api/v1/auth/login", limit: 10, period: 60 },
  { name: "register", path: "/api/v1/auth/register", limit: 20, period: 3600 },
  { name: "password reset", path: "/api/v1/auth/password-reset*", limit: 10, period: 3600 },
  { name: "e-mail verification", path: "/api/v1/auth/verify-email*", limit: 20, period: 3600 },
  { name: "everything else", path: "/api/v1/*", limit: 300, period: 60 },
];

export const defaultTierId = sql`(select id from ${tiers} where ${tiers.is_default})`;

/** The default tier with its limits, when there is no default tier yet; users without a tier join it. */
export async function ensureDefaultTier(db: Database) {
  return withAdmin(db, async (tx) => {
    let [tier] = await tx.select({ id: tiers.id }).from(tiers).where(eq(tiers.is_default, true)).limit(1);
    const created = !tier;
    if (!tier) {
      [tier] = await tx
        .insert(tiers)
        .values({ ...DEFAULT_TIER, is_default: true })
        .onConflictDoUpdate({ target: tiers.name, targetWhere: isNull(tiers.deleted_at), set: { is_default: true } })
        .returning({ id: tiers.id });
      const tierId = tier?.id as string;
      await tx
        .insert(rateLimits)
        .values(DEFAULT_LIMITS.map((limit) => ({ ...limit, tier_id: tierId })))
        .onConflictDoNothing();
    }
    await tx.update(users).set({ tier_id: defaultTierId }).where(isNull(users.tier_id));
    return created;
  });
}
