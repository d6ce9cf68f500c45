import { resourceRouter } from "../http/resource-routes";
import { requireUser } from "../middleware/access";
import { itemsResource } from "./schemas";
import { itemsService } from "./service";

export const itemsRoutes = resourceRouter({
  ...itemsResource,
  service: itemsService,
  guards: [requireUser],
  apiKeys: "items",
});
