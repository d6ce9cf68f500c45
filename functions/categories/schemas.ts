import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { categories } from "../../db/schema";
import { listOf, timestamp } from "../lib/schemas";

/** Lowercase letters and digits in hyphen-separated words: the same rule as the chk_*_slug_format checks. */
export const slug = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase letters and digits, separated by single hyphens");

export const CategorySchema = createSelectSchema(categories, {
  created_at: timestamp,
  updated_at: timestamp,
}).openapi("Category");

export const CategoryCreateSchema = createInsertSchema(categories, {
  name: z.string().trim().min(1).max(100),
  slug: slug(100),
  description: z.string().max(10_000).nullable().optional(),
})
  .pick({ name: true, slug: true, description: true, is_active: true })
  .strict()
  .openapi("CategoryCreate");

export const CategoryUpdateSchema = CategoryCreateSchema.partial().strict().openapi("CategoryUpdate");

export const CategoryPageSchema = listOf(CategorySchema, "CategoryPage");

/** What GET /categories may filter and sort on (docs/crud.md). */
export const categoriesListSpec = {
  fields: fieldsOf(categories, ["name", "slug", "is_active", "created_at"]),
  defaultSort: "name",
};

export type CategoryCreate = z.infer<typeof CategoryCreateSchema>;
export type CategoryUpdate = z.infer<typeof CategoryUpdateSchema>;
