import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { posts } from "../../db/schema";
import { listOf, slug, timestamp } from "../lib/schemas";

/** What a client sees of a post: these fields and no other (a new column stays private until added here). */
export const PostSchema = createSelectSchema(posts, {
  published_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
})
  .pick({
    id: true,
    owner_id: true,
    title: true,
    slug: true,
    content: true,
    excerpt: true,
    is_published: true,
    published_at: true,
    is_featured: true,
    category_id: true,
    created_at: true,
    updated_at: true,
  })
  .openapi("Post");

/** What a post's author and category show, and the columns read for them (the relations of db/schema/relations.ts). */
const Author = z.object({ id: z.uuid(), full_name: z.string().nullable() });
const Category = z.object({ id: z.uuid(), name: z.string(), slug: z.string() });
export const postRelations = {
  author: { columns: { id: true, full_name: true } },
  category: { columns: { id: true, name: true, slug: true } },
} as const;

/**
 * One post with its author and category, read in one statement. Each is null when the reader may not see
 * it: the users table shows a user only its own row, and an inactive category is hidden from non-superusers.
 */
export const PostDetailSchema = PostSchema.extend({
  author: Author.nullable(),
  category: Category.nullable(),
}).openapi("PostDetail");

/** A post in a list: with `expand=author`, `expand=category` or both, those too (null as in PostDetail). */
export const PostListEntrySchema = PostSchema.extend({
  author: Author.nullable().optional().openapi({ description: "With expand=author" }),
  category: Category.nullable().optional().openapi({ description: "With expand=category" }),
}).openapi("PostListEntry");

export const PostCreateSchema = createInsertSchema(posts, {
  title: z.string().trim().min(1).max(200),
  slug: slug(200),
  content: z.string().min(1).max(100_000),
  excerpt: z.string().max(500).nullable().optional(),
  published_at: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .nullable()
    .optional()
    .openapi({ type: "string", format: "date-time" }),
  category_id: z.uuid().nullable().optional(),
  is_featured: z.boolean().optional().openapi({ description: "Superusers only: anyone else is refused with 403" }),
})
  .pick({
    title: true,
    slug: true,
    content: true,
    excerpt: true,
    is_published: true,
    published_at: true,
    is_featured: true,
    category_id: true,
  })
  .strict()
  .openapi("PostCreate");

export const PostUpdateSchema = PostCreateSchema.partial().strict().openapi("PostUpdate");

export const PostPageSchema = listOf(PostListEntrySchema, "PostPage");

/** What GET /posts may filter and sort on (docs/crud.md). */
export const postsListSpec = {
  fields: fieldsOf(posts, [
    "id",
    "title",
    "slug",
    "is_published",
    "published_at",
    "is_featured",
    "category_id",
    "owner_id",
    "created_at",
    "updated_at",
  ]),
  defaultSort: "-created_at",
  expand: postRelations,
};

/** The post resource as its routes declare it (functions/http/resource-routes.ts): schemas, list, docs. */
export const postsResource = {
  tag: "posts",
  names: { one: "Post", many: "Posts" },
  schemas: {
    item: PostSchema,
    page: PostPageSchema,
    create: PostCreateSchema,
    update: PostUpdateSchema,
    detail: PostDetailSchema,
  },
  list: postsListSpec,
  summaries: {
    list: "List your posts and everyone's published posts (all posts for a superuser); filter, sort, page",
    create: "Write a post as its author; published_at defaults to now when it is published",
    get: "Read one post with its author and category",
    update: "Change one of your posts",
    remove: "Delete one of your posts (soft: it then reads as not found until restored)",
  },
};

export type PostCreate = z.infer<typeof PostCreateSchema>;
export type PostUpdate = z.infer<typeof PostUpdateSchema>;
export type PostDetail = z.infer<typeof PostDetailSchema>;
