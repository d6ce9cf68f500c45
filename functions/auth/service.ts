import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { rowsOf } from "../../db/client";
import { andThen, one } from "../../db/runner/plan";
import { authSessions } from "../../db/schema";
import { currentUserId } from "../../db/schema/rls";
import type { Config } from "../lib/config";
import { burnPasswordCheck, hashPassword, isPasswordHash, verifyPassword } from "../lib/credentials/password";
import { hashSecret, newPrefixedSecret, secretOf } from "../lib/credentials/secrets";
import { issueAccessToken } from "../lib/credentials/tokens";
import { queueAccountEmails } from "../lib/email/account-mail";
import { forbidden, notFound, unauthorized } from "../lib/errors";
import { exposing } from "../lib/expose";
import type { Scope } from "../lib/scope";
import { type PublicUser, UserSchema } from "../lib/user-schemas";
import { REFRESH_PREFIX, type Register } from "./schemas";

const showUser = exposing(UserSchema);

type LoginRow = { id: string; hashed_password: string; is_active: boolean; token_version: number };
type RefreshRow = { outcome: string; user_id: string | null; session_id: string | null; token_version: number | null };

/** An access token for the session and the refresh token that continues it. */
async function tokenPair(config: Config, userId: string, version: number, sessionId: string, refreshToken: string) {
  return {
    ...(await issueAccessToken(config, userId, version, sessionId)),
    refresh_token: refreshToken,
    refresh_expires_in: config.REFRESH_TOKEN_TTL_SECONDS,
  };
}

// The caller's own: superusers' RLS policy reaches every session, and these routes are about one's own.
const ownOpenSession = and(eq(authSessions.owner_id, currentUserId), isNull(authSessions.revoked_at));

const REFUSED: Record<string, string> = {
  unknown: "Unknown refresh token",
  reused: "Refresh token already used: the session is revoked, sign in again",
  revoked: "Session ended: sign in again",
  expired: "Refresh token expired: sign in again",
  inactive: "Could not validate credentials",
};

