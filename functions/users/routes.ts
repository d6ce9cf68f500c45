import { z } from "@hono/zod-openapi";
import { listQuery } from "../http/list-query";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { bearer, bearerOrKey, conflictError, errors, json } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { UserSchema } from "../lib/user-schemas";
import { permit, requireUser, tokenOnly } from "../middleware/access";
import { DeleteMeSchema, IdentitySchema, UserPageSchema, UserUpdateMeSchema, usersListSpec } from "./schemas";
import { usersService } from "./service";

const tags = ["users"];

const me = defineRoute({
  operationId: "getMe",
  method: "get",
  path: "/me",
  tags,
  security: bearerOrKey,
  summary: "The signed-in user",
  responses: { 200: json(UserSchema, "You"), ...errors },
});

const updateMe = defineRoute({
  operationId: "updateMe",
  method: "patch",
  path: "/me",
  tags,
  security: bearerOrKey,
  summary: "Change your e-mail address, name or password",
  description:
    "Changing email or password needs current_password and an access token (not an API key), and signs out " +
    "every access token issued before, this one included, and every other session: this session goes on " +
    "with a refresh (POST /auth/refresh).",
  request: { body: { content: { "application/json": { schema: UserUpdateMeSchema } }, required: true } },
  responses: { 200: json(UserSchema, "You, changed"), ...errors, ...conflictError },
});

const deleteMe = defineRoute({
  operationId: "deleteMe",
  method: "delete",
  path: "/me",
  tags,
  security: bearer,
  summary: "Delete your account",
  description:
    "Needs current_password and an access token (not an API key). The account stops working at once: its " +
    "tokens and API keys are refused and it cannot sign in. Its data is deleted for good after the retention " +
    "period (MAINTENANCE_RETENTION_DAYS). 409 while a subscription will charge you again: cancel it in the " +
    "billing portal first.",
  request: { body: { content: { "application/json": { schema: DeleteMeSchema } }, required: true } },
  responses: { 204: { description: "Deleted" }, ...errors, ...conflictError },
});

const identities = defineRoute({
  operationId: "listMyIdentities",
  method: "get",
  path: "/me/identities",
  tags,
  security: bearerOrKey,
  summary: "The identity providers' accounts linked to you",
  description: "Linked on your first request with a provider's token (AUTH_ISSUERS); see docs/auth.md.",
  responses: { 200: json(z.array(IdentitySchema), "Your linked identities"), ...errors },
});

const list = defineRoute({
  operationId: "listUsers",
  method: "get",
  path: "/",
  tags,
  security: bearerOrKey,
  summary: "List all users (superusers only)",
  request: { query: listQuery(usersListSpec) },
  responses: { 200: json(UserPageSchema, "A page of users"), ...errors },
});

const router = createRouter();
router.use("*", requireUser, permit("users"));
// Deleting the account takes its password and the account's own access token, never an API key.
router.on("DELETE", "/me", tokenOnly);

export const usersRoutes = router
  .openapi(me, async (c) => c.json(await usersService.me(scopeOf(c)), 200))
  .openapi(updateMe, async (c) =>
    c.json(await usersService.updateMe(scopeOf(c), c.req.valid("json"), c.get("credentials")?.via ?? "token"), 200),
  )
  .openapi(deleteMe, async (c) => {
    await usersService.deleteMe(scopeOf(c), c.req.valid("json").current_password, c.get("credentials")?.via ?? "token");
    return c.body(null, 204);
  })
  .openapi(identities, async (c) => c.json(await usersService.identities(scopeOf(c)), 200))
  .openapi(list, async (c) => c.json(await usersService.list(scopeOf(c), c.req.valid("query")), 200));
