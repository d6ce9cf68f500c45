import { createRoute } from "@hono/zod-openapi";
import { resourceRouter } from "../http/resource-routes";
import { bearer, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { permit, requireUser } from "../middleware/access";
import {
  PostCreateSchema,
  PostDetailSchema,
  PostPageSchema,
  PostSchema,
  PostUpdateSchema,
  postsListSpec,
} from "./schemas";
import { postsService } from "./service";

const restore = createRoute({
  method: "post",
  path: "/{id}/restore",
  tags: ["posts"],
  security: bearer,
  summary: "Undo the deletion of one of your posts",
  request: { params: IdParam },
  responses: { 200: json(PostSchema, "The restored post"), ...errors, ...notFoundError },
});

export const postsRoutes = resourceRouter({
  tag: "posts",
  schemas: {
    item: PostSchema,
    detail: PostDetailSchema,
    page: PostPageSchema,
    create: PostCreateSchema,
    update: PostUpdateSchema,
  },
  list: postsListSpec,
  summaries: {
    list: "List your posts and everyone's published posts (all posts for a superuser); filter, sort, page",
    create: "Write a post as its author; published_at defaults to now when it is published",
    get: "Read one post with its author and category",
    update: "Change one of your posts",
    remove: "Delete one of your posts (soft: it then reads as not found until restored)",
  },
  service: postsService,
  guards: [requireUser, permit("posts")],
}).openapi(restore, async (c) => c.json(await postsService.restore(scopeOf(c), c.req.valid("param").id), 200));
