import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { newVerificationToken } from "../lib/email/account-mail";
import { seal } from "../lib/jobs/seal";
import { conflictError, errors, json, limitedError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { UserSchema } from "../lib/user-schemas";
import { actsForNobody } from "../middleware/access";
import { RegisterSchema } from "./schemas";
import { authService } from "./service";

const register = defineRoute({
  operationId: "register",
  security: [],
  method: "post",
  path: "/register",
  tags: ["auth"],
  summary: "Create an account",
  description: "E-mails a link that confirms the address (POST /auth/verify-email takes its token).",
  request: { body: { content: { "application/json": { schema: RegisterSchema } }, required: true } },
  responses: { 201: json(UserSchema, "The new user"), 422: errors[422], ...conflictError, ...limitedError },
});

const router = createRouter();
router.use("/register", actsForNobody);

/** Registration, beside sign-in at /api/v1/auth: the account is made by app_auth.register_user. */
export const registrationRoutes = router.openapi(register, async (c) => {
  const config = c.get("config");
  const token = await newVerificationToken();
  const { user, verifyTo } = await authService.register(scopeOf(c), c.req.valid("json"), {
    hash: token.hash,
    ttlSeconds: config.VERIFY_EMAIL_TOKEN_TTL_SECONDS,
    sealedToken: await seal(config.JWT_SECRET, token.token),
  });
  // The confirmation e-mail was queued with the account (lib/jobs): it is owed even if this process dies now.
  if (verifyTo) c.get("jobsQueued")();
  return c.json(user, 201);
});
