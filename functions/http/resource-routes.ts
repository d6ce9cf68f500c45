import type { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { ListQuery, ListSpec } from "../../db/crud";
import type { Config } from "../lib/config";
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

type Summaries = Record<"list" | "create" | "get" | "update" | "remove", string> &
  Partial<Record<"restore" | "purge", string>>;

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
 * The route declarations of a resource, the same for every feature: bearer security, the shared error
 * responses, `{id}` paths, the list query as its validator (functions/http/list-query.ts). Five for list /
 * create / read / update / delete, and two that a resource whose DELETE is soft (a deleted_at column) offers:
 *
 * - `POST /{id}/restore` undoes a deletion, for whoever could change the row (its owner, a superuser), while
 *   the row is within the retention period; past it, or once purged, the row is not found (404).
 * - `DELETE /{id}/purge` deletes the row for good, deleted or not, for superusers only (403 for anyone else),
 *   with their own access token. A route of its own rather than `DELETE /{id}?hard=true`: the irreversible
 *   operation gets its own operationId (`purgeItem`, not a flag on `deleteItem` that a client may pass along
 *   without meaning to, or misspell into a soft delete), its own documented 403, and its own path for rate
 *   limits and access logs.
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
  const spoken = names.one.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  const one = `${/^[aeiou]/.test(spoken) ? "an" : "a"} ${spoken}`;
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
    restore: defineRoute({
      ...common,
      method: "post",
      path: "/{id}/restore",
      operationId: `restore${names.one}`,
      summary:
        summaries.restore ??
        `Undo the deletion of ${one}, within the retention period (MAINTENANCE_RETENTION_DAYS); past it, 404`,
      request: { params: IdParam },
      responses: { 200: json(schemas.item, "Restored"), ...errors, ...notFoundError, ...conflictError },
    }),
    purge: defineRoute({
      tags: [tag],
      security: bearer,
      method: "delete",
      path: "/{id}/purge",
      operationId: `purge${names.one}`,
      summary: summaries.purge ?? `Delete ${one} for good, deleted or not (superusers only; cannot be undone)`,
      request: { params: IdParam },
      // A superuser's own access token: an irreversible deletion is not for API keys.
      middleware: [tokenOnly] as const,
      responses: { 204: { description: "Deleted for good" }, ...errors, ...notFoundError, ...conflictError },
    }),
  };
}

/** What a resource's service offers its routes, typed by the schemas its routes declare. */
export type ResourceService<Item, Detail, Page, Create, Update> = {
  list(scope: Scope, query: ListQuery): Promise<z.infer<Page>>;
  create(scope: Scope, input: z.infer<Create>): Promise<z.infer<Item>>;
  get(scope: Scope, id: string): Promise<z.infer<Detail>>;
  update(scope: Scope, id: string, input: z.infer<Update>): Promise<z.infer<Item>>;
  remove(scope: Scope, id: string): Promise<void>;
  /** `true` when remove is a soft delete: the router then serves restore and purge. */
  softDeletes: boolean;
  restore(scope: Scope, id: string, retentionDays: number): Promise<z.infer<Item>>;
  purge(scope: Scope, id: string): Promise<void>;
};

type Context = {
  req: { valid(target: string): never };
  json(value: unknown, status: number): Response;
  body(value: null, status: number): Response;
  get(key: "scope"): Scope;
  get(key: "config"): Config;
};
type Handler = (c: Context) => Promise<Response>;
const idOf = (c: Context) => (c.req.valid("param") as { id: string }).id;

/**
 * A resource's router, declared once: the routes of `resourceRoutes` wired to the service, behind the feature's
 * guards (e.g. requireUser, permit("items")); restore and purge when the service's table soft-deletes. The
 * feature chains any further route onto the result; `hc<App>` keeps every response type.
 */
export function resourceRouter<
  Item extends z.ZodType,
  Page extends z.ZodType,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Detail extends z.ZodType = Item,
  Soft extends boolean = boolean,
>(
  resource: Declaration<Item, Detail, Page, Create, Update> & {
    service: ResourceService<Item, Detail, Page, Create, Update> & { softDeletes: Soft };
    guards: MiddlewareHandler[];
  },
) {
  const routes = resourceRoutes(resource);
  const { service } = resource;
  // The route types are generic here; each handler's input and output are the service's, typed above.
  const handlers: Record<keyof Summaries, Handler> = {
    list: async (c) => c.json(await service.list(scopeOf(c), c.req.valid("query")), 200),
    create: async (c) => c.json(await service.create(scopeOf(c), c.req.valid("json")), 201),
    get: async (c) => c.json(await service.get(scopeOf(c), idOf(c)), 200),
    update: async (c) => c.json(await service.update(scopeOf(c), idOf(c), c.req.valid("json")), 200),
    remove: async (c) => {
      await service.remove(scopeOf(c), idOf(c));
      return c.body(null, 204);
    },
    restore: async (c) =>
      c.json(await service.restore(scopeOf(c), idOf(c), c.get("config").MAINTENANCE_RETENTION_DAYS), 200),
    purge: async (c) => {
      await service.purge(scopeOf(c), idOf(c));
      return c.body(null, 204);
    },
  };
  const router = createRouter();
  // Without `apiKeys`, keys are refused before anything else (the document offers bearer only).
  router.use("*", ...resource.guards, resource.apiKeys ? permit(resource.apiKeys) : tokenOnly);
  const crud = router.openapiRoutes([
    { route: routes.list, handler: handlers.list },
    { route: routes.create, handler: handlers.create },
    { route: routes.get, handler: handlers.get },
    { route: routes.update, handler: handlers.update },
    { route: routes.remove, handler: handlers.remove },
  ] as const);
  const trash = () =>
    crud.openapiRoutes([
      { route: routes.restore, handler: handlers.restore },
      { route: routes.purge, handler: handlers.purge },
    ] as const);
  return (service.softDeletes ? trash() : crud) as Soft extends true ? ReturnType<typeof trash> : typeof crud;
}
