import { items } from "../../db/schema";
import { resourceRouter } from "../http/resource-routes";
import { resourceService } from "../lib/resource-service";
import { requireUser } from "../middleware/access";
import { ItemSchema, itemsResource } from "./schemas";

// Ownership is never checked here: RLS shows a user only its rows (a superuser all of them), so another
// user's item is simply not found. owner_id defaults to the current user in the database.
export const itemsService = resourceService(items, { name: "Item", expose: ItemSchema });

export const itemsRoutes = resourceRouter({
  ...itemsResource,
  service: itemsService,
  guards: [requireUser],
  apiKeys: "items",
});
