import { sql } from "drizzle-orm";
import { boolean, check, pgPolicy, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { declareAccess, sharedTable } from "./access";
import { timestamps, uuidPrimaryKey } from "./columns";
import { superuserPolicy } from "./rls";
import { appUser } from "./roles";

/**
 * Blog categories. Not user-owned: signed-in users read the active ones, superusers manage them all.
 * rls_app_user holds only SELECT on this table (drizzle/0004), so a user's write is refused by the
 * database (42501) before any policy is consulted.
 */
export const categories = pgTable(
  "categories",
  {
    ...uuidPrimaryKey,
    name: varchar("name", { length: 100 }).notNull(),
    slug: varchar("slug", { length: 100 }).notNull(),
    description: text("description"),
    is_active: boolean("is_active").notNull().default(true),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("uq_categories_name").on(t.name),
    uniqueIndex("uq_categories_slug").on(t.slug),
    check("chk_categories_slug_format", sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`),
    pgPolicy("categories_select_active", { as: "permissive", for: "select", to: appUser, using: sql`${t.is_active}` }),
    superuserPolicy("categories"),
  ],
).enableRLS();

export type Category = typeof categories.$inferSelect;

/** Shared: every signed-in user reads them, superusers write them. */
declareAccess(categories, sharedTable());
