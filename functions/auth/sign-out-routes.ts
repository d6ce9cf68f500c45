import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../http/router";
import { bearer, errors } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser, tokenOnly } from "../middleware/access";
import { authService } from "./service";

const logoutAll = createRoute({
  method: "post",
  path: "/logout-all",
  tags: ["auth"],
  security: bearer,
  summary: "Sign out everywhere: every access token issued to you so far stops working",
  description:
    "Needs an access token (not an API key). Tokens issued before, this one included, are refused from their " +
    "next request; API keys are not affected (revoke them at /api/v1/api-keys).",
  responses: { 204: { description: "Signed out" }, ...errors },
});

const router = createRouter();
router.use("/logout-all", requireUser, tokenOnly);

/** Signing out, mounted beside sign-in at /api/v1/auth. */
export const signOutRoutes = router.openapi(logoutAll, async (c) => {
  await authService.signOutEverywhere(scopeOf(c));
  return c.body(null, 204);
});
