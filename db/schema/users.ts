import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  text,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { declareAccess, reach } from "./access";
import { timestamps, uuidPrimaryKey } from "./columns";
import { currentUserId, superuserPolicy, userPolicies } from "./rls";
import { tiers } from "./tiers";

const isSelf = sql`${sql.identifier("id")} = ${currentUserId}`;

/**
 * Accounts. Protected by RLS like any user-owned table: a user sees and changes only its own row.
 * Nobody inserts through a policy: registration goes through app_auth.register_user (drizzle/0002).
 * Which columns a user may change is decided by column GRANTs in drizzle/0002 (never is_superuser).
 */
export const users = pgTable(
  "users",
  {
    ...uuidPrimaryKey,
    email: varchar("email", { length: 255 }).notNull(),
    hashed_password: text("hashed_password").notNull(),
    full_name: varchar("full_name", { length: 255 }),
    is_active: boolean("is_active").notNull().default(true),
    is_superuser: boolean("is_superuser").notNull().default(false),
    /** Whose rate limits apply; set to the default tier at registration, changed by superusers only. */
    tier_id: uuid("tier_id"),
    /**
     * Which access tokens still count: a token carries the version it was issued under, and every request
     * compares it (app_auth.begin_request). A trigger adds one whenever the e-mail or password changes, so a
     * credential change signs every earlier token out (drizzle/0012).
     */
    token_version: integer("token_version").notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("uq_users_email").on(t.email),
    check("chk_users_email_lowercase", sql`${t.email} = lower(${t.email})`),
    check("chk_users_email_format", sql`position('@' in ${t.email}) > 1`),
    foreignKey({ name: "fk_users_tier_id", columns: [t.tier_id], foreignColumns: [tiers.id] }).onDelete("set null"),
    index("ix_users_tier_id").on(t.tier_id),
    ...userPolicies("users", { select: isSelf, update: isSelf }),
    superuserPolicy("users"),
  ],
).enableRLS();

export type User = typeof users.$inferSelect;

/** A user reads and updates its own row (some columns only: drizzle/0002); registration inserts, not users. */
declareAccess(users, {
  owner: "id",
  probe: "updated_at",
  roles: {
    login: reach.nothing,
    anon: reach.nothing,
    user: { select: "own", insert: "denied", update: "own", delete: "denied" },
    superuser: reach.everything,
    maintenance: reach.everything,
  },
});
