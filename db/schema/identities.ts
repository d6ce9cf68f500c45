import { sql } from "drizzle-orm";
import { boolean, foreignKey, index, pgTable, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { declareAccess, ownedTable } from "./access";
import { uuidPrimaryKey } from "./columns";
import { currentUserId, currentUserIdValue, superuserPolicy, userPolicies } from "./rls";
import { users } from "./users";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * The accounts of external identity providers linked to a user: one row per (issuer, subject), the pair that
 * names a person at a provider. Written on first sight of a provider's token by the request's context
 * statement (app_auth.begin_request), never by a user; a user reads its own.
 */
export const userIdentities = pgTable(
  "user_identities",
  {
    ...uuidPrimaryKey,
    owner_id: uuid("owner_id").notNull().default(currentUserIdValue),
    /** The token's `iss`: one of AUTH_ISSUERS. */
    provider: varchar("provider", { length: 255 }).notNull(),
    /** The token's `sub` at that provider. */
    subject: varchar("subject", { length: 255 }).notNull(),
    /** The e-mail address the provider gave when the identity was linked, if any. */
    email: varchar("email", { length: 255 }),
    email_verified: boolean("email_verified").notNull().default(false),
    created_at: timestamptz("created_at").notNull().defaultNow(),
    last_seen_at: timestamptz("last_seen_at").notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: "fk_user_identities_owner_id", columns: [t.owner_id], foreignColumns: [users.id] }).onDelete(
      "cascade",
    ),
    uniqueIndex("uq_user_identities_provider_subject").on(t.provider, t.subject),
    index("ix_user_identities_owner_id").on(t.owner_id),
    ...userPolicies("user_identities", { select: sql`${t.owner_id} = ${currentUserId}` }),
    superuserPolicy("user_identities"),
  ],
).enableRLS();

export type UserIdentity = typeof userIdentities.$inferSelect;

/** A user reads its identities; linking is the context statement's alone. */
declareAccess(
  userIdentities,
  ownedTable({ select: "own", insert: "denied", update: "denied", delete: "denied" }, "last_seen_at"),
);
