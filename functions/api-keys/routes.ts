import { createRoute } from "@hono/zod-openapi";
import { listQuery } from "../http/list-query";
import { createRouter } from "../http/router";
import { bearer, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser, tokenOnly } from "../middleware/access";
import {
  ApiKeyCreateSchema,
  ApiKeyPageSchema,
  ApiKeySchema,
  apiKeysListSpec,
  KeyUsagePageSchema,
  keyUsageListSpec,
  NewApiKeySchema,
} from "./schemas";
import { apiKeysService } from "./service";

const common = { tags: ["api-keys"], security: bearer };

const create = createRoute({
  method: "post",
  path: "/",
  ...common,
  summary: "Create an API key; the secret is in this response only",
  request: { body: { content: { "application/json": { schema: ApiKeyCreateSchema } }, required: true } },
  responses: { 201: json(NewApiKeySchema, "The key, with its secret"), ...errors },
});

const list = createRoute({
  method: "get",
  path: "/",
  ...common,
  summary: "List your API keys",
  request: { query: listQuery(apiKeysListSpec) },
  responses: { 200: json(ApiKeyPageSchema, "A page of keys"), ...errors },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  ...common,
  summary: "Read one of your API keys",
  request: { params: IdParam },
  responses: { 200: json(ApiKeySchema, "The key"), ...errors, ...notFoundError },
});

const revoke = createRoute({
  method: "delete",
  path: "/{id}",
  ...common,
  summary: "Revoke an API key: it stops working at once",
  request: { params: IdParam },
  responses: { 204: { description: "Revoked" }, ...errors, ...notFoundError },
});

const usage = createRoute({
  method: "get",
  path: "/{id}/usage",
  ...common,
  summary: "The requests made with one of your keys, newest first",
  request: { params: IdParam, query: listQuery(keyUsageListSpec) },
  responses: { 200: json(KeyUsagePageSchema, "A page of usage records"), ...errors, ...notFoundError },
});

const router = createRouter();
router.use("*", requireUser, tokenOnly);

export const apiKeysRoutes = router
  .openapi(create, async (c) => c.json(await apiKeysService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(list, async (c) => c.json(await apiKeysService.list(scopeOf(c), c.req.valid("query")), 200))
  .openapi(get, async (c) => c.json(await apiKeysService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(revoke, async (c) => {
    await apiKeysService.revoke(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(usage, async (c) =>
    c.json(await apiKeysService.usage(scopeOf(c), c.req.valid("param").id, c.req.valid("query")), 200),
  );
