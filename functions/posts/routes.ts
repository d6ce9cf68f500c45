import { resourceRouter } from "../http/resource-routes";
import { requireUser } from "../middleware/access";
import { postsResource } from "./schemas";
import { postsService } from "./service";

// Restore and purge come with the resource: posts soft-delete (functions/http/resource-routes.ts).
export const postsRoutes = resourceRouter({
  ...postsResource,
  service: postsService,
  guards: [requireUser],
  apiKeys: "posts",
});
