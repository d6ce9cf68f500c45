import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { items } from "../../db/schema";
import { listOf, timestamp } from "../lib/schemas";

const title = z.string().trim().min(1).max(255);
const description = z.string().max(10_000).nullable().optional();

/** What a client sees of an item: these fields and no other (a new column stays private until added here). */
export const ItemSchema = createSelectSchema(items, { created_at: timestamp, updated_at: timestamp })
  .pick({ id: true, owner_id: true, title: true, description: true, created_at: true, updated_at: true })
  .openapi("Item");

export const ItemCreateSchema = createInsertSchema(items, { title, description })
  .pick({ title: true, description: true })
  .strict()
  .openapi("ItemCreate");

export const ItemUpdateSchema = ItemCreateSchema.partial().strict().openapi("ItemUpdate");

export const ItemPageSchema = listOf(ItemSchema, "ItemPage");

/** What GET /items may filter and sort on (docs/crud.md). */
export const itemsListSpec = {
  fields: fieldsOf(items, ["id", "owner_id", "title", "description", "created_at", "updated_at"]),
  defaultSort: "-created_at",
};

/** The item resource as its routes declare it (functions/http/resource-routes.ts): schemas, list, docs. */
export const itemsResource = {
  tag: "items",
  names: { one: "Item", many: "Items" },
  schemas: {
    item: ItemSchema,
    page: ItemPageSchema,
    create: ItemCreateSchema,
    update: ItemUpdateSchema,
  },
  list: itemsListSpec,
  summaries: {
    list: "List your items (all items for a superuser), newest first; filter, sort, page",
    create: "Create an item owned by you",
    get: "Read one item",
    update: "Change an item's title or description",
    remove: "Delete an item (soft: it then reads as not found)",
  },
};

export type ItemCreate = z.infer<typeof ItemCreateSchema>;
export type ItemUpdate = z.infer<typeof ItemUpdateSchema>;
