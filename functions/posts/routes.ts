import { createRoute } from "@hono/zod-openapi";
import { parseListQuery } from "../../db/crud";
import { permit, requireUser } from "../auth/middleware";
import { createRouter } from "../lib/openapi";
import { bearer, conflictError, errors, IdParam, json, ListQueryParams, notFoundError } from "../lib/schemas";
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

const tags = ["posts"];
const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearer,
  summary: "List your posts and everyone's published posts (all posts for a superuser); filter, sort, page",
  request: { query: ListQueryParams },
  responses: { 200: json(PostPageSchema, "A page of posts"), ...errors },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearer,
  summary: "Write a post as its author; published_at defaults to now when it is published",
  request: body(PostCreateSchema),
  responses: { 201: json(PostSchema, "The new post"), ...errors, ...conflictError },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Read one post with its author and category",
  request: { params: IdParam },
  responses: { 200: json(PostDetailSchema, "The post"), ...errors, ...notFoundError },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Change one of your posts",
  request: { params: IdParam, ...body(PostUpdateSchema) },
  responses: { 200: json(PostSchema, "The changed post"), ...errors, ...notFoundError, ...conflictError },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearer,
  summary: "Delete one of your posts (soft: it then reads as not found until restored)",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors, ...notFoundError },
});

const restore = createRoute({
  method: "post",
  path: "/{id}/restore",
  tags,
  security: bearer,
  summary: "Undo the deletion of one of your posts",
  request: { params: IdParam },
  responses: { 200: json(PostSchema, "The restored post"), ...errors, ...notFoundError },
});

const router = createRouter();
router.use("*", requireUser, permit("posts"));

export const postsRoutes = router
  .openapi(list, async (c) =>
    c.json(await postsService.list(scopeOf(c), parseListQuery(c.req.queries(), postsListSpec)), 200),
  )
  .openapi(create, async (c) => c.json(await postsService.create(scopeOf(c), c.req.valid("json")), 201))
  .openapi(get, async (c) => c.json(await postsService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(update, async (c) =>
    c.json(await postsService.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(remove, async (c) => {
    await postsService.remove(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(restore, async (c) => c.json(await postsService.restore(scopeOf(c), c.req.valid("param").id), 200));
