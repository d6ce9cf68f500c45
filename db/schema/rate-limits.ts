import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  pgPolicy,
  pgTable,
  primaryKey,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { declareAccess, reach, sharedTable } from "./access";
import { softDelete, timestamps, uuidPrimaryKey } from "./columns";
import { superuserPolicy } from "./rls";
import { appUser } from "./roles";
import { tiers } from "./tiers";

/**
 * Per-tier limits keyed by API path: `limit` requests per `period` seconds. `path` is a route
 * pattern as Hono matches it (`/api/v1/items/:id`) or a prefix ending in `*` (`/api/v1/*`); the longest match
 * wins.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    ...uuidPrimaryKey,
    tier_id: uuid("tier_id").notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    path: varchar("path", { length: 255 }).notNull(),
    limit: integer("limit").notNull(),
    period: integer("period").notNull(),
    /** A deleted rule stops counting at once; maintenance deletes it after the retention period. */
    ...softDelete,
    ...timestamps,
  },
  (t) => [
    foreignKey({ name: "fk_rate_limits_tier_id", columns: [t.tier_id], foreignColumns: [tiers.id] }).onDelete(
      "cascade",
    ),
    // Among live rules: a deleted rule's path may be given a new one.
    uniqueIndex("uq_rate_limits_tier_id_path").on(t.tier_id, t.path).where(sql`${t.deleted_at} is null`),
    check("chk_rate_limits_limit", sql`${t.limit} > 0`),
    check("chk_rate_limits_period", sql`${t.period} between 1 and 2678400`),
    check("chk_rate_limits_path", sql`${t.path} like '/%'`),
    pgPolicy("rate_limits_select_all", { as: "permissive", for: "select", to: appUser, using: sql`true` }),
    superuserPolicy("rate_limits"),
  ],
).enableRLS();

/**
 * The counter store: one row per (limit, subject, fixed window). Written only by the SECURITY DEFINER
 * function app_auth.begin_request (one atomic INSERT ... ON CONFLICT DO UPDATE per request), pruned by the
 * maintenance job. No request role has a policy or privilege on it.
 */
export const rateLimitCounters = pgTable(
  "rate_limit_counters",
  {
    rate_limit_id: uuid("rate_limit_id").notNull(),
    /** `user:<id>`, `key:<id>` or `ip:<address>` */
    subject: varchar("subject", { length: 200 }).notNull(),
    window_start: timestamp("window_start", { withTimezone: true, mode: "date" }).notNull(),
    expires_at: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [
    primaryKey({ name: "pk_rate_limit_counters", columns: [t.rate_limit_id, t.subject, t.window_start] }),
    foreignKey({
      name: "fk_rate_limit_counters_rate_limit_id",
      columns: [t.rate_limit_id],
      foreignColumns: [rateLimits.id],
    }).onDelete("cascade"),
    index("ix_rate_limit_counters_expires_at").on(t.expires_at),
  ],
).enableRLS();

export type RateLimit = typeof rateLimits.$inferSelect;

/** Rules: read by every signed-in user, written by superusers. */
declareAccess(rateLimits, sharedTable());
/** Counters: written only by app_auth.begin_request (as their owner) and pruned by maintenance; no request role. */
declareAccess(rateLimitCounters, {
  probe: "count",
  roles: {
    login: reach.nothing,
    anon: reach.nothing,
    user: reach.nothing,
    superuser: reach.nothing,
    maintenance: reach.everything,
    billing: reach.nothing,
  },
});
