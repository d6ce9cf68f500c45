import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { categories } from "../../db/schema";
import { listOf, slug, timestamp } from "../lib/schemas";

/** What a client sees of a category: these fields and no other. */
export const CategorySchema = createSelectSchema(categories, { created_at: timestamp, updated_at: timestamp })
  .pick({ id: true, name: true, slug: true, description: true, is_active: true, created_at: true, updated_at: true })
  .openapi("Category");

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

/** The category resource as its routes declare it (functions/http/resource-routes.ts): schemas, list, docs. */
export const categoriesResource = {
  tag: "categories",
  names: { one: "Category", many: "Categories" },
  schemas: {
    item: CategorySchema,
    page: CategoryPageSchema,
    create: CategoryCreateSchema,
    update: CategoryUpdateSchema,
  },
  list: categoriesListSpec,
  summaries: {
    list: "List the active categories (all of them for a superuser); filter, sort, page",
    create: "Create a category (superusers only: the database refuses anyone else with 403)",
    get: "Read one category (an inactive one only as a superuser)",
    update: "Change a category (superusers only)",
    remove: "Delete a category for good (superusers only); its posts remain, without a category",
  },
};

export type CategoryCreate = z.infer<typeof CategoryCreateSchema>;
export type CategoryUpdate = z.infer<typeof CategoryUpdateSchema>;
