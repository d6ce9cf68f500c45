import { and, eq, ne, sql } from "drizzle-orm";
import type { Database, Tx } from "../../db/client";
import { crud, type ListQuery } from "../../db/crud";
import { all, andThen, nothing, one } from "../../db/runner/plan";
import { rateLimits, tiers, users } from "../../db/schema";
import type { Config } from "../config";
import { conflict, notFound } from "../lib/errors";
import { findPgError } from "../lib/pg-errors";
import type { Scope } from "../lib/scope";
import { runMaintenance } from "../maintenance/run";
import { toPublicUser, usersService } from "../users/service";
import type { AdminUserUpdate, RateLimitCreate, RateLimitUpdate, TierCreate, TierUpdate } from "./schemas";

const tiersCrud = crud(tiers);
const rateLimitsCrud = crud(rateLimits);
const usersCrud = crud(users);

// Every method is for superusers only, checked by the request's context statement (403 for anyone else).
// The check gives a clear answer; it is not what protects the data: only rls_app_superuser may write tiers
// and rate_limits, or a user's is_active, is_superuser and tier_id (GRANTs and policies in drizzle/), so for
// anyone else the database refuses the writes anyway. Reads are one round trip; the tier writes that lock a
// row and decide on what they read are interactive transactions (docs/architecture.md lists them).
const superuser = { superuserOnly: true };

function found<T>(row: T | undefined, what: string): T {
  if (!row) throw notFound(what);
  return row;
}

/** The tier, locked until the transaction ends, so it cannot become (or stop being) the default meanwhile. */
async function lockTier(tx: Tx, id: string) {
  const [tier] = await tx.select().from(tiers).where(eq(tiers.id, id)).for("update");
  return found(tier, "Tier");
}

/** At most one tier is the default (a partial unique index): the previous one gives way, in the same transaction. */
const clearDefault = (tx: Database, except?: string) =>
  tx
    .update(tiers)
    .set({ is_default: false })
    .where(and(eq(tiers.is_default, true), except ? ne(tiers.id, except) : undefined));

const defaultTierId = sql`(select ${tiers.id} from ${tiers} where ${tiers.is_default})`;

export const adminService = {
  listTiers: (scope: Scope, query: ListQuery) => scope.run((q) => tiersCrud.list(q, query), superuser),

  getTier: (scope: Scope, id: string) =>
    scope.run((q) => andThen(tiersCrud.get(q, id), (t) => found(t, "Tier")), superuser),

  createTier: (scope: Scope, input: TierCreate) =>
    scope.run((q) => {
      const create = tiersCrud.create(q, input);
      return input.is_default
        ? andThen(
            all(
              andThen(one(clearDefault(q)), () => null),
              create,
            ),
            ([, tier]) => tier,
          )
        : create;
    }, superuser),

  updateTier: (scope: Scope, id: string, input: TierUpdate) =>
    scope.transaction(async (tx) => {
      const tier = await lockTier(tx, id);
      if (tier.is_default && input.is_default === false) {
        throw conflict("There must be a default tier: make another tier the default instead", [
          { field: "is_default", location: "body", message: "this is the default tier" },
        ]);
      }
      if (input.is_default && !tier.is_default) await clearDefault(tx, id);
      return found(await tiersCrud.update(tx, id, input), "Tier");
    }, superuser),

  /** Its users move to the default tier; its rate limits and their counters go with it (ON DELETE CASCADE). */
  deleteTier: (scope: Scope, id: string) =>
    scope.transaction(async (tx) => {
      const tier = await lockTier(tx, id);
      if (tier.is_default) {
        throw conflict("The default tier cannot be deleted: make another tier the default first", [
          { field: "id", location: "path", message: "this is the default tier" },
        ]);
      }
      await tx.update(users).set({ tier_id: defaultTierId }).where(eq(users.tier_id, id));
      await tiersCrud.delete(tx, id);
    }, superuser),

  listRateLimits: (scope: Scope, tierId: string, query: ListQuery) =>
    scope.run(
      (q) =>
        andThen(
          all(
            tiersCrud.get(q, tierId, { columns: ["id"] }),
            rateLimitsCrud.list(q, { ...query, where: and(query.where, eq(rateLimits.tier_id, tierId)) }),
          ),
          ([tier, page]) => {
            found(tier, "Tier");
            return page;
          },
        ),
      superuser,
    ),

  /** An unknown tier is refused by the foreign key, in the same statement as the insert: 404. */
  createRateLimit: async (scope: Scope, tierId: string, input: RateLimitCreate) => {
    try {
      return await scope.run((q) => rateLimitsCrud.create(q, { ...input, tier_id: tierId }), superuser);
    } catch (error) {
      if (findPgError(error)?.constraint === "fk_rate_limits_tier_id") throw notFound("Tier");
      throw error;
    }
  },

  updateRateLimit: (scope: Scope, id: string, input: RateLimitUpdate) =>
    scope.run((q) => andThen(rateLimitsCrud.update(q, id, input), (limit) => found(limit, "Rate limit")), superuser),

  deleteRateLimit: (scope: Scope, id: string) =>
    scope.run(
      (q) =>
        andThen(rateLimitsCrud.delete(q, id), (hit) => {
          if (!hit) throw notFound("Rate limit");
        }),
      superuser,
    ),

  /** Superusers only, checked by usersService.list; the admin list may also filter by tier_id. */
  listUsers: usersService.list,

  /**
   * Deactivating takes effect on the user's next request, whatever its token or API key says: the context
   * statement of every request reads is_active.
   */
  updateUser: (scope: Scope, id: string, input: AdminUserUpdate) =>
    scope.transaction(async (tx, caller) => {
      if (id.toLowerCase() === caller.userId?.toLowerCase()) {
        const refused = (["is_active", "is_superuser"] as const).filter((field) => input[field] === false);
        if (refused.length > 0) {
          throw conflict(
            "You cannot deactivate or demote yourself: ask another superuser",
            refused.map((field) => ({ field, location: "body", message: "cannot be turned off for yourself" })),
          );
        }
      }
      return toPublicUser(found(await usersCrud.update(tx, id, input), "User"));
    }, superuser),

  /** The cron's job, on demand: checked as the superuser, then run as rls_maintenance_admin like the cron. */
  runMaintenance: async (scope: Scope, config: Config) => {
    await scope.run(() => nothing(undefined), superuser);
    return runMaintenance(scope.database(), config);
  },
};
