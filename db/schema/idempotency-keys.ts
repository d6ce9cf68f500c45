import { sql } from "drizzle-orm";
import {
  foreignKey,
  index,
  integer,
  jsonb,
  pgPolicy,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { type Access, declareAccess, reach } from "./access";
import { currentUserId } from "./rls";
import { appSuperuser, appUser } from "./roles";
import { users } from "./users";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * The Idempotency-Key a caller sent with a write, and the answer it got: a retry with the same key is answered
 * from here instead of writing again (functions/middleware/idempotency.ts). The key is claimed by the write's
 * own context statement (app_auth.claim_idempotency_key), so it commits, or rolls back, with the write itself.
 * Keys are the caller's own: another user's key of the same text is another key, and superusers see only
 * theirs. Kept 24 hours; the maintenance cron removes them after.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    owner_id: uuid("owner_id").notNull(),
    key: varchar("key", { length: 255 }).notNull(),
    /** SHA-256 of the method, the path with its query and the body: the same key with another request is refused. */
    fingerprint: text("fingerprint").notNull(),
    created_at: timestamptz("created_at").notNull().defaultNow(),
    expires_at: timestamptz("expires_at").notNull(),
    /** The answer, once sent: none while the request is in flight (or if its answer was lost). */
    response_status: integer("response_status"),
    /** The answer's headers a replay repeats (Content-Type, Location). */
    response_headers: jsonb("response_headers").$type<Record<string, string>>(),
    response_body: text("response_body"),
  },
  (t) => [
    primaryKey({ name: "idempotency_keys_pkey", columns: [t.owner_id, t.key] }),
    foreignKey({ name: "fk_idempotency_keys_owner_id", columns: [t.owner_id], foreignColumns: [users.id] }).onDelete(
      "cascade",
    ),
    index("ix_idempotency_keys_expires_at").on(t.expires_at),
    pgPolicy("idempotency_keys_select_own", {
      as: "permissive",
      for: "select",
      to: [appUser, appSuperuser],
      using: sql`${t.owner_id} = ${currentUserId}`,
    }),
    pgPolicy("idempotency_keys_update_own", {
      as: "permissive",
      for: "update",
      to: [appUser, appSuperuser],
      using: sql`${t.owner_id} = ${currentUserId}`,
      withCheck: sql`${t.owner_id} = ${currentUserId}`,
    }),
  ],
).enableRLS();

export type IdempotencyKey = typeof idempotencyKeys.$inferSelect;

/**
 * A caller reads its own keys and writes their answer; only the claim function makes one. Superusers too reach
 * only their own: none of another user's (the matrix measures a superuser against the other users' rows).
 */
const ownKeys = { select: "own", insert: "denied", update: "own", delete: "denied" } as const;
const noOtherKeys = { select: "none", insert: "denied", update: "none", delete: "denied" } as const;
declareAccess(idempotencyKeys, {
  owner: "owner_id",
  probe: "response_status",
  roles: {
    login: reach.nothing,
    anon: reach.nothing,
    user: ownKeys,
    superuser: noOtherKeys,
    maintenance: reach.everything,
    billing: reach.nothing,
  },
} satisfies Access);
