import { createRoute } from "@hono/zod-openapi";
import { resourceRouter } from "../http/resource-routes";
import { bearer, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { permit, requireUser } from "../middleware/access";
import { PostSchema, postsResource } from "./schemas";
import { postsService } from "./service";

const restore = createRoute({
  operationId: "restorePost",
  method: "post",
  path: "/{id}/restore",
  tags: ["posts"],
  security: bearer,
  summary: "Undo the deletion of one of your posts",
  request: { params: IdParam },
  responses: { 200: json(PostSchema, "The restored post"), ...errors, ...notFoundError },
});

export const postsRoutes = resourceRouter({
  ...postsResource,
  service: postsService,
  guards: [requireUser, permit("posts")],
}).openapi(restore, async (c) => c.json(await postsService.restore(scopeOf(c), c.req.valid("param").id), 200));
