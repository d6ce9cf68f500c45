import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { hashPassword } from "../lib/credentials/password";
import { confirmEmail, passwordResetFor, resetPassword, verificationFor } from "../lib/email/account-mail";
import { badRequest } from "../lib/errors";
import { bearer, ErrorSchema, errors, json, limitedError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { actsForNobody, requireUser, tokenOnly } from "../middleware/access";
import { AcceptedSchema, PasswordResetRequestSchema, PasswordResetSchema, VerifyEmailSchema } from "./schemas";

const tags = ["auth"];
const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });
const badToken = json(ErrorSchema, "Unknown, used or expired token (or the address changed since it was sent)");

const requestVerification = defineRoute({
  operationId: "requestEmailVerification",
  method: "post",
  path: "/verify-email/request",
  tags,
  security: bearer,
  summary: "E-mail yourself a link that confirms your address",
  description: "At most 3 an hour; nothing is sent when the address is verified already. Registration sends one.",
  responses: { 202: json(AcceptedSchema, "Sent, if one was due"), ...errors },
});

const verify = defineRoute({
  operationId: "verifyEmail",
  security: [],
  method: "post",
  path: "/verify-email",
  tags,
  summary: "Confirm an address with the token from the e-mail",
  request: body(VerifyEmailSchema),
  responses: { 204: { description: "Verified" }, 400: badToken, 422: errors[422], ...limitedError },
});

const requestReset = defineRoute({
  operationId: "requestPasswordReset",
  security: [],
  method: "post",
  path: "/password-reset/request",
  tags,
  summary: "E-mail a password reset link to an account's address",
  description:
    "Answers the same, at once, whether or not an account has the address: nothing tells a caller which " +
    "addresses have accounts. At most 3 links an hour per account; the route is rate-limited per client too.",
  request: body(PasswordResetRequestSchema),
  responses: { 202: json(AcceptedSchema, "Sent, if an account has the address"), 422: errors[422], ...limitedError },
});

const reset = defineRoute({
  operationId: "resetPassword",
  security: [],
  method: "post",
  path: "/password-reset",
  tags,
  summary: "Choose a new password with the token from the e-mail",
  description:
    "The token works once. The new password signs the account out everywhere (every session and access token) " +
    "and marks its address verified.",
  request: body(PasswordResetSchema),
  responses: { 204: { description: "Password changed" }, 400: badToken, 422: errors[422], ...limitedError },
});

const router = createRouter();
router.use("/verify-email/request", requireUser, tokenOnly);
router.use("/verify-email", actsForNobody);
router.use("/password-reset", actsForNobody);
router.use("/password-reset/request", actsForNobody);

const invalidToken = () =>
  badRequest("Invalid or expired token", [{ field: "token", location: "body", message: "invalid or expired" }]);

/** E-mail verification and password reset, mounted beside sign-in at /api/v1/auth. */
export const recoveryRoutes = router
  .openapi(requestVerification, async (c) => {
    if (await verificationFor(scopeOf(c), c.get("config"), null)) c.get("jobsQueued")();
    return c.json({ detail: "If your address still needed confirming, a link is on its way" }, 202);
  })
  .openapi(verify, async (c) => {
    if (!(await confirmEmail(scopeOf(c), c.req.valid("json").token))) throw invalidToken();
    return c.body(null, 204);
  })
  .openapi(requestReset, async (c) => {
    if (await passwordResetFor(scopeOf(c), c.get("config"), c.req.valid("json").email)) c.get("jobsQueued")();
    return c.json({ detail: "If an account has this address, a link to reset its password is on its way" }, 202);
  })
  .openapi(reset, async (c) => {
    const { token, password } = c.req.valid("json");
    if (!(await resetPassword(scopeOf(c), token, await hashPassword(password)))) throw invalidToken();
    return c.body(null, 204);
  });
