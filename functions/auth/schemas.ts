import { z } from "@hono/zod-openapi";
import { createSelectSchema } from "drizzle-zod";
import { authSessions } from "../../db/schema";
import { SECRET_PATTERN } from "../lib/credentials/secrets";
import { RESET_PREFIX, VERIFY_PREFIX } from "../lib/email/account-mail";
import { email, password, timestamp } from "../lib/schemas";
import { username } from "../lib/user-schemas";

// Login checks nothing but presence: a wrong password is a 401, never a hint about the password rules.
const loginPassword = z.string().min(1).max(1024);

export const LoginJsonSchema = z
  .object({
    email: z.string().trim().min(1).max(255).openapi({ description: "The e-mail address, or the username" }),
    password: loginPassword,
  })
  .openapi("Login");

/** The OAuth2 password flow (FastAPI's OAuth2PasswordRequestForm): form fields username and password. */
export const LoginFormSchema = z
  .object({ username: z.string().trim().min(1).max(255), password: loginPassword, grant_type: z.string().optional() })
  .openapi("LoginForm");

/** Refresh tokens look like `rlsr_<43 characters>`. */
export const REFRESH_PREFIX = "rlsr_";

export const TokenSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int().openapi({ description: "Seconds until the access token expires" }),
    refresh_token: z.string().openapi({ description: "Exchange it at /auth/refresh for new tokens; once only" }),
    refresh_expires_in: z.number().int().openapi({ description: "Seconds the refresh token may wait unused" }),
  })
  .openapi("Token");

export const RefreshSchema = z
  .object({
    refresh_token: z
      .string()
      .regex(new RegExp(`^${REFRESH_PREFIX}${SECRET_PATTERN}$`), "Not a refresh token")
      .openapi({ example: `${REFRESH_PREFIX}${"x".repeat(43)}` }),
  })
  .strict()
  .openapi("Refresh");

export const SessionSchema = createSelectSchema(authSessions, { created_at: timestamp, last_used_at: timestamp })
  .pick({ id: true, user_agent: true, created_at: true, last_used_at: true })
  .extend({ current: z.boolean().openapi({ description: "The session of the token making this request" }) })
  .openapi("Session");

export type LoginJson = z.infer<typeof LoginJsonSchema>;
export type LoginForm = z.infer<typeof LoginFormSchema>;

const oneTimeToken = (prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}${SECRET_PATTERN}$`), "Not a token of this kind")
    .openapi({ example: `${prefix}${"x".repeat(43)}` });

export const PasswordResetRequestSchema = z.object({ email }).strict().openapi("PasswordResetRequest");
export const PasswordResetSchema = z
  .object({ token: oneTimeToken(RESET_PREFIX), password })
  .strict()
  .openapi("PasswordReset");
export const VerifyEmailSchema = z
  .object({ token: oneTimeToken(VERIFY_PREFIX) })
  .strict()
  .openapi("VerifyEmail");
export const AcceptedSchema = z
  .object({ detail: z.string() })
  .openapi("Accepted", { description: "The same answer whatever happened, by design" });

export const RegisterSchema = z
  .object({
    email,
    password,
    username: username.optional(),
    full_name: z.string().trim().max(255).nullable().optional(),
  })
  .strict()
  .openapi("Register");

export type Register = z.infer<typeof RegisterSchema>;
