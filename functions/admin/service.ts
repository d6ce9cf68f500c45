import { and, eq, ne, sql } from "drizzle-orm";
import type { Tx } from "../../db/client";
import { crud, type ListQuery } from "../../db/crud";
import { rateLimits, tiers, users } from "../../db/schema";
import { type Principal, withRls } from "../../db/session";
import type { Config } from "../config";
import { conflict, forbidden, notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import { runMaintenance } from "../maintenance/run";
import { toPublicUser, usersService } from "../users/service";
import type { AdminUserUpdate, RateLimitCreate, RateLimitUpdate, TierCreate, TierUpdate } from "./schemas";

const tiersCrud = crud(tiers);
const rateLimitsCrud = crud(rateLimits);
const usersCrud = crud(users);
const readOnly = { readOnly: true };

/**
 * Runs `fn` for a superuser, else answers 403. The check gives a clear answer; it is not what protects the
 * data: only rls_app_superuser may write tiers and rate_limits, or a user's is_active, is_superuser and
 * tier_id (GRANTs and policies in drizzle/), so for anyone else the database refuses the writes anyway.
 */
function asSuperuser<T>(
  { db, userId }: Scope,
  fn: (tx: Tx, principal: Principal) => Promise<T>,
  options: { readOnly?: boolean } = {},
) {
  return withRls(
    db,
    userId,
    (tx, principal) => {
      if (!principal.isSuperuser) throw forbidden("Only superusers may administer the platform");
      return fn(tx, principal);
    },
    options,
  );
}

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
const clearDefault = (tx: Tx, except?: string) =>
  tx
    .update(tiers)
    .set({ is_default: false })
    .where(and(eq(tiers.is_default, true), except ? ne(tiers.id, except) : undefined));

const defaultTierId = sql`(select ${tiers.id} from ${tiers} where ${tiers.is_default})`;

export const adminService = {
  listTiers: (scope: Scope, query: ListQuery) => asSuperuser(scope, (tx) => tiersCrud.list(tx, query), readOnly),

  getTier: (scope: Scope, id: string) =>
    asSuperuser(scope, async (tx) => found(await tiersCrud.get(tx, id), "Tier"), readOnly),

  createTier: (scope: Scope, input: TierCreate) =>
    asSuperuser(scope, async (tx) => {
      if (input.is_default) await clearDefault(tx);
      return tiersCrud.create(tx, input);
    }),

  updateTier: (scope: Scope, id: string, input: TierUpdate) =>
    asSuperuser(scope, async (tx) => {
      const tier = await lockTier(tx, id);
      if (tier.is_default && input.is_default === false) {
        throw conflict("There must be a default tier: make another tier the default instead", [
          { field: "is_default", location: "body", message: "this is the default tier" },
        ]);
      }
      if (input.is_default && !tier.is_default) await clearDefault(tx, id);
      return found(await tiersCrud.update(tx, id, input), "Tier");
    }),

  /** Its users move to the default tier; its rate limits and their counters go with it (ON DELETE CASCADE). */
  deleteTier: (scope: Scope, id: string) =>
    asSuperuser(scope, async (tx) => {
      const tier = await lockTier(tx, id);
      if (tier.is_default) {
        throw conflict("The default tier cannot be deleted: make another tier the default first", [
          { field: "id", location: "path", message: "this is the default tier" },
        ]);
      }
      await tx.update(users).set({ tier_id: defaultTierId }).where(eq(users.tier_id, id));
      await tiersCrud.delete(tx, id);
    }),

  listRateLimits: (scope: Scope, tierId: string, query: ListQuery) =>
    asSuperuser(
      scope,
      async (tx) => {
        found(await tiersCrud.get(tx, tierId, { columns: ["id"] }), "Tier");
        return rateLimitsCrud.list(tx, { ...query, where: and(query.where, eq(rateLimits.tier_id, tierId)) });
      },
      readOnly,
    ),

  createRateLimit: (scope: Scope, tierId: string, input: RateLimitCreate) =>
    asSuperuser(scope, async (tx) => {
      found(await tiersCrud.get(tx, tierId, { columns: ["id"] }), "Tier");
      return rateLimitsCrud.create(tx, { ...input, tier_id: tierId });
    }),

  updateRateLimit: (scope: Scope, id: string, input: RateLimitUpdate) =>
    asSuperuser(scope, async (tx) => found(await rateLimitsCrud.update(tx, id, input), "Rate limit")),

  deleteRateLimit: (scope: Scope, id: string) =>
    asSuperuser(scope, async (tx) => {
      if (!(await rateLimitsCrud.delete(tx, id))) throw notFound("Rate limit");
    }),

  /** Superusers only, checked by usersService.list; the admin list may also filter by tier_id. */
  listUsers: usersService.list,

  /**
   * Deactivating takes effect on the user's next request, whatever its token or API key says: withRls reads
   * is_active in the statement that opens every request's transaction.
   */
  updateUser: (scope: Scope, id: string, input: AdminUserUpdate) =>
    asSuperuser(scope, async (tx, principal) => {
      if (id === principal.userId) {
        const refused = (["is_active", "is_superuser"] as const).filter((field) => input[field] === false);
        if (refused.length > 0) {
          throw conflict(
            "You cannot deactivate or demote yourself: ask another superuser",
            refused.map((field) => ({ field, location: "body", message: "cannot be turned off for yourself" })),
          );
        }
      }
      return toPublicUser(found(await usersCrud.update(tx, id, input), "User"));
    }),

  /** The cron's job, on demand: checked as the superuser, then run as rls_maintenance_admin like the cron. */
  runMaintenance: async (scope: Scope, config: Config) => {
    await asSuperuser(scope, async () => {}, readOnly);
    return runMaintenance(scope.db, config);
  },
};
