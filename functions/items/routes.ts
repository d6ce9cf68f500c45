import { createRoute } from "@hono/zod-openapi";
import { parseListQuery } from "../../db/crud";
import { permit, requireUser } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { bearer, errors, IdParam, json, ListQueryParams, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { ItemCreateSchema, ItemPageSchema, ItemSchema, ItemUpdateSchema, itemsListSpec } from "./schemas";
import { itemsService } from "./service";

const tags = ["items"];
const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearer,
  summary: "List your items (all items for a superuser), newest first; filter, sort, page",
  request: { query: ListQueryParams },
  responses: { 200: json(ItemPageSchema, "A page of items"), ...errors },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearer,
  summary: "Create an item owned by you",
  request: body(ItemCreateSchema),
  responses: { 201: json(ItemSchema, "The new item"), ...errors },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Read one item",
  request: { params: IdParam },
  responses: { 200: json(ItemSchema, "The item"), ...errors, ...notFoundError },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Change an item's title or description",
  request: { params: IdParam, ...body(ItemUpdateSchema) },
  responses: { 200: json(ItemSchema, "The changed item"), ...errors, ...notFoundError },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Delete an item (soft: it then reads as not found)",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors, ...notFoundError },
});

const router = createRouter();
router.use("*", requireUser, permit("items"));

export const itemsRoutes = router
  .openapi(list, async (c) =>
    c.json(await itemsService.list(scopeOf(c), parseListQuery(c.req.queries(), itemsListSpec)), 200),
  )
  .openapi(create, async (c) => c.json(await itemsService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(get, async (c) => c.json(await itemsService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(update, async (c) =>
    c.json(await itemsService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(remove, async (c) => {
    await itemsService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
