import { listQuery } from "../http/list-query";
import { resourceRoutes } from "../http/resource-routes";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { json } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser, tokenOnly } from "../middleware/access";
import { apiKeySchemas, apiKeysListSpec, KeyUsagePageSchema, keyUsageListSpec } from "./schemas";
import { apiKeysService } from "./service";

const key = resourceRoutes({
  tag: "api-keys",
  names: { one: "ApiKey", many: "ApiKeys" },
  schemas: apiKeySchemas,
  list: apiKeysListSpec,
  summaries: {
    list: "List your API keys",
    create: "Create an API key; the secret is in this response only",
    get: "Read one of your API keys",
    update: "(not served: a key is never changed, only revoked)",
    remove: "Revoke an API key: it stops working at once",
  },
});

const usage = defineRoute({
  ...key.get,
  path: "/{id}/usage",
  operationId: "listApiKeyUsage",
  summary: "The requests made with one of your keys, newest first",
  request: { ...key.get.request, query: listQuery(keyUsageListSpec) },
  responses: { ...key.get.responses, 200: json(KeyUsagePageSchema, "A page of usage records") },
});

// Managing keys needs the user's own access token: a key cannot mint or widen keys.
const router = createRouter();
router.use("*", requireUser, tokenOnly);

export const apiKeysRoutes = router
  .openapi(key.create, async (c) => c.json(await apiKeysService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(key.list, async (c) => c.json(await apiKeysService.list(scopeOf(c), c.req.valid("query")), 200))
  .openapi(key.get, async (c) => c.json(await apiKeysService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(key.remove, async (c) => {
    await apiKeysService.revoke(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(usage, async (c) =>
    c.json(await apiKeysService.usage(scopeOf(c), c.req.valid("param").id, c.req.valid("query")), 200),
  );
