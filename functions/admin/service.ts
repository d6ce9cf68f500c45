import { and, eq, isNull, ne, sql } from "drizzle-orm";
import type { Database, Tx } from "../../db/client";
import type { ListQuery } from "../../db/crud";
import { all, andThen, one } from "../../db/runner/plan";
import { rateLimits, tiers, users } from "../../db/schema";
import { conflict, notFound } from "../lib/errors";
import { resourceService } from "../lib/resource-service";
import type { Scope } from "../lib/scope";
import type { RateLimitCreate } from "./schemas";
import { RateLimitSchema, type TierCreate, TierSchema, type TierUpdate } from "./schemas";

// Every method is for superusers only, checked by the request's context statement (403 for anyone else).
// The check gives a clear answer; it is not what protects the data: only rls_app_superuser may write tiers
// and rate_limits (GRANTs and policies in drizzle/), so for anyone else the database refuses the writes
// anyway. Reads are one round trip; the tier writes that lock a row and decide on what they read are
// interactive transactions (docs/architecture.md lists them).
const superuserOnly = true;
const tiersBase = resourceService(tiers, { name: "Tier", expose: TierSchema, superuserOnly });
const limitsBase = resourceService(rateLimits, { name: "Rate limit", expose: RateLimitSchema, superuserOnly });

/**
 * The live (not deleted) tier, locked until the transaction ends, so it cannot become (or stop being) the default,
 * or be deleted, meanwhile. 404 when there is none.
 */
async function lockTier(tx: Tx, id: string) {
  const [tier] = await tx
    .select()
    .from(tiers)
    .where(and(eq(tiers.id, id), isNull(tiers.deleted_at)))
    .for("update");
  return tiersBase.found(tier);
}

/** At most one tier is the default (a partial unique index): the previous one gives way, in the same transaction. */
const clearDefault = (tx: Database, except?: string) =>
  tx
    .update(tiers)
    .set({ is_default: false })
    .where(and(eq(tiers.is_default, true), except ? ne(tiers.id, except) : undefined));

const defaultTierId = sql`(select ${tiers.id} from ${tiers} where ${tiers.is_default})`;

export const tiersService = {
  ...tiersBase,

  create: (scope: Scope, input: TierCreate) =>
    scope.run(
      (q) => {
        const create = andThen(tiersBase.rows.create(q, input), tiersBase.show);
        if (!input.is_default) return create;
        return andThen(all(one(clearDefault(q)), create), ([, tier]) => tier);
      },
      { superuserOnly },
    ),

  update: (scope: Scope, id: string, input: TierUpdate) =>
    scope.transaction(
      async (tx) => {
        const tier = await lockTier(tx, id);
        if (tier.is_default && input.is_default === false) {
          throw conflict("There must be a default tier: make another tier the default instead", [
            { field: "is_default", location: "body", message: "this is the default tier" },
          ]);
        }
        if (input.is_default && !tier.is_default) await clearDefault(tx, id);
        return tiersBase.found(await tiersBase.rows.update(tx, id, input));
      },
      { superuserOnly },
    ),

  /**
   * A soft delete, with its rate limits: its users move to the default tier now, and maintenance deletes the tier,
   * its rules and their counters after the retention period.
   */
  remove: (scope: Scope, id: string) =>
    scope.transaction(
      async (tx) => {
        const tier = await lockTier(tx, id);
        if (tier.is_default) {
          throw conflict("The default tier cannot be deleted: make another tier the default first", [
            { field: "id", location: "path", message: "this is the default tier" },
          ]);
        }
        await tx.update(users).set({ tier_id: defaultTierId }).where(eq(users.tier_id, id));
        await tx
          .update(rateLimits)
          .set({ deleted_at: sql`now()` })
          .where(and(eq(rateLimits.tier_id, id), isNull(rateLimits.deleted_at)));
        await tiersBase.rows.delete(tx, id);
      },
      { superuserOnly },
    ),

  /**
   * Brings back a tier deleted within the retention period, with the rate limits deleted along with it (the
   * same deleted_at: one transaction's now()). Its former users stay on the tier they were moved to. 409 when
   * a live tier has taken its name meanwhile.
   */
  restore: (scope: Scope, id: string, retentionDays: number) =>
    scope.run(
      (q) => {
        const deletedAt = sql`(select ${tiers.deleted_at} from ${tiers} where ${tiers.id} = ${id}
          and ${tiers.deleted_at} >= now() - make_interval(days => ${retentionDays}))`;
        const limits = one(
          q
            .update(rateLimits)
            .set({ deleted_at: null })
            .where(and(eq(rateLimits.tier_id, id), eq(rateLimits.deleted_at, deletedAt))),
        );
        // The rules first: their statement reads the tier's deleted_at before the tier's own restore clears it.
        return andThen(all(limits, tiersBase.rows.restore(q, id, { deletedWithinDays: retentionDays })), ([, tier]) =>
          tiersBase.found(tier),
        );
      },
      { superuserOnly },
    ),

  /**
   * Deletes a tier for good, deleted or not, with its rate limits and their counters (foreign keys cascade).
   * A live tier's users move to the default tier first; the default tier itself is refused (409).
   */
  purge: (scope: Scope, id: string) =>
    scope.transaction(
      async (tx) => {
        const [tier] = await tx.select().from(tiers).where(eq(tiers.id, id)).for("update");
        if (!tier) throw notFound("Tier");
        if (tier.is_default) {
          throw conflict("The default tier cannot be deleted: make another tier the default first", [
            { field: "id", location: "path", message: "this is the default tier" },
          ]);
        }
        await tx.update(users).set({ tier_id: defaultTierId }).where(eq(users.tier_id, id));
        await tiersBase.rows.hardDelete(tx, id);
      },
      { superuserOnly },
    ),
};

export const rateLimitsService = {
  ...limitsBase,

  /** A tier's rate limits; the tier's existence is read in the same transaction (404 when unknown). */
  listOfTier: (scope: Scope, tierId: string, query: ListQuery) =>
    scope.run(
      (q) =>
        andThen(
          all(
            tiersBase.rows.get(q, tierId, { columns: ["id"] }),
            limitsBase.rows.list(q, { ...query, where: and(query.where, eq(rateLimits.tier_id, tierId)) }),
          ),
          ([tier, page]) => {
            if (!tier) throw notFound("Tier");
            return { ...page, data: page.data.map(limitsBase.show) };
          },
        ),
      { superuserOnly },
    ),

  /**
   * A rule deleted within the retention period, back under its tier, if that tier is live (a deleted tier's rules
   * come back with it: tiersService.restore); 404 otherwise, 409 when the tier has a live rule for that path.
   */
  restore: (scope: Scope, id: string, retentionDays: number) =>
    scope.run(
      (q) =>
        andThen(
          limitsBase.rows.restore(q, id, {
            deletedWithinDays: retentionDays,
            where: sql`exists (select 1 from ${tiers} where ${tiers.id} = ${rateLimits.tier_id}
              and ${tiers.deleted_at} is null)`,
          }),
          limitsBase.found,
        ),
      { superuserOnly },
    ),

  /** Only under a live tier (404 otherwise), locked meanwhile so that it is not deleted under the new rule. */
  createForTier: (scope: Scope, tierId: string, input: RateLimitCreate) =>
    scope.transaction(
      async (tx) => {
        await lockTier(tx, tierId);
        return limitsBase.show(await limitsBase.rows.create(tx, { ...input, tier_id: tierId }));
      },
      { superuserOnly },
    ),
};
