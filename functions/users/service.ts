import { crud, type ListQuery } from "../../db/crud";
import { type User, users } from "../../db/schema";
import { withRls } from "../../db/session";
import { hashPassword } from "../auth/password";
import { forbidden, notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { UserUpdateMe } from "./schemas";

const usersCrud = crud(users);

export const toPublicUser = ({ hashed_password: _hash, ...user }: User) => user;

const found = (user: User | undefined) => {
  if (!user) throw notFound("User");
  return toPublicUser(user);
};

export const usersService = {
  me: ({ db, userId }: Scope) =>
    withRls(db, userId, async (tx) => found(await usersCrud.get(tx, userId)), { readOnly: true }),

  // rls_app_user may update only email, full_name, hashed_password and updated_at (column GRANTs): even a
  // bug here could not make a user superuser or reactivate it.
  updateMe: ({ db, userId }: Scope, input: UserUpdateMe) =>
    withRls(db, userId, async (tx) => {
      const { password, ...changes } = input;
      const values = password === undefined ? changes : { ...changes, hashed_password: await hashPassword(password) };
      return found(await usersCrud.update(tx, userId, values));
    }),

  list: ({ db, userId }: Scope, query: ListQuery) =>
    withRls(
      db,
      userId,
      async (tx, principal) => {
        if (!principal.isSuperuser) throw forbidden("Only superusers may list users");
        const page = await usersCrud.list(tx, query);
        return { ...page, data: page.data.map(toPublicUser) };
      },
      { readOnly: true },
    ),
};
