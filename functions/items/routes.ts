import { parseListQuery } from "../../db/crud";
import { permit, requireUser } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { resourceRoutes } from "../lib/resource-routes";
import { scopeOf } from "../lib/scope";
import { ItemCreateSchema, ItemPageSchema, ItemSchema, ItemUpdateSchema, itemsListSpec } from "./schemas";
import { itemsService } from "./service";

const routes = resourceRoutes({
  tag: "items",
  schemas: {
    item: ItemSchema,
    detail: ItemSchema,
    page: ItemPageSchema,
    create: ItemCreateSchema,
    update: ItemUpdateSchema,
  },
  summaries: {
    list: "List your items (all items for a superuser), newest first; filter, sort, page",
    create: "Create an item owned by you",
    get: "Read one item",
    update: "Change an item's title or description",
    remove: "Delete an item (soft: it then reads as not found)",
  },
});

const router = createRouter();
router.use("*", requireUser, permit("items"));

export const itemsRoutes = router
  .openapi(routes.list, async (c) =>
    c.json(await itemsService.list(scopeOf(c), parseListQuery(c.req.queries(), itemsListSpec)), 200),
  )
  .openapi(routes.create, async (c) => c.json(await itemsService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(routes.get, async (c) => c.json(await itemsService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(routes.update, async (c) =>
    c.json(await itemsService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(routes.remove, async (c) => {
    await itemsService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
