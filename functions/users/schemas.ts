import { z } from "@hono/zod-openapi";
import { createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { userIdentities, users } from "../../db/schema";
import { email, listOf, password, timestamp } from "../lib/schemas";
import { UserSchema, username } from "../lib/user-schemas";

const fullName = z.string().trim().max(255).nullable();
/** The address of the user's picture: an https URL (the API keeps the address, not the image). */
const profileImageUrl = z
  .url({ protocol: /^https$/, error: "must be an https URL" })
  .max(500)
  .nullable()
  .openapi({ example: "https://example.com/ada.png" });

/**
 * A change of e-mail or password must prove the password again (`current_password`): a stolen token alone
 * cannot take the account over. It signs out every access token issued before, the one used included.
 */
export const UserUpdateMeSchema = z
  .object({
    email,
    password,
    username,
    full_name: fullName,
    profile_image_url: profileImageUrl,
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

/** A superuser's changes to a user (PATCH /admin/users/{id}). */
export const AdminUserUpdateSchema = z
  .object({
    tier_id: z.uuid(),
    is_active: z.boolean().openapi({ description: "false: the user's tokens and API keys stop working at once" }),
    is_superuser: z.boolean(),
    is_verified: z.boolean().openapi({ description: "Whether the e-mail address is taken as proven" }),
    full_name: z.string().trim().max(255).nullable(),
  })
  .partial()
  .strict()
  .openapi("AdminUserUpdate");

/** What GET /admin/users may filter and sort on: the users list's fields and the tier. */
export const adminUsersListSpec = {
  fields: fieldsOf(users, [
    "id",
    "email",
    "username",
    "full_name",
    "is_verified",
    "is_active",
    "is_superuser",
    "tier_id",
    "created_at",
    "updated_at",
  ]),
  defaultSort: "-created_at",
};

/** Deleting your account proves your password, as changing it does. */
export const DeleteMeSchema = z
  .object({
    current_password: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .openapi({ description: "Required, unless the account was made for an identity provider and has no password" }),
  })
  .strict()
  .openapi("DeleteMe");

export const UserPageSchema = listOf(UserSchema, "UserPage");

/** An identity provider's account linked to you (docs/auth.md). */
export const IdentitySchema = createSelectSchema(userIdentities, { created_at: timestamp, last_seen_at: timestamp })
  .pick({
    id: true,
    provider: true,
    subject: true,
    email: true,
    email_verified: true,
    created_at: true,
    last_seen_at: true,
  })
  .openapi("Identity");

/** What GET /users may filter and sort on: never hashed_password. */
export const usersListSpec = {
  fields: fieldsOf(users, [
    "id",
    "email",
    "username",
    "full_name",
    "is_active",
    "is_superuser",
    "is_verified",
    "created_at",
    "updated_at",
  ]),
  defaultSort: "-created_at",
};

export type AdminUserUpdate = z.infer<typeof AdminUserUpdateSchema>;
export type UserUpdateMe = z.infer<typeof UserUpdateMeSchema>;
