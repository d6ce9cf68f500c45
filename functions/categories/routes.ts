import { resourceRouter } from "../http/resource-routes";
import { requireUser } from "../middleware/access";
import { categoriesResource } from "./schemas";
import { categoriesService } from "./service";

export const categoriesRoutes = resourceRouter({
  ...categoriesResource,
  service: categoriesService,
  guards: [requireUser],
  apiKeys: "categories",
});
