import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  foreignKey,
  index,
  pgPolicy,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { declareAccess, ownedTable, reach } from "./access";
import { categories } from "./categories";
import { softDelete } from "./columns";
import { appUser } from "./roles";
import { userScoped } from "./user-scoped";

/**
 * Blog posts. User-owned: owner_id is the author, who reads and writes its posts through userScoped's
 * owner policies. One more permissive SELECT policy lets every signed-in user read published posts;
 * UPDATE and DELETE stay owner-only, so a reader of a published post cannot change it.
 */
export const posts = userScoped(
  "posts",
  {
    title: varchar("title", { length: 200 }).notNull(),
    slug: varchar("slug", { length: 200 }).notNull(),
    content: text("content").notNull(),
    excerpt: varchar("excerpt", { length: 500 }),
    is_published: boolean("is_published").notNull().default(false),
    published_at: timestamp("published_at", { withTimezone: true, mode: "date" }),
    category_id: uuid("category_id"),
    ...softDelete,
  },
  (t) => [
    uniqueIndex("uq_posts_slug").on(t.slug),
    check("chk_posts_slug_format", sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`),
    check("chk_posts_published_at", sql`not ${t.is_published} or ${t.published_at} is not null`),
    foreignKey({ name: "fk_posts_category_id", columns: [t.category_id], foreignColumns: [categories.id] }).onDelete(
      "set null",
    ),
    index("ix_posts_category_id").on(t.category_id),
    // The published posts every reader lists, newest first: the policy's predicate as the index's WHERE.
    index("ix_posts_published_at").on(t.published_at).where(sql`${t.is_published} and ${t.deleted_at} is null`),
    // Partial: only the maintenance purge looks rows up by deleted_at, and only soft-deleted ones.
    index("ix_posts_deleted_at").on(t.deleted_at).where(sql`${t.deleted_at} is not null`),
    pgPolicy("posts_select_published", {
      as: "permissive",
      for: "select",
      to: appUser,
      using: sql`${t.is_published} and ${t.deleted_at} is null`,
    }),
  ],
);

export type Post = typeof posts.$inferSelect;

/** Owned rows, and every signed-in user also reads published posts. */
declareAccess(posts, ownedTable({ ...reach.ownRows, select: "own+published" }));
