import { sql } from "drizzle-orm";
import { check, index, text, varchar } from "drizzle-orm/pg-core";
import { declareAccess, ownedTable } from "./access";
import { softDelete } from "./columns";
import { userScoped } from "./user-scoped";

export const items = userScoped(
  "items",
  {
    title: varchar("title", { length: 255 }).notNull(),
    description: text("description"),
    ...softDelete,
  },
  (t) => [
    check("chk_items_title_not_blank", sql`length(btrim(${t.title})) > 0`),
    // Partial: only the maintenance purge looks rows up by deleted_at, and only soft-deleted ones.
    index("ix_items_deleted_at").on(t.deleted_at).where(sql`${t.deleted_at} is not null`),
  ],
);

export type Item = typeof items.$inferSelect;

/** Owned rows: the owner reaches its own, superusers and maintenance every row, nobody else anything. */
declareAccess(items, ownedTable());
