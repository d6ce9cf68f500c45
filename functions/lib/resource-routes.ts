import { createRoute, type z } from "@hono/zod-openapi";
import { bearer, conflictError, errors, IdParam, json, ListQueryParams, notFoundError } from "./schemas";

const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

type Summaries = Record<"list" | "create" | "get" | "update" | "remove", string>;

/**
 * The five route declarations of a resource with list / create / read / update / delete, the same for every
 * feature: bearer security, the shared error responses, `{id}` paths, the list query. A feature passes its
 * schemas and summaries and wires each route to its service (see functions/items/routes.ts).
 */
export function resourceRoutes<
  Item extends z.ZodType,
  Detail extends z.ZodType,
  Page extends z.ZodType,
  Create extends z.ZodType,
  Update extends z.ZodType,
>(resource: {
  tag: string;
  schemas: { item: Item; detail: Detail; page: Page; create: Create; update: Update };
  summaries: Summaries;
}) {
  const { tag, schemas, summaries } = resource;
  const common = { tags: [tag], security: bearer };
  return {
    list: createRoute({
      ...common,
      method: "get",
      path: "/",
      summary: summaries.list,
      request: { query: ListQueryParams },
      responses: { 200: json(schemas.page, "A page"), ...errors },
    }),
    create: createRoute({
      ...common,
      method: "post",
      path: "/",
      summary: summaries.create,
      request: body(schemas.create),
      responses: { 201: json(schemas.item, "Created"), ...errors, ...conflictError },
    }),
    get: createRoute({
      ...common,
      method: "get",
      path: "/{id}",
      summary: summaries.get,
      request: { params: IdParam },
      responses: { 200: json(schemas.detail, "Found"), ...errors, ...notFoundError },
    }),
    update: createRoute({
      ...common,
      method: "patch",
      path: "/{id}",
      summary: summaries.update,
      request: { params: IdParam, ...body(schemas.update) },
      responses: { 200: json(schemas.item, "Changed"), ...errors, ...notFoundError, ...conflictError },
    }),
    remove: createRoute({
      ...common,
      method: "delete",
      path: "/{id}",
      summary: summaries.remove,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errors, ...notFoundError },
    }),
  };
}
