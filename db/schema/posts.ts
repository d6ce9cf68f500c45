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
    /** Set by superusers only: an INSERT policy and the column GRANTs of drizzle/ keep it from authors. */
    is_featured: boolean("is_featured").notNull().default(false),
    category_id: uuid("category_id"),
    ...softDelete,
  },
  (t) => [
    uniqueIndex("uq_posts_slug").on(t.slug),
    check("chk_posts_slug_format", sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`),
    // A published post has a publication time, and it is not in the future (a post is published when it is
    // visible). now() in a CHECK is checked when a row is written; a time in the past stays in the past.
    check(
      "chk_posts_published_at",
      sql`not ${t.is_published} or (${t.published_at} is not null and ${t.published_at} <= now())`,
    ),
    foreignKey({ name: "fk_posts_category_id", columns: [t.category_id], foreignColumns: [categories.id] }).onDelete(
      "set null",
    ),
    index("ix_posts_category_id").on(t.category_id),
    // The published posts every reader lists, newest first: the policy's predicate as the index's WHERE.
    index("ix_posts_published_at").on(t.published_at).where(sql`${t.is_published} and ${t.deleted_at} is null`),
    // Partial: only the maintenance purge looks rows up by deleted_at, and only soft-deleted ones.
    index("ix_posts_deleted_at").on(t.deleted_at).where(sql`${t.deleted_at} is not null`),
    // sort=title reads this in order: lists sort text in the ICU root collation (db/crud/fields.ts, TEXT_ORDER).
    index("ix_posts_title_id").on(sql`${t.title} collate "und-x-icu"`, t.id),
    // title=, title__in, __gt/__lt/__between. The LIKE family (startswith, contains, ilike) cannot use an index
    // under RLS: LIKE is not leakproof, so Postgres applies it only to rows the policy has already let through.
    index("ix_posts_title").on(t.title),
    index("ix_posts_is_featured_created_at").on(t.created_at).where(sql`${t.is_featured} and ${t.deleted_at} is null`),
    // An author may not feature a post (restrictive: ANDed with the owner's INSERT policy); changing the flag
    // later needs the UPDATE privilege on the column, which only superusers hold.
    pgPolicy("posts_insert_not_featured", {
      as: "restrictive",
      for: "insert",
      to: appUser,
      withCheck: sql`not ${t.is_featured}`,
    }),
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
