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
import { softDelete, timestamps, uuidPrimaryKey } from "./columns";
import { billingPolicy, currentUserId, superuserPolicy, userPolicies } from "./rls";
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
    /** A public handle: 2-20 of a-z, 0-9 and _, stored lowercase, so unique whatever case it was typed in. */
    username: varchar("username", { length: 20 }),
    hashed_password: text("hashed_password").notNull(),
    full_name: varchar("full_name", { length: 255 }),
    /** An https URL of the user's picture (the API stores the address, not the image). */
    profile_image_url: varchar("profile_image_url", { length: 500 }),
    /** The e-mail address was proven to be the user's; set by verification, never by the user. */
    is_verified: boolean("is_verified").notNull().default(false),
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
    /**
     * Set when the user deletes its account: from then on no token or API key of it works, it cannot sign in,
     * and maintenance deletes it (and everything it owns) after the retention period.
     */
    ...softDelete,
    ...timestamps,
  },
  (t) => [
    uniqueIndex("uq_users_email").on(t.email),
    uniqueIndex("uq_users_username").on(t.username),
    check("chk_users_username_format", sql`${t.username} ~ '^[a-z0-9_]{2,20}$'`),
    check("chk_users_profile_image_url", sql`${t.profile_image_url} like 'https://%'`),
    check("chk_users_email_lowercase", sql`${t.email} = lower(${t.email})`),
    check("chk_users_email_format", sql`position('@' in ${t.email}) > 1`),
    foreignKey({ name: "fk_users_tier_id", columns: [t.tier_id], foreignColumns: [tiers.id] }).onDelete("set null"),
    index("ix_users_tier_id").on(t.tier_id),
    index("ix_users_deleted_at").on(t.deleted_at).where(sql`${t.deleted_at} is not null`),
    ...userPolicies("users", { select: isSelf, update: isSelf }),
    superuserPolicy("users"),
    // The billing webhook sets the tier of the user a subscription names: id and tier_id only (column grants).
    billingPolicy("users"),
  ],
).enableRLS();

export type User = typeof users.$inferSelect;

/**
 * A user reads and updates its own row (some columns only: drizzle/0002); registration inserts, not users.
 * The billing webhook reads id and tier_id of every user and updates tier_id (and updated_at) alone: column
 * grants, drizzle/0029. The probe reads updated_at, which it may not, so its update shows as denied here;
 * functions/billing/billing.test.ts shows the tier it sets.
 */
declareAccess(users, {
  owner: "id",
  probe: "updated_at",
  roles: {
    login: reach.nothing,
    anon: reach.nothing,
    user: { select: "own", insert: "denied", update: "own", delete: "denied" },
    superuser: reach.everything,
    maintenance: reach.everything,
    billing: { select: "all", insert: "denied", update: "denied", delete: "denied" },
  },
});
