import { and, eq, notExists, notInArray, sql } from "drizzle-orm";
import type { ListQuery } from "../../db/crud";
import { all, andThen, one } from "../../db/runner/plan";
import { endedSubscriptionStatuses, subscriptions, type User, userIdentities, users } from "../../db/schema";
import { currentUserId } from "../../db/schema/rls";
import { hashPassword, isPasswordHash, verifyPassword } from "../lib/credentials/password";
import { conflict, forbidden, notFound, validationError } from "../lib/errors";
import { resourceService } from "../lib/resource-service";
import type { Scope } from "../lib/scope";
import { UserSchema } from "../lib/user-schemas";
import type { AdminUserUpdate, UserUpdateMe } from "./schemas";

// Reads and writes of other users are for superusers only, checked by the context statement (403).
const base = resourceService(users, { name: "User", expose: UserSchema, superuserOnly: true });
const { found, rows: usersCrud } = base;

/** How the caller authenticated: an access token of ours, an API key, or an identity provider's token. */
type Via = "token" | "api_key" | "provider";

/** "Me" is whoever the request's context statement found: the token's user, or the API key's owner. */
const isMe = eq(users.id, currentUserId);

/**
 * The caller's subscriptions Stripe will charge again: not ended, and not set to end with the period it has
 * paid for. An account with one cannot be deleted, or Stripe would go on charging someone who cannot sign in to
 * stop it.
 */
const stillCharging = and(
  eq(subscriptions.owner_id, currentUserId),
  notInArray(subscriptions.status, [...endedSubscriptionStatuses]),
  eq(subscriptions.cancel_at_period_end, false),
);

/**
 * Reads the caller's stored hash and checks `password` against it (PBKDF2 runs outside any transaction):
 * 403 when it is not the caller's password. Returns the hash, for a write that applies only if it is still it.
 */
async function provePassword(scope: Scope, password: string | undefined, via: Via = "token") {
  const stored = await scope.run((q) =>
    andThen(one(q.select({ hash: users.hashed_password }).from(users).where(isMe).limit(1)), (rows) => rows[0]?.hash),
  );
  if (stored === undefined) throw notFound("User");
  // An account made for an identity provider has no password to ask for: its provider's token is the proof.
  if (via === "provider" && !isPasswordHash(stored)) return stored;
  if (password === undefined) {
    throw validationError([{ field: "current_password", location: "body", message: "Required" }]);
  }
  if (!(await verifyPassword(password, stored))) throw forbidden("current_password is not your password");
  return stored;
}

export const usersService = {
  me: (scope: Scope) =>
    scope.run((q) => andThen(one(q.select().from(users).where(isMe).limit(1)), (rows) => found(rows[0]))),

  // rls_app_user may update only email, username, full_name, profile_image_url, hashed_password and updated_at
  // (column GRANTs): even a bug here could not make a user superuser, verified or active again. A profile
  // change alone (name, username, picture) is one round trip. Changing the
  // e-mail or password takes the current password and two: the stored hash is read, checked here (PBKDF2
  // runs outside any transaction), and the update applies only if that hash is still the one stored. The
  // database bumps token_version (signing out every earlier access token), ends every other session of the
  // user, and refuses the change to API keys.
  updateMe: async (scope: Scope, input: UserUpdateMe, via: Via) => {
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
      const nothing = Object.values(changes).every((value) => value === undefined);
      return nothing ? usersService.me(scope) : update(changes);
    }
    if (via === "api_key") throw forbidden("An API key cannot change e-mail or password: use an access token");
    const stored = await provePassword(scope, currentPassword ?? "");
    const values = password === undefined ? changes : { ...changes, hashed_password: await hashPassword(password) };
    return update(values, stored);
  },

  /**
   * Deletes the caller's account, with its password and an access token (never an API key): deleted_at is set,
   * and from the next request on no token or key of it works and it cannot sign in (app_auth.begin_request and
   * login_lookup skip deleted users). Its rows stay, unseen by anyone but superusers, until maintenance deletes
   * the account and everything it owns after MAINTENANCE_RETENTION_DAYS. Two round trips, as for a password
   * change: the hash is read and checked, then the delete applies only if it is still the one stored, and only
   * while no subscription will charge the caller again (409: cancel it in the billing portal first).
   */
  deleteMe: async (scope: Scope, currentPassword: string | undefined, via: Via) => {
    if (via === "api_key") throw forbidden("An API key cannot delete its owner's account: use an access token");
    const stored = await provePassword(scope, currentPassword, via);
    await scope.run((q) =>
      andThen(
        all(
          one(
            q
              .update(users)
              .set({ deleted_at: new Date() })
              .where(
                and(
                  isMe,
                  eq(users.hashed_password, stored),
                  notExists(q.select({ one: sql`1` }).from(subscriptions).where(stillCharging)),
                ),
              )
              .returning({ id: users.id }),
          ),
          // After the update, so that a subscription that stopped it is seen here too.
          one(q.select({ id: subscriptions.id }).from(subscriptions).where(stillCharging).limit(1)),
        ),
        ([deleted, charging]) => {
          if (deleted[0]) return;
          if (charging[0]) {
            throw conflict(
              "You have a subscription that will charge you again: cancel it in the billing portal " +
                "(POST /api/v1/billing/portal), then delete your account",
            );
          }
          throw conflict("Your password changed meanwhile: try again");
        },
      ),
    );
  },

  /** The identity providers' accounts linked to the caller (its own, a superuser's included), oldest first. */
  identities: (scope: Scope) =>
    scope.run((q) =>
      one(
        q
          .select({
            id: userIdentities.id,
            provider: userIdentities.provider,
            subject: userIdentities.subject,
            email: userIdentities.email,
            email_verified: userIdentities.email_verified,
            created_at: userIdentities.created_at,
            last_seen_at: userIdentities.last_seen_at,
          })
          .from(userIdentities)
          .where(eq(userIdentities.owner_id, currentUserId))
          .orderBy(userIdentities.created_at),
      ),
    ),

  /** Superusers only: refused (403) by the context statement before the page is read. */
  list: (scope: Scope, query: ListQuery) => base.list(scope, query),

  /**
   * A superuser's change to a user. Deactivating takes effect on the user's next request, whatever its
   * token or API key says: the context statement of every request reads is_active. Only rls_app_superuser
   * may write is_active, is_superuser and tier_id (column GRANTs), so the database refuses anyone else too.
   */
  adminUpdate: (scope: Scope, id: string, input: AdminUserUpdate) =>
    scope.transaction(
      async (tx, caller) => {
        if (id.toLowerCase() === caller.userId?.toLowerCase()) {
          const refused = (["is_active", "is_superuser"] as const).filter((field) => input[field] === false);
          if (refused.length > 0) {
            throw conflict(
              "You cannot deactivate or demote yourself: ask another superuser",
              refused.map((field) => ({ field, location: "body", message: "cannot be turned off for yourself" })),
            );
          }
        }
        return found(await usersCrud.update(tx, id, input));
      },
      { superuserOnly: true },
    ),
};
