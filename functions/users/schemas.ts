import { z } from "@hono/zod-openapi";
import { createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { users } from "../../db/schema";
import { weakPasswordReason } from "../auth/password-policy";
import { listOf, timestamp } from "../lib/schemas";

// Addresses are stored trimmed and lowercased (a CHECK in the table holds the database to it).
export const email = z.string().trim().toLowerCase().pipe(z.email().max(255)).openapi({ example: "ada@example.com" });
/** A new password: 8-128 characters, and not one that every guessing list starts with. */
export const password = z
  .string()
  .min(8)
  .max(128)
  .superRefine((value, ctx) => {
    const reason = weakPasswordReason(value);
    if (reason) ctx.addIssue({ code: "custom", message: `Too easy to guess: it ${reason}` });
  })
  .openapi({ example: "correct horse battery" });
const fullName = z.string().trim().max(255).nullable();

export const UserSchema = createSelectSchema(users, { created_at: timestamp, updated_at: timestamp })
  .omit({ hashed_password: true, token_version: true })
  .openapi("User");

/**
 * A change of e-mail or password must prove the password again (`current_password`): a stolen token alone
 * cannot take the account over. It signs out every access token issued before, the one used included.
 */
export const UserUpdateMeSchema = z
  .object({
    email,
    password,
    full_name: fullName,
    current_password: z.string().max(128).openapi({ description: "Required to change email or password" }),
  })
  .partial()
  .strict()
  .superRefine((input, ctx) => {
    if ((input.email !== undefined || input.password !== undefined) && input.current_password === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["current_password"],
        message: "Required to change email or password",
      });
    }
  })
  .openapi("UserUpdateMe");

export const UserPageSchema = listOf(UserSchema, "UserPage");

/** What GET /users may filter and sort on: never hashed_password. */
export const usersListSpec = {
  fields: fieldsOf(users, ["id", "email", "full_name", "is_active", "is_superuser", "created_at", "updated_at"]),
  defaultSort: "-created_at",
};

export type PublicUser = z.infer<typeof UserSchema>;
export type UserUpdateMe = z.infer<typeof UserUpdateMeSchema>;
