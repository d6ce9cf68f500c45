import { sql } from "drizzle-orm";
import { boolean, check, pgPolicy, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { declareAccess, sharedTable } from "./access";
import { softDelete, timestamps, uuidPrimaryKey } from "./columns";
import { superuserPolicy } from "./rls";
import { appUser } from "./roles";

/**
 * Service tiers: each user has one; its rate limits apply to the user's requests. Deleting one is a soft delete:
 * its users get the default tier's limits at once, and maintenance deletes it after the retention period (their
 * tier_id then becomes null: the default tier). The default tier cannot be deleted.
 */
export const tiers = pgTable(
  "tiers",
  {
    ...uuidPrimaryKey,
    name: varchar("name", { length: 100 }).notNull(),
    description: text("description"),
    /** The tier of new users and of anonymous requests; at most one row has it. */
    is_default: boolean("is_default").notNull().default(false),
    ...softDelete,
    ...timestamps,
  },
  (t) => [
    // Among live tiers: a deleted tier's name is free again.
    uniqueIndex("uq_tiers_name").on(t.name).where(sql`${t.deleted_at} is null`),
    uniqueIndex("uq_tiers_is_default").on(t.is_default).where(sql`${t.is_default}`),
    check("chk_tiers_default_not_deleted", sql`not (${t.is_default} and ${t.deleted_at} is not null)`),
    pgPolicy("tiers_select_all", { as: "permissive", for: "select", to: appUser, using: sql`true` }),
    superuserPolicy("tiers"),
  ],
).enableRLS();

export type Tier = typeof tiers.$inferSelect;

/** Shared: every signed-in user reads them (its own limits), superusers write them. */
declareAccess(tiers, sharedTable());
