import { sql } from "drizzle-orm";
import { rowsOf } from "../../db/client";
import { andThen, one } from "../../db/runner/plan";
import type { Config } from "../config";
import { forbidden, unauthorized } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { PublicUser } from "../users/schemas";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./password";
import type { Register } from "./schemas";
import { issueAccessToken } from "./tokens";

type LoginRow = { id: string; hashed_password: string; is_active: boolean; token_version: number };

// Nobody is signed in yet, so both run as rls_anon, which may execute exactly two SECURITY DEFINER
// functions (drizzle/0002_security.sql) and read no table. Passwords are hashed and checked outside the
// transaction: each flow is one round trip.
export const authService = {
  register: async (scope: Scope, input: Register) => {
    const hashed = await hashPassword(input.password);
    return scope.run((q) =>
      andThen(
        one(
          q.execute(sql`select * from app_auth.register_user(${input.email}, ${hashed}, ${input.full_name ?? null})`),
        ),
        (result) => {
          const user = rowsOf<PublicUser>(result)[0];
          if (!user) throw new Error("register_user returned no row");
          return { ...user, created_at: new Date(user.created_at), updated_at: new Date(user.updated_at) };
        },
      ),
    );
  },

  login: async (scope: Scope, config: Config, credentials: { email: string; password: string }) => {
    const user = await scope.run((q) =>
      andThen(
        one(q.execute(sql`select * from app_auth.login_lookup(${credentials.email})`)),
        (result) => rowsOf<LoginRow>(result)[0],
      ),
    );
    const wrong = unauthorized("Incorrect email or password");
    if (!user) {
      await burnPasswordCheck(credentials.password);
      throw wrong;
    }
    if (!(await verifyPassword(credentials.password, user.hashed_password))) throw wrong;
    if (!user.is_active) throw forbidden("Inactive user");
    return issueAccessToken(config, user.id, user.token_version);
  },
};
