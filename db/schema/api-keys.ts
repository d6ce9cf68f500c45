import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { declareAccess, ownedTable, reach } from "./access";
import { uuidPrimaryKey } from "./columns";
import { currentUserId, currentUserIdValue, superuserPolicy } from "./rls";
import { appUser } from "./roles";
import { userScoped } from "./user-scoped";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * API keys. The secret is shown once; only its SHA-256 is stored (the secret is 256 random bits,
 * so a fast hash is enough). `prefix` is the public, unique handle the key is looked up by.
 */
export const apiKeys = userScoped(
  "api_keys",
  {
    name: varchar("name", { length: 100 }).notNull(),
    prefix: varchar("prefix", { length: 16 }).notNull(),
    key_hash: text("key_hash").notNull(),
    last_used_at: timestamptz("last_used_at"),
    expires_at: timestamptz("expires_at"),
    revoked_at: timestamptz("revoked_at"),
  },
  (t) => [
    uniqueIndex("uq_api_keys_prefix").on(t.prefix),
    // The target of the (api_key_id, owner_id) foreign keys below: a child row always belongs to its key's owner.
    // A constraint, not an index, so drizzle-kit creates it with the table, before the FKs that need it.
    unique("uq_api_keys_id_owner_id").on(t.id, t.owner_id),
  ],
);

/** What a key may do, e.g. `items:read`, `items:write`. A key with none may do nothing. */
export const keyPermissions = userScoped(
  "key_permissions",
  {
    api_key_id: uuid("api_key_id").notNull(),
    permission: varchar("permission", { length: 50 }).notNull(),
  },
  (t) => [
    foreignKey({
      name: "fk_key_permissions_api_key_id_owner_id",
      columns: [t.api_key_id, t.owner_id],
      foreignColumns: [apiKeys.id, apiKeys.owner_id],
    }).onDelete("cascade"),
    uniqueIndex("uq_key_permissions_api_key_id_permission").on(t.api_key_id, t.permission),
    check("chk_key_permissions_permission", sql`${t.permission} ~ '^[a-z_]+:(read|write)$'`),
  ],
);

/**
 * One row per request made with a key, appended after the response by app_auth.record_key_use. Owners read
 * their keys' usage; nobody but that function writes it, and the maintenance job prunes it.
 */
export const keyUsage = pgTable(
  "key_usage",
  {
    ...uuidPrimaryKey,
    api_key_id: uuid("api_key_id").notNull(),
    owner_id: uuid("owner_id").notNull().default(currentUserIdValue),
    method: varchar("method", { length: 10 }).notNull(),
    path: varchar("path", { length: 255 }).notNull(),
    status: integer("status").notNull(),
    at: timestamptz("at").notNull().defaultNow(),
  },
  (t) => [
    foreignKey({
      name: "fk_key_usage_api_key_id_owner_id",
      columns: [t.api_key_id, t.owner_id],
      foreignColumns: [apiKeys.id, apiKeys.owner_id],
    }).onDelete("cascade"),
    index("ix_key_usage_api_key_id_at").on(t.api_key_id, t.at),
    index("ix_key_usage_at").on(t.at),
    pgPolicy("key_usage_select_own", {
      as: "permissive",
      for: "select",
      to: appUser,
      using: sql`${t.owner_id} = ${currentUserId}`,
    }),
    superuserPolicy("key_usage"),
  ],
).enableRLS();

export type ApiKey = typeof apiKeys.$inferSelect;

/** Keys and their permissions are owned rows; usage is an audit trail its owner reads and nobody edits. */
declareAccess(apiKeys, ownedTable());
declareAccess(keyPermissions, ownedTable());
declareAccess(keyUsage, ownedTable({ ...reach.nothing, select: "own" }, "status"));
