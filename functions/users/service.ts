import { eq } from "drizzle-orm";
import { crud, type ListQuery } from "../../db/crud";
import { andThen, one } from "../../db/runner/plan";
import { type User, users } from "../../db/schema";
import { currentUserId } from "../../db/schema/rls";
import { hashPassword } from "../auth/password";
import { notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { UserUpdateMe } from "./schemas";

const usersCrud = crud(users);

export const toPublicUser = ({ hashed_password: _hash, ...user }: User) => user;

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
  // bug here could not make a user superuser or reactivate it. The password is hashed before the
  // transaction, so the update is still one round trip.
  updateMe: async (scope: Scope, input: UserUpdateMe) => {
    const { password, ...changes } = input;
    const values = password === undefined ? changes : { ...changes, hashed_password: await hashPassword(password) };
    return scope.run((q) =>
      andThen(one(q.update(users).set(values).where(isMe).returning()), (rows) => found(rows[0])),
    );
  },

  /** Superusers only: refused (403) by the context statement before the page is read. */
  list: (scope: Scope, query: ListQuery) =>
    scope.run((q) => andThen(usersCrud.list(q, query), (page) => ({ ...page, data: page.data.map(toPublicUser) })), {
      superuserOnly: true,
    }),
};
