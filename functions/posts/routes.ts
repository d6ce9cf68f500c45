import { resourceRouter } from "../http/resource-routes";
import { defineRoute } from "../http/route";
import { bearerOrKey, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser } from "../middleware/access";
import { PostSchema, postsResource } from "./schemas";
import { postsService } from "./service";

const restore = defineRoute({
  operationId: "restorePost",
  method: "post",
  path: "/{id}/restore",
  tags: ["posts"],
  security: bearerOrKey,
  summary: "Undo the deletion of one of your posts",
  request: { params: IdParam },
  responses: { 200: json(PostSchema, "The restored post"), ...errors, ...notFoundError },
});

export const postsRoutes = resourceRouter({
  ...postsResource,
  service: postsService,
  guards: [requireUser],
  apiKeys: "posts",
}).openapi(restore, async (c) => c.json(await postsService.restore(scopeOf(c), c.req.valid("param").id), 200));
