import { eq, isNull, sql } from "drizzle-orm";
import { hashPassword } from "../functions/auth/password";
import type { Database } from "./client";
import { rateLimits, tiers, users } from "./schema";
import { withAdmin } from "./session";

// Setup data, written as rls_maintenance_admin; never from a request. Every function is idempotent.

export const DEFAULT_TIER = { name: "free", description: "The tier of new users and of anonymous requests" };

/** Per client IP for anonymous requests, per user or key otherwise (functions/rate-limit). */
export const DEFAULT_LIMITS = [
  { name: "sign in", path: "/api/v1/auth/login", limit: 10, period: 60 },
  { name: "register", path: "/api/v1/auth/register", limit: 20, period: 3600 },
  { name: "everything else", path: "/api/v1/*", limit: 300, period: 60 },
];

const defaultTierId = sql`(select id from ${tiers} where ${tiers.is_default})`;

/** The default tier with its limits, when there is no default tier yet; users without a tier join it. */
export async function ensureDefaultTier(db: Database) {
  return withAdmin(db, async (tx) => {
    let [tier] = await tx.select({ id: tiers.id }).from(tiers).where(eq(tiers.is_default, true)).limit(1);
    const created = !tier;
    if (!tier) {
      [tier] = await tx
        .insert(tiers)
        .values({ ...DEFAULT_TIER, is_default: true })
        .onConflictDoUpdate({ target: tiers.name, set: { is_default: true } })
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

/**
 * Creates the first superuser (the FastAPI template's FIRST_SUPERUSER) when there is **no superuser at all**,
 * in the default tier if there is one: a deployment that already has one (or renamed it) never gets a second
 * account it did not ask for. `password` is only asked for when the account is created; without one, nothing
 * is created. Says what happened: `created`, `exists` (a superuser is there), `no-password`, or `taken`
 * (the address belongs to an ordinary account, which is never promoted here).
 */
export async function ensureFirstSuperuser(
  db: Database,
  account: { email: string; password: (() => string) | undefined },
): Promise<"created" | "exists" | "no-password" | "taken"> {
  const email = account.email.trim().toLowerCase();
  return withAdmin(db, async (tx) => {
    const superusers = await tx.select({ id: users.id }).from(users).where(eq(users.is_superuser, true)).limit(1);
    if (superusers.length > 0) return "exists";
    const taken = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (taken.length > 0) return "taken";
    if (!account.password) return "no-password";
    const hashed = await hashPassword(account.password());
    await tx.insert(users).values({
      email,
      hashed_password: hashed,
      full_name: "Administrator",
      is_superuser: true,
      tier_id: defaultTierId,
    });
    return "created";
  });
}
