import { sql } from "drizzle-orm";
import { check, foreignKey, index, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { declareAccess, privateTable } from "./access";
import { uuidPrimaryKey } from "./columns";
import { users } from "./users";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * One-time tokens sent by e-mail: confirming an address (`verify_email`) and choosing a new password
 * (`reset_password`). Only the SHA-256 of each is stored; each works once, until it expires, and only for the
 * address it was sent to. Nobody but the app_auth functions and maintenance touches them.
 */
export const accountTokens = pgTable(
  "account_tokens",
  {
    ...uuidPrimaryKey,
    owner_id: uuid("owner_id").notNull(),
    purpose: varchar("purpose", { length: 20 }).notNull(),
    token_hash: text("token_hash").notNull(),
    /** The address it was sent to: a token for an address the user has since changed does nothing. */
    email: varchar("email", { length: 255 }).notNull(),
    created_at: timestamptz("created_at").notNull().defaultNow(),
    expires_at: timestamptz("expires_at").notNull(),
    used_at: timestamptz("used_at"),
  },
  (t) => [
    foreignKey({ name: "fk_account_tokens_owner_id", columns: [t.owner_id], foreignColumns: [users.id] }).onDelete(
      "cascade",
    ),
    uniqueIndex("uq_account_tokens_token_hash").on(t.token_hash),
    index("ix_account_tokens_owner_id_purpose_created_at").on(t.owner_id, t.purpose, t.created_at),
    index("ix_account_tokens_expires_at").on(t.expires_at),
    check("chk_account_tokens_purpose", sql`${t.purpose} in ('verify_email', 'reset_password')`),
  ],
).enableRLS();

/** Like refresh tokens: only the app_auth functions and maintenance touch them. */
declareAccess(accountTokens, privateTable("used_at"));
