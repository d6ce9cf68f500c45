import { z } from "@hono/zod-openapi";
import { createSelectSchema } from "drizzle-zod";
import { users } from "../../db/schema";
import { timestamp } from "./schemas";

// The user as every feature shows it: registration (auth), the account itself (users) and its admin (users).

/** A public handle: 2-20 letters, digits or _, any case in, stored lowercase (so unique whatever the case). */
export const username = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.string().regex(/^[a-z0-9_]{2,20}$/, "2 to 20 letters, digits or _"))
  .openapi({ example: "ada_l" });

/** What a client sees of a user: these fields and no other (never the password hash or token version). */
export const UserSchema = createSelectSchema(users, { created_at: timestamp, updated_at: timestamp })
  .pick({
    id: true,
    email: true,
    username: true,
    full_name: true,
    profile_image_url: true,
    is_verified: true,
    is_active: true,
    is_superuser: true,
    tier_id: true,
    created_at: true,
    updated_at: true,
  })
  .openapi("User");

export type PublicUser = z.infer<typeof UserSchema>;
