import { z } from "@hono/zod-openapi";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { bearer, ErrorSchema, errors, IdParam, json, limitedError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { actsForNobody, requireUser, tokenOnly } from "../middleware/access";
import { RefreshSchema, SessionSchema, TokenSchema } from "./schemas";
import { authService, endSessionOr404 } from "./service";

const tags = ["auth"];
const signedOut = { 204: { description: "Signed out" }, ...errors };

const refresh = defineRoute({
  operationId: "refreshTokens",
  security: [],
  method: "post",
  path: "/refresh",
  tags,
  summary: "Exchange a refresh token for a new access token and refresh token",
  description:
    "Each refresh token works once. Presenting one that was already exchanged means it was copied: the whole " +
    "session is revoked, and whoever holds its newer tokens must sign in again.",
  request: { body: { content: { "application/json": { schema: RefreshSchema } }, required: true } },
  responses: {
    200: json(TokenSchema, "New tokens"),
    401: json(ErrorSchema, "Unknown, used, expired or revoked refresh token"),
    422: errors[422],
    ...limitedError,
  },
});

const logout = defineRoute({
  operationId: "logout",
  method: "post",
  path: "/logout",
  tags,
  security: bearer,
  summary: "Sign out: end this session",
  description: "Its refresh token and its access tokens, this one included, are refused from now on.",
  responses: signedOut,
});

const logoutAll = defineRoute({
  operationId: "logoutEverywhere",
  method: "post",
  path: "/logout-all",
  tags,
  security: bearer,
  summary: "Sign out everywhere: every session and every access token issued to you so far stops working",
  description:
    "Needs an access token (not an API key). Tokens issued before, this one included, are refused from their " +
    "next request; API keys are not affected (revoke them at /api/v1/api-keys).",
  responses: signedOut,
});

const sessions = defineRoute({
  operationId: "listMySessions",
  method: "get",
  path: "/sessions",
  tags,
  security: bearer,
  summary: "Your open sessions (signed-in devices), newest first; at most 100",
  responses: { 200: json(z.array(SessionSchema), "Open sessions"), ...errors },
});

const endSession = defineRoute({
  operationId: "endSession",
  method: "delete",
  path: "/sessions/{id}",
  tags,
  security: bearer,
  summary: "End one of your sessions (sign a device out)",
  request: { params: IdParam },
  responses: { ...signedOut, 404: json(ErrorSchema, "No such open session of yours") },
});

const router = createRouter();
router.use("/refresh", actsForNobody);
router.use("/logout", requireUser, tokenOnly);
router.use("/logout-all", requireUser, tokenOnly);
router.use("/sessions", requireUser, tokenOnly);
router.use("/sessions/*", requireUser, tokenOnly);

/** The session of the access token making the request (tokenOnly: always a token). */
const sessionOf = (c: { get: (key: "credentials") => { via: string; sessionId?: string } | undefined }) => {
  const credentials = c.get("credentials");
  return credentials?.via === "token" ? credentials.sessionId : undefined;
};

/** Refreshing, signing out and listing sessions, mounted beside sign-in at /api/v1/auth. */
export const sessionRoutes = router
  .openapi(refresh, async (c) =>
    c.json(await authService.refresh(scopeOf(c), c.get("config"), c.req.valid("json").refresh_token), 200),
  )
  .openapi(logout, async (c) => {
    const sessionId = sessionOf(c);
    if (sessionId) await endSessionOr404(scopeOf(c), sessionId);
    return c.body(null, 204);
  })
  .openapi(logoutAll, async (c) => {
    await authService.signOutEverywhere(scopeOf(c));
    return c.body(null, 204);
  })
  .openapi(sessions, async (c) => c.json(await authService.sessions(scopeOf(c), sessionOf(c)), 200))
  .openapi(endSession, async (c) => {
    await endSessionOr404(scopeOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
