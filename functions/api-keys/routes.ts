import { createRoute } from "@hono/zod-openapi";
import { parseListQuery } from "../../db/crud";
import { requireUser, tokenOnly } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { bearer, errors, IdParam, json, ListQueryParams, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
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

const tags = ["api-keys"];

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearer,
  summary: "Create an API key; the secret is in this response only",
  request: { body: { content: { "application/json": { schema: ApiKeyCreateSchema } }, required: true } },
  responses: { 201: json(NewApiKeySchema, "The key, with its secret"), ...errors },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearer,
  summary: "List your API keys",
  request: { query: ListQueryParams },
  responses: { 200: json(ApiKeyPageSchema, "A page of keys"), ...errors },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Read one of your API keys",
  request: { params: IdParam },
  responses: { 200: json(ApiKeySchema, "The key"), ...errors, ...notFoundError },
});

const revoke = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Revoke an API key: it stops working at once",
  request: { params: IdParam },
  responses: { 204: { description: "Revoked" }, ...errors, ...notFoundError },
});

const usage = createRoute({
  method: "get",
  path: "/{id}/usage",
  tags,
  security: bearer,
  summary: "The requests made with one of your keys, newest first",
  request: { params: IdParam, query: ListQueryParams },
  responses: { 200: json(KeyUsagePageSchema, "A page of usage records"), ...errors, ...notFoundError },
});

const router = createRouter();
router.use("*", requireUser, tokenOnly);

export const apiKeysRoutes = router
  .openapi(create, async (c) => c.json(await apiKeysService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(list, async (c) =>
    c.json(await apiKeysService.list(scopeOf(c), parseListQuery(c.req.queries(), apiKeysListSpec)), 200),
  )
  .openapi(get, async (c) => c.json(await apiKeysService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(revoke, async (c) => {
    await apiKeysService.revoke(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(usage, async (c) =>
    c.json(
      await apiKeysService.usage(
        scopeOf(c),
        c.req.valid("param").id,
        parseListQuery(c.req.queries(), keyUsageListSpec),
      ),
      200,
    ),
  );
