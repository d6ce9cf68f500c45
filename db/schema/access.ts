import { getTableName } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/**
 * What a role reaches in a table, per command, as db/access.test.ts measures it:
 * - `denied`: no privilege, the statement fails (42501);
 * - `none`: allowed, but no row is visible or changed;
 * - `own`: only the caller's rows; `own+published`: those and every published row (posts);
 * - `all`: every row;
 * - `allowed` (insert only): the privilege is there; which rows may go in is the policies' to say and each
 *   table's own tests show it.
 */
export type Reach = "denied" | "none" | "own" | "own+published" | "all" | "allowed";
export type Command = "select" | "insert" | "update" | "delete";
/** The roles a connection can act as: the login role itself, and the ones it switches to. */
export type AccessRole = "login" | "anon" | "user" | "superuser" | "maintenance" | "billing";

export type Access = {
  /** The column naming the user a row belongs to (`id` for users); none for shared tables. */
  owner?: string;
  /** A column the update probe sets to itself (the command's reach, nothing changed). */
  probe: string;
  roles: Record<AccessRole, Record<Command, Reach>>;
};

const declared = new Map<string, Access>();

/** Declares, next to a table, who may do what with its rows; a table without a declaration fails the tests. */
export function declareAccess(table: PgTable, access: Access) {
  declared.set(getTableName(table), access);
  return access;
}

/** Every declaration made so far (import db/schema first). */
export const declaredAccess = (): ReadonlyMap<string, Access> => declared;

const everything = { select: "all", insert: "allowed", update: "all", delete: "all" } as const;
const nothing = { select: "denied", insert: "denied", update: "denied", delete: "denied" } as const;
const ownRows = { select: "own", insert: "allowed", update: "own", delete: "own" } as const;
const readOnly = { select: "all", insert: "denied", update: "denied", delete: "denied" } as const;

/** The usual shapes, to spell a declaration in one line where a table is ordinary. */
export const reach = { everything, nothing, ownRows, readOnly };

/** A user-owned table (userScoped): the owner reaches its rows, superusers and maintenance every row. */
export const ownedTable = (user: Record<Command, Reach> = ownRows, probe = "updated_at"): Access => ({
  owner: "owner_id",
  probe,
  roles: { login: nothing, anon: nothing, user, superuser: everything, maintenance: everything, billing: nothing },
});

/**
 * A table of secrets (hashes of tokens) that only SECURITY DEFINER functions and maintenance touch: no request
 * role reaches it, superusers included (one who could write a token hash could act as its owner).
 */
export const privateTable = (probe: string): Access => ({
  owner: "owner_id",
  probe,
  roles: {
    login: nothing,
    anon: nothing,
    user: nothing,
    superuser: nothing,
    maintenance: everything,
    billing: nothing,
  },
});

/** A shared table: every signed-in user reads it, superusers (and maintenance) write it. */
export const sharedTable = (probe = "updated_at"): Access => ({
  probe,
  roles: {
    login: nothing,
    anon: nothing,
    user: readOnly,
    superuser: everything,
    maintenance: everything,
    billing: nothing,
  },
});
