import { parseListQuery } from "../../db/crud";
import { permit, requireUser } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { resourceRoutes } from "../lib/resource-routes";
import { scopeOf } from "../lib/scope";
import {
  CategoryCreateSchema,
  CategoryPageSchema,
  CategorySchema,
  CategoryUpdateSchema,
  categoriesListSpec,
} from "./schemas";
import { categoriesService } from "./service";

const routes = resourceRoutes({
  tag: "categories",
  schemas: {
    item: CategorySchema,
    detail: CategorySchema,
    page: CategoryPageSchema,
    create: CategoryCreateSchema,
    update: CategoryUpdateSchema,
  },
  summaries: {
    list: "List the active categories (all of them for a superuser); filter, sort, page",
    create: "Create a category (superusers only: the database refuses anyone else with 403)",
    get: "Read one category (an inactive one only as a superuser)",
    update: "Change a category (superusers only)",
    remove: "Delete a category for good (superusers only); its posts remain, without a category",
  },
});

const router = createRouter();
router.use("*", requireUser, permit("categories"));

export const categoriesRoutes = router
  .openapi(routes.list, async (c) =>
    c.json(await categoriesService.list(scopeOf(c), parseListQuery(c.req.queries(), categoriesListSpec)), 200),
  )
  .openapi(routes.create, async (c) => c.json(await categoriesService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(routes.get, async (c) => c.json(await categoriesService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(routes.update, async (c) =>
    c.json(await categoriesService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(routes.remove, async (c) => {
    await categoriesService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
