import { listQuery } from "../http/list-query";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { bearer, conflictError, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { UserSchema } from "../lib/user-schemas";
import { requireUser, tokenOnly } from "../middleware/access";
import { AdminUserUpdateSchema, adminUsersListSpec, UserPageSchema } from "./schemas";
import { usersService } from "./service";

const common = { tags: ["admin"], security: bearer };

const list = defineRoute({
  operationId: "adminListUsers",
  ...common,
  method: "get",
  path: "/",
  summary: "List users; filter by tier_id, is_active, ...; sort, page",
  request: { query: listQuery(adminUsersListSpec) },
  responses: { 200: json(UserPageSchema, "A page of users"), ...errors },
});

const update = defineRoute({
  operationId: "adminUpdateUser",
  ...common,
  method: "patch",
  path: "/{id}",
  summary: "Change a user's tier, activity, superuser flag or name (409 when deactivating or demoting yourself)",
  request: {
    params: IdParam,
    body: { content: { "application/json": { schema: AdminUserUpdateSchema } }, required: true },
  },
  responses: { 200: json(UserSchema, "The changed user"), ...errors, ...notFoundError, ...conflictError },
});

const router = createRouter();
router.use("*", requireUser, tokenOnly);

/** A superuser's management of users, mounted at /api/v1/admin/users. */
export const usersAdminRoutes = router
  .openapi(list, async (c) => c.json(await usersService.list(scopeOf(c), c.req.valid("query")), 200))
  .openapi(update, async (c) =>
    c.json(await usersService.adminUpdate(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );
