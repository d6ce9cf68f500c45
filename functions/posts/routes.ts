import { createRoute } from "@hono/zod-openapi";
import { parseListQuery } from "../../db/crud";
import { permit, requireUser } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { resourceRoutes } from "../lib/resource-routes";
import { bearer, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import {
  PostCreateSchema,
  PostDetailSchema,
  PostPageSchema,
  PostSchema,
  PostUpdateSchema,
  postsListSpec,
} from "./schemas";
import { postsService } from "./service";

const routes = resourceRoutes({
  tag: "posts",
  schemas: {
    item: PostSchema,
    detail: PostDetailSchema,
    page: PostPageSchema,
    create: PostCreateSchema,
    update: PostUpdateSchema,
  },
  summaries: {
    list: "List your posts and everyone's published posts (all posts for a superuser); filter, sort, page",
    create: "Write a post as its author; published_at defaults to now when it is published",
    get: "Read one post with its author and category",
    update: "Change one of your posts",
    remove: "Delete one of your posts (soft: it then reads as not found until restored)",
  },
});

const restore = createRoute({
  method: "post",
  path: "/{id}/restore",
  tags: ["posts"],
  security: bearer,
  summary: "Undo the deletion of one of your posts",
  request: { params: IdParam },
  responses: { 200: json(PostSchema, "The restored post"), ...errors, ...notFoundError },
});

const router = createRouter();
router.use("*", requireUser, permit("posts"));

export const postsRoutes = router
  .openapi(routes.list, async (c) =>
    c.json(await postsService.list(scopeOf(c), parseListQuery(c.req.queries(), postsListSpec)), 200),
  )
  .openapi(routes.create, async (c) => c.json(await postsService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(routes.get, async (c) => c.json(await postsService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(routes.update, async (c) =>
    c.json(await postsService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(routes.remove, async (c) => {
    await postsService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(restore, async (c) => c.json(await postsService.restore(scopeOf(c), c.req.valid("param").id), 200));
