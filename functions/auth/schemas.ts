import { z } from "@hono/zod-openapi";

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

export const TokenSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int().openapi({ description: "Seconds until the token expires" }),
  })
  .openapi("Token");

export type LoginJson = z.infer<typeof LoginJsonSchema>;
export type LoginForm = z.infer<typeof LoginFormSchema>;
