import { items } from "../../db/schema";
import { resourceRouter } from "../http/resource-routes";
import { resourceService } from "../lib/resource-service";
import { permit, requireUser } from "../middleware/access";
import { ItemCreateSchema, ItemPageSchema, ItemSchema, ItemUpdateSchema, itemsListSpec } from "./schemas";

// Ownership is never checked here: RLS shows a user only its rows (a superuser all of them), so another
// user's item is simply not found. owner_id defaults to the current user in the database.
export const itemsService = resourceService(items, { name: "Item", expose: ItemSchema });

export const itemsRoutes = resourceRouter({
  tag: "items",
  schemas: {
    item: ItemSchema,
    detail: ItemSchema,
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
  service: itemsService,
  guards: [requireUser, permit("items")],
});
