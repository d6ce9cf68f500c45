import { type SQL, sql } from "drizzle-orm";
import { pgPolicy } from "drizzle-orm/pg-core";
import { appSuperuser, appUser, billing } from "./roles";

// The user id of the current transaction, set with set_config(..., true) by a request's context statement
// (db/runner/context.ts), the one way a transaction acts for a user (tests use it too).
// Wrapped in a scalar sub-select so Postgres evaluates it once per statement (an InitPlan), not per row,
// which keeps the owner index usable. nullif(): after a transaction that set it, an unset custom GUC reads
// as '' for the rest of the session, and ''::uuid would raise instead of matching nothing.
export const currentUserIdValue = sql`nullif(current_setting('app.current_user_id', true), '')::uuid`;
export const currentUserId = sql`(select ${currentUserIdValue})`;

/**
 * The policies every user-owned table gets: the owner may select, insert, update and delete its rows,
 * superusers may do anything. Per-role policies, never `OR is_superuser` inside one predicate: each
 * role's predicate stays index-friendly (with the OR, the planner can no longer answer one owner's rows from
 * the owner_id index and scans instead).
 */
export function ownerPolicies(table: string, ownerColumn: string) {
  const isOwner = sql`${sql.identifier(ownerColumn)} = ${currentUserId}`;
  return [
    ...userPolicies(table, { select: isOwner, insert: isOwner, update: isOwner, delete: isOwner }),
    superuserPolicy(table),
  ];
}

type Predicates = Partial<Record<"select" | "insert" | "update" | "delete", SQL>>;

/** One permissive policy per command for `rls_app_user`; a command left out is denied. */
export function userPolicies(table: string, predicates: Predicates) {
  return Object.entries(predicates).map(([command, predicate]) =>
    pgPolicy(`${table}_${command}_own`, {
      as: "permissive",
      for: command as keyof Predicates,
      to: appUser,
      ...(command === "insert" ? {} : { using: predicate }),
      ...(command === "insert" || command === "update" ? { withCheck: predicate } : {}),
    }),
  );
}

/** Superusers see and change every row, through a role of their own rather than a privileged connection. */
export function superuserPolicy(table: string) {
  return pgPolicy(`${table}_all_superuser`, {
    as: "permissive",
    for: "all",
    to: appSuperuser,
    using: sql`true`,
    withCheck: sql`true`,
  });
}

/**
 * The Stripe webhook's role (rls_billing) sees and changes every row of a table it is given: it acts for no user.
 * Its GRANTs say which commands and, on users, which columns (drizzle/0029).
 */
export function billingPolicy(table: string) {
  return pgPolicy(`${table}_all_billing`, {
    as: "permissive",
    for: "all",
    to: billing,
    using: sql`true`,
    withCheck: sql`true`,
  });
}
