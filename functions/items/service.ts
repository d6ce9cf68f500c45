import { items } from "../../db/schema";
import { resourceService } from "../lib/resource-service";
import { ItemSchema } from "./schemas";

// Ownership is never checked here: RLS shows a user only its rows (a superuser all of them), so another
// user's item is simply not found. owner_id defaults to the current user in the database.
export const itemsService = resourceService(items, { name: "Item", expose: ItemSchema });