// Nobody is signed in yet, so sign-in and refresh run as rls_anon, which may execute the app_auth functions
// (SECURITY DEFINER) and read no table.
export const authService = {
  /**
   * Registration acts for nobody: it runs as rls_anon, which may execute app_auth.register_user (a SECURITY
   * DEFINER function) and read no table. With `verification` (the hash of a new confirmation token), the same
   * statement stores the token (app_auth.request_email_verification, for the account it has just made) and says
   * where to send it. The password is hashed before the transaction: one round trip.
   */
  register: async (
    scope: Scope,
    input: Register,
    verification?: { hash: string; ttlSeconds: number; sealedToken: string },
  ) => {
    const hashed = await hashPassword(input.password);
    // With a confirmation token: stored for the new account, and its e-mail queued, in the same statement.
    const verify = verification
      ? sql`, v as (select v.email from u, app_auth.request_email_verification(u.id, ${verification.hash},
            ${verification.ttlSeconds}::integer) v),
          queued as (${queueAccountEmails(sql`v`, "verify_email", verification.sealedToken, sql`null::uuid`)})`
      : sql``;
    const verifyTo = verification ? sql`(select v.email from v)` : sql`null::text`;
    return scope.run((q) =>
      andThen(
        one(
          q.execute(
            sql`with u as (select * from app_auth.register_user(${input.email}, ${hashed}, ${input.full_name ?? null},
                ${input.username ?? null}))${verify}
              select u.*, ${verifyTo} as verify_to from u`,
          ),
        ),
        (result) => {
          const row = rowsOf<PublicUser & { verify_to: string | null }>(result)[0];
          if (!row) throw new Error("register_user returned no row");
          const { verify_to: verifyTo, ...user } = row;
          const shown = showUser({
            ...user,
            created_at: new Date(user.created_at),
            updated_at: new Date(user.updated_at),
          });
          return { user: shown, verifyTo };
        },
      ),
    );
  },

  /**
   * Sign-in: reads the account's hash (one round trip), checks the password here, then opens a session with
   * its first refresh token (a second round trip, refused if the password or account changed in between).
   */
  login: async (scope: Scope, config: Config, credentials: { email: string; password: string }, agent?: string) => {
    const user = await scope.run((q) =>
      andThen(
        one(q.execute(sql`select * from app_auth.login_lookup(${credentials.email})`)),
        (result) => rowsOf<LoginRow>(result)[0],
      ),
    );
    const wrong = unauthorized("Incorrect email or password");
    // No account, or one without a password (made for an identity provider's user): the same answer, after
    // the same amount of hashing.
    if (!user || !isPasswordHash(user.hashed_password)) {
      await burnPasswordCheck(credentials.password);
      throw wrong;
    }
    if (!(await verifyPassword(credentials.password, user.hashed_password))) throw wrong;
    if (!user.is_active) throw forbidden("Inactive user");
    const refresh = await newPrefixedSecret(REFRESH_PREFIX);
    const session = await scope.run((q) =>
      andThen(
        one(
          q.execute(sql`select * from app_auth.start_session(${user.id}::uuid, ${user.hashed_password},
            ${user.token_version}::integer, ${refresh.hash}, ${config.REFRESH_TOKEN_TTL_SECONDS}::integer,
            ${agent ?? null}::text)`),
        ),
        (result) => rowsOf<{ session_id: string; token_version: number }>(result)[0],
      ),
    );
    if (!session) throw wrong;
    return tokenPair(config, user.id, session.token_version, session.session_id, refresh.token);
  },

  /** Exchanges a refresh token for a new pair, in one round trip; a token used twice revokes its session. */
  refresh: async (scope: Scope, config: Config, refreshToken: string) => {
    const secret = secretOf(REFRESH_PREFIX, refreshToken);
    if (!secret) throw unauthorized("Unknown refresh token", "invalid_token");
    const [hash, next] = await Promise.all([hashSecret(secret), newPrefixedSecret(REFRESH_PREFIX)]);
    const row = await scope.run((q) =>
      andThen(
        one(
          q.execute(sql`select * from app_auth.refresh_session(${hash}, ${next.hash},
            ${config.REFRESH_TOKEN_TTL_SECONDS}::integer)`),
        ),
        (result) => rowsOf<RefreshRow>(result)[0],
      ),
    );
    if (row?.outcome !== "ok" || !row.user_id || !row.session_id || row.token_version === null) {
      throw unauthorized(REFUSED[row?.outcome ?? "unknown"] ?? REFUSED.unknown, "invalid_token");
    }
    return tokenPair(config, row.user_id, row.token_version, row.session_id, next.token);
  },

  /** Ends one of the caller's open sessions (RLS: only its own); false when there is no such open session. */
  endSession: (scope: Scope, sessionId: string) =>
    scope.run((q) =>
      andThen(
        one(
          q
            .update(authSessions)
            .set({ revoked_at: sql`now()` })
            .where(and(eq(authSessions.id, sessionId), ownOpenSession))
            .returning({ id: authSessions.id }),
        ),
        (rows) => rows.length > 0,
      ),
    ),

  /** The caller's open sessions, newest first, marking the one `current` names. */
  sessions: (scope: Scope, current: string | undefined) =>
    scope.run((q) =>
      andThen(
        one(
          q
            .select({
              id: authSessions.id,
              user_agent: authSessions.user_agent,
              created_at: authSessions.created_at,
              last_used_at: authSessions.last_used_at,
            })
            .from(authSessions)
            .where(ownOpenSession)
            .orderBy(desc(authSessions.created_at))
            .limit(100),
        ),
        (rows) => rows.map((row) => ({ ...row, current: row.id === current })),
      ),
    ),

  /**
   * Adds one to the caller's token_version and ends every session (app_auth.sign_out_everywhere, the only way a
   * user may change the version): every access and refresh token issued before is refused. One round trip.
   */
  signOutEverywhere: (scope: Scope) =>
    scope.run((q) => andThen(one(q.execute(sql`select app_auth.sign_out_everywhere()`)), () => undefined)),
};

/** 404 unless the caller had that open session. */
export async function endSessionOr404(scope: Scope, sessionId: string) {
  if (!(await authService.endSession(scope, sessionId))) throw notFound("Session");
}
