import { sql } from "drizzle-orm";
import { foreignKey, index, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { declareAccess, ownedTable, privateTable } from "./access";
import { uuidPrimaryKey } from "./columns";
import { currentUserId, currentUserIdValue, superuserPolicy, userPolicies } from "./rls";
import { users } from "./users";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * One row per sign-in with a password: the family its refresh tokens belong to. Access tokens name their
 * session (`sid`), and every request checks that the session is still open (app_auth.begin_request), so
 * signing out of one session ends its access tokens at once too. A user lists its sessions and may end one
 * (revoked_at, its only writable column); sign-in and refresh write them through app_auth functions.
 */
export const authSessions = pgTable(
  "auth_sessions",
  {
    ...uuidPrimaryKey,
    owner_id: uuid("owner_id").notNull().default(currentUserIdValue),
    /** The User-Agent of the sign-in, to tell sessions apart in a list; never used for a decision. */
    user_agent: varchar("user_agent", { length: 255 }),
    created_at: timestamptz("created_at").notNull().defaultNow(),
    /** The last refresh. */
    last_used_at: timestamptz("last_used_at").notNull().defaultNow(),
    /** Set by sign-out, sign-out everywhere, a credential change, or the reuse of a rotated refresh token. */
    revoked_at: timestamptz("revoked_at"),
  },
  (t) => [
    foreignKey({ name: "fk_auth_sessions_owner_id", columns: [t.owner_id], foreignColumns: [users.id] }).onDelete(
      "cascade",
    ),
    index("ix_auth_sessions_owner_id_created_at").on(t.owner_id, t.created_at),
    ...userPolicies("auth_sessions", {
      select: sql`${t.owner_id} = ${currentUserId}`,
      update: sql`${t.owner_id} = ${currentUserId}`,
    }),
    superuserPolicy("auth_sessions"),
  ],
).enableRLS();

/**
 * The refresh tokens of a session, one row per token ever issued: only its SHA-256 is kept (the token is 256
 * random bits). A token is used once; using it again means it leaked, and the whole session is revoked.
 * Nobody reads this table but the app_auth functions and maintenance (which drops spent rows).
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    ...uuidPrimaryKey,
    session_id: uuid("session_id").notNull(),
    owner_id: uuid("owner_id").notNull(),
    token_hash: text("token_hash").notNull(),
    created_at: timestamptz("created_at").notNull().defaultNow(),
    expires_at: timestamptz("expires_at").notNull(),
    /** When it was exchanged for the next one. */
    used_at: timestamptz("used_at"),
  },
  (t) => [
    foreignKey({
      name: "fk_refresh_tokens_session_id",
      columns: [t.session_id],
      foreignColumns: [authSessions.id],
    }).onDelete("cascade"),
    foreignKey({ name: "fk_refresh_tokens_owner_id", columns: [t.owner_id], foreignColumns: [users.id] }).onDelete(
      "cascade",
    ),
    uniqueIndex("uq_refresh_tokens_token_hash").on(t.token_hash),
    index("ix_refresh_tokens_session_id").on(t.session_id),
    index("ix_refresh_tokens_owner_id").on(t.owner_id),
    index("ix_refresh_tokens_expires_at").on(t.expires_at),
  ],
).enableRLS();

export type AuthSession = typeof authSessions.$inferSelect;

/** A user reads its sessions and ends them (revoked_at); it never creates or deletes one. */
declareAccess(
  authSessions,
  ownedTable({ select: "own", insert: "denied", update: "own", delete: "denied" }, "revoked_at"),
);
/** Hashes of refresh tokens: only the app_auth functions and maintenance touch them. */
declareAccess(refreshTokens, privateTable("used_at"));
