import { sql } from "drizzle-orm";
import { boolean, pgPolicy, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { declareAccess, sharedTable } from "./access";
import { timestamps, uuidPrimaryKey } from "./columns";
import { superuserPolicy } from "./rls";
import { appUser } from "./roles";

/** Service tiers: each user has one; its rate limits apply to the user's requests. */
export const tiers = pgTable(
  "tiers",
  {
    ...uuidPrimaryKey,
    name: varchar("name", { length: 100 }).notNull(),
    description: text("description"),
    /** The tier of new users and of anonymous requests; at most one row has it. */
    is_default: boolean("is_default").notNull().default(false),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("uq_tiers_name").on(t.name),
    uniqueIndex("uq_tiers_is_default").on(t.is_default).where(sql`${t.is_default}`),
    pgPolicy("tiers_select_all", { as: "permissive", for: "select", to: appUser, using: sql`true` }),
    superuserPolicy("tiers"),
  ],
).enableRLS();

export type Tier = typeof tiers.$inferSelect;

/** Shared: every signed-in user reads them (its own limits), superusers write them. */
declareAccess(tiers, sharedTable());
