import type { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { ListQuery, ListSpec } from "../../db/crud";
import type { Resource } from "../lib/permissions";
import { bearer, bearerOrKey, conflictError, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { type Scope, scopeOf } from "../lib/scope";
import { permit, tokenOnly } from "../middleware/access";
import { listQuery } from "./list-query";
import { defineRoute } from "./route";
import { createRouter } from "./router";

const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

type Summaries = Record<"list" | "create" | "get" | "update" | "remove", string>;

/** A resource's schemas: `item` is what create and update answer, `detail` what a read answers (`item` if omitted). */
type Schemas<Item, Detail, Page, Create, Update> = {
  item: Item;
  detail?: Detail;
  page: Page;
  create: Create;
  update: Update;
};

/** What declares a resource's routes: its tag, names, schemas, list spec and summaries. */
type Declaration<Item, Detail, Page, Create, Update> = {
  tag: string;
  /**
   * The resource's names in PascalCase, one and many (`Item`, `Items`): the operations are `listItems`,
   * `createItem`, `getItem`, `updateItem` and `deleteItem`, the method names client generators give them.
   */
  names: { one: string; many: string };
  schemas: Schemas<Item, Detail, Page, Create, Update>;
  list: ListSpec;
  summaries: Summaries;
  /** Documents a 409 on delete. */
  removeMayConflict?: boolean;
  /**
   * API keys may call the routes, with `<resource>:read` or `:write` (permit): the router checks it and the
   * document offers the X-API-Key scheme, from this one line. Without it, only a user's access token.
   */
  apiKeys?: Resource;
};

/**
 * The five route declarations of a resource with list / create / read / update / delete, the same for every
 * feature: bearer security, the shared error responses, `{id}` paths, the list query as its validator
 * (functions/http/list-query.ts).
 */
export function resourceRoutes<
  Item extends z.ZodType,
  Page extends z.ZodType,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Detail extends z.ZodType = Item,
>(resource: Declaration<Item, Detail, Page, Create, Update>) {
  const { tag, schemas, summaries, names } = resource;
  const common = { tags: [tag], security: resource.apiKeys ? bearerOrKey : bearer };
  return {
    list: defineRoute({
      ...common,
      method: "get",
      path: "/",
      operationId: `list${names.many}`,
      summary: summaries.list,
      request: { query: listQuery(resource.list) },
      responses: { 200: json(schemas.page, "A page"), ...errors },
    }),
    create: defineRoute({
      ...common,
      method: "post",
      path: "/",
      operationId: `create${names.one}`,
      summary: summaries.create,
      request: body(schemas.create),
      responses: { 201: json(schemas.item, "Created"), ...errors, ...conflictError },
    }),
    get: defineRoute({
      ...common,
      method: "get",
      path: "/{id}",
      operationId: `get${names.one}`,
      summary: summaries.get,
      request: { params: IdParam },
      responses: { 200: json((schemas.detail ?? schemas.item) as Detail, "Found"), ...errors, ...notFoundError },
    }),
    update: defineRoute({
      ...common,
      method: "patch",
      path: "/{id}",
      operationId: `update${names.one}`,
      summary: summaries.update,
      request: { params: IdParam, ...body(schemas.update) },
      responses: { 200: json(schemas.item, "Changed"), ...errors, ...notFoundError, ...conflictError },
    }),
    remove: defineRoute({
      ...common,
      method: "delete",
      path: "/{id}",
      operationId: `delete${names.one}`,
      summary: summaries.remove,
      request: { params: IdParam },
      responses: {
        204: { description: "Deleted" },
        ...errors,
        ...notFoundError,
        ...(resource.removeMayConflict ? conflictError : {}),
      },
    }),
  };
}

/** What a resource's service offers the five routes, typed by the schemas its routes declare. */
export type ResourceService<Item, Detail, Page, Create, Update> = {
  list(scope: Scope, query: ListQuery): Promise<z.infer<Page>>;
  create(scope: Scope, input: z.infer<Create>): Promise<z.infer<Item>>;
  get(scope: Scope, id: string): Promise<z.infer<Detail>>;
  update(scope: Scope, id: string, input: z.infer<Update>): Promise<z.infer<Item>>;
  remove(scope: Scope, id: string): Promise<void>;
};

type Handler = (c: {
  req: { valid(target: string): never };
  json(value: unknown, status: number): Response;
  body(value: null, status: number): Response;
  get(key: "scope"): Scope;
}) => Promise<Response>;

/**
 * A resource's router, declared once: the five routes of `resourceRoutes` wired to the service, behind the
 * feature's guards (e.g. requireUser, permit("items")). The feature chains any further route onto the
 * result (`.openapi(restore, ...)`); `hc<App>` keeps every response type.
 */
export function resourceRouter<
  Item extends z.ZodType,
  Page extends z.ZodType,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Detail extends z.ZodType = Item,
>(
  resource: Declaration<Item, Detail, Page, Create, Update> & {
    service: ResourceService<Item, Detail, Page, Create, Update>;
    guards: MiddlewareHandler[];
  },
) {
  const routes = resourceRoutes(resource);
  const { service } = resource;
  // The route types are generic here; each handler's input and output are the service's, typed above.
  const handlers: Record<keyof Summaries, Handler> = {
    list: async (c) => c.json(await service.list(scopeOf(c), c.req.valid("query")), 200),
    create: async (c) => c.json(await service.create(scopeOf(c), c.req.valid("json")), 201),
    get: async (c) => c.json(await service.get(scopeOf(c), (c.req.valid("param") as { id: string }).id), 200),
    update: async (c) =>
      c.json(await service.update(scopeOf(c), (c.req.valid("param") as { id: string }).id, c.req.valid("json")), 200),
    remove: async (c) => {
      await service.remove(scopeOf(c), (c.req.valid("param") as { id: string }).id);
      return c.body(null, 204);
    },
  };
  const router = createRouter();
  // Without `apiKeys`, keys are refused before anything else (the document offers bearer only).
  router.use("*", ...resource.guards, resource.apiKeys ? permit(resource.apiKeys) : tokenOnly);
  return router.openapiRoutes([
    { route: routes.list, handler: handlers.list },
    { route: routes.create, handler: handlers.create },
    { route: routes.get, handler: handlers.get },
    { route: routes.update, handler: handlers.update },
    { route: routes.remove, handler: handlers.remove },
  ] as const);
}
