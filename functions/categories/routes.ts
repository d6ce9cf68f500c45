import { createRoute } from "@hono/zod-openapi";
import { parseListQuery } from "../../db/crud";
import { permit, requireUser } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { bearer, conflictError, errors, IdParam, json, ListQueryParams, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import {
  CategoryCreateSchema,
  CategoryPageSchema,
  CategorySchema,
  CategoryUpdateSchema,
  categoriesListSpec,
} from "./schemas";
import { categoriesService } from "./service";

const tags = ["categories"];
const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearer,
  summary: "List the active categories (all of them for a superuser); filter, sort, page",
  request: { query: ListQueryParams },
  responses: { 200: json(CategoryPageSchema, "A page of categories"), ...errors },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearer,
  summary: "Create a category (superusers only: the database refuses anyone else with 403)",
  request: body(CategoryCreateSchema),
  responses: { 201: json(CategorySchema, "The new category"), ...errors, ...conflictError },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Read one category (an inactive one only as a superuser)",
  request: { params: IdParam },
  responses: { 200: json(CategorySchema, "The category"), ...errors, ...notFoundError },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Change a category (superusers only)",
  request: { params: IdParam, ...body(CategoryUpdateSchema) },
  responses: { 200: json(CategorySchema, "The changed category"), ...errors, ...notFoundError, ...conflictError },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Delete a category for good (superusers only); its posts remain, without a category",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors, ...notFoundError },
});

const router = createRouter();
router.use("*", requireUser, permit("categories"));

export const categoriesRoutes = router
  .openapi(list, async (c) =>
    c.json(await categoriesService.list(scopeOf(c), parseListQuery(c.req.queries(), categoriesListSpec)), 200),
  )
  .openapi(create, async (c) => c.json(await categoriesService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(get, async (c) => c.json(await categoriesService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(update, async (c) =>
    c.json(await categoriesService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(remove, async (c) => {
    await categoriesService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
