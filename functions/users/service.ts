import { and, eq } from "drizzle-orm";
import { crud, type ListQuery } from "../../db/crud";
import { andThen, one } from "../../db/runner/plan";
import { type User, users } from "../../db/schema";
import { currentUserId } from "../../db/schema/rls";
import { hashPassword, verifyPassword } from "../auth/password";
import { conflict, forbidden, notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { UserUpdateMe } from "./schemas";

const usersCrud = crud(users);

export const toPublicUser = ({ hashed_password: _hash, token_version: _version, ...user }: User) => user;

const found = (user: User | undefined) => {
  if (!user) throw notFound("User");
  return toPublicUser(user);
};

/** "Me" is whoever the request's context statement found: the token's user, or the API key's owner. */
const isMe = eq(users.id, currentUserId);

export const usersService = {
  me: (scope: Scope) =>
    scope.run((q) => andThen(one(q.select().from(users).where(isMe).limit(1)), (rows) => found(rows[0]))),

  // rls_app_user may update only email, full_name, hashed_password and updated_at (column GRANTs): even a
  // bug here could not make a user superuser or reactivate it. A name alone is one round trip. Changing the
  // e-mail or password takes the current password and two: the stored hash is read, checked here (PBKDF2
  // runs outside any transaction), and the update applies only if that hash is still the one stored. The
  // database bumps token_version (signing out every earlier token) and refuses the change to API keys.
  updateMe: async (scope: Scope, input: UserUpdateMe, via: "token" | "api_key") => {
    const { password, current_password: currentPassword, ...changes } = input;
    const update = (values: Partial<User>, stillHash?: string) =>
      scope.run((q) =>
        andThen(
          one(
            q
              .update(users)
              .set(values)
              .where(stillHash === undefined ? isMe : and(isMe, eq(users.hashed_password, stillHash)))
              .returning(),
          ),
          (rows) => {
            if (stillHash !== undefined && !rows[0]) throw conflict("Your password changed meanwhile: try again");
            return found(rows[0]);
          },
        ),
      );
    if (changes.email === undefined && password === undefined) {
      // Nothing to change (an empty body): you, as you are.
      return changes.full_name === undefined ? usersService.me(scope) : update(changes);
    }
    if (via === "api_key") throw forbidden("An API key cannot change e-mail or password: use an access token");
    const stored = await scope.run((q) =>
      andThen(one(q.select({ hash: users.hashed_password }).from(users).where(isMe).limit(1)), (rows) => rows[0]?.hash),
    );
    if (stored === undefined) throw notFound("User");
    if (!(await verifyPassword(currentPassword ?? "", stored))) {
      throw forbidden("current_password is not your password");
    }
    const values = password === undefined ? changes : { ...changes, hashed_password: await hashPassword(password) };
    return update(values, stored);
  },

  /** Superusers only: refused (403) by the context statement before the page is read. */
  list: (scope: Scope, query: ListQuery) =>
    scope.run((q) => andThen(usersCrud.list(q, query), (page) => ({ ...page, data: page.data.map(toPublicUser) })), {
      superuserOnly: true,
    }),
};
