import { sql } from "drizzle-orm";
import { type Database, rowsOf, type Tx } from "./client";
import { PrincipalError } from "./errors";
import { retrying } from "./runner/retry";
import { roleNames } from "./schema/roles";

/** Who a request acts for, as read from the database at the start of its transaction. */
export type Principal = { userId: string; isSuperuser: boolean };

type Options = { readOnly?: boolean };

/** db.transaction with the runners' retry on serialization failures and deadlocks (db/runner/retry.ts). */
const transaction = <T>(db: Database, fn: (tx: Tx) => Promise<T>, options: Options) =>
  retrying(() => db.transaction(fn, options.readOnly ? { accessMode: "read only" } : undefined));

/**
 * Runs `fn` in a transaction as the signed-in user `userId`, under RLS.
 *
 * One statement, as PostgREST does, looks the user up (app_auth.principal, a narrow SECURITY DEFINER
 * function) and sets the role (rls_app_user, or rls_app_superuser for superusers), the user id and the
 * superuser flag, all transaction-local: a pooled connection never carries one user's identity into
 * another request. Identity comes from the token, but activity and privilege come from the database, so a
 * deactivated or demoted user loses access on the next request. An unknown user sets nothing, and any
 * query would then fail as the login role, which may read nothing: fail closed.
 */
export function withRls<T>(
  db: Database,
  userId: string,
  fn: (tx: Tx, principal: Principal) => Promise<T>,
  options: Options = {},
): Promise<T> {
  return transaction(
    db,
    async (tx) => {
      const result = await tx.execute(sql`
      select p.is_active, p.is_superuser,
        case when p.is_active then set_config('role',
          case when p.is_superuser then ${roleNames.appSuperuser} else ${roleNames.appUser} end, true) end,
        case when p.is_active then set_config('app.current_user_id', p.id::text, true) end,
        case when p.is_active then set_config('app.is_superuser', p.is_superuser::text, true) end
      from app_auth.principal(${userId}::uuid) p`);
      const row = rowsOf<{ is_active: boolean; is_superuser: boolean }>(result)[0];
      if (!row) throw new PrincipalError("unknown");
      if (!row.is_active) throw new PrincipalError("inactive");
      return fn(tx, { userId, isSuperuser: row.is_superuser });
    },
    options,
  );
}

/** Runs `fn` for a request nobody has signed in to: it may only execute the app_auth functions. */
export function withAnon<T>(db: Database, fn: (tx: Tx) => Promise<T>, options: Options = {}): Promise<T> {
  return transaction(
    db,
    async (tx) => {
      await tx.execute(sql`select set_config('role', ${roleNames.anon}, true)`);
      return fn(tx);
    },
    options,
  );
}

/** Runs `fn` as rls_maintenance_admin (BYPASSRLS): maintenance jobs only, never request code. */
export function withAdmin<T>(db: Database, fn: (tx: Tx) => Promise<T>, options: Options = {}): Promise<T> {
  return transaction(
    db,
    async (tx) => {
      await tx.execute(sql`select set_config('role', ${roleNames.maintenanceAdmin}, true)`);
      return fn(tx);
    },
    options,
  );
}
