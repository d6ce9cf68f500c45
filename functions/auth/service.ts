import { sql } from "drizzle-orm";
import { rowsOf } from "../../db/client";
import { andThen, one } from "../../db/runner/plan";
import type { Config } from "../lib/config";
import { burnPasswordCheck, verifyPassword } from "../lib/credentials/password";
import { issueAccessToken } from "../lib/credentials/tokens";
import { forbidden, unauthorized } from "../lib/errors";
import type { Scope } from "../lib/scope";

type LoginRow = { id: string; hashed_password: string; is_active: boolean; token_version: number };

// Nobody is signed in yet, so sign-in runs as rls_anon, which may execute app_auth.login_lookup (a SECURITY
// DEFINER function) and read no table. The password is checked outside the transaction: one round trip.
export const authService = {
  /**
   * Adds one to the caller's token_version (app_auth.sign_out_everywhere, the only way a user may change it):
   * every access token issued before is refused from its next request. One round trip.
   */
  signOutEverywhere: (scope: Scope) =>
    scope.run((q) => andThen(one(q.execute(sql`select app_auth.sign_out_everywhere()`)), () => undefined)),

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
