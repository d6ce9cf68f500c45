import type { z } from "@hono/zod-openapi";
import type { PgInsertValue, PgUpdateSetSource } from "drizzle-orm/pg-core";
import { crud, type ListQuery } from "../../db/crud";
import { andThen } from "../../db/runner/plan";
import { notFound } from "./errors";
import { exposing } from "./expose";
import type { Scope } from "./scope";

type Table = Parameters<typeof crud>[0];

/**
 * The five methods of a resource that a client lists, creates, reads, changes and deletes, over one table:
 * each one transaction of plain statements (one round trip at the edge), each answer reduced to the fields
 * of `expose` (the response schema), a missing row a 404 naming `name`. Ownership is never checked here:
 * RLS decides which rows a caller sees and may change, so another user's row is simply not found. A soft-
 * delete table also gets `restore` and `purge`. A feature spreads the result and replaces what it does differently.
 */
export function resourceService<T extends Table, S extends z.ZodObject>(
  table: T,
  {
    name,
    expose,
    listed = expose,
    superuserOnly = false,
  }: {
    name: string;
    expose: S;
    /** What a list entry shows, when it is more than `expose` (relations a client may `expand=`). */
    listed?: z.ZodObject;
    superuserOnly?: boolean;
  },
) {
  const rows = crud(table);
  const show = exposing(expose);
  const showListed = exposing(listed);
  const options = { superuserOnly };
  const found = <R extends object>(row: R | undefined) => {
    if (!row) throw notFound(name);
    return show(row);
  };
  return {
    rows,
    show,
    found,
    list: (scope: Scope, query: ListQuery) =>
      scope.run((q) => andThen(rows.list(q, query), (page) => ({ ...page, data: page.data.map(showListed) })), options),

    get: (scope: Scope, id: string) => scope.run((q) => andThen(rows.get(q, id), found), options),

    create: (scope: Scope, input: PgInsertValue<T>) => scope.run((q) => andThen(rows.create(q, input), show), options),

    update: (scope: Scope, id: string, input: PgUpdateSetSource<T>) =>
      scope.run((q) => andThen(rows.update(q, id, input), found), options),

    /** DELETE: a soft delete where the table has deleted_at (it then reads as not found), else for good. */
    remove: (scope: Scope, id: string) =>
      scope.run(
        (q) =>
          andThen(rows.delete(q, id), (hit) => {
            if (!hit) throw notFound(name);
          }),
        options,
      ),

    /**
     * Undoes a soft delete of a row deleted at most `retentionDays` ago (MAINTENANCE_RETENTION_DAYS: an older one
     * is the purge's, and reads as not found, as a purged one does). The owner (or a superuser) still reaches its
     * deleted rows through the owner policy.
     */
    restore: (scope: Scope, id: string, retentionDays?: number) =>
      scope.run((q) => andThen(rows.restore(q, id, { deletedWithinDays: retentionDays }), found), options),

    /**
     * Deletes a row for good, deleted or not: superusers only, refused (403) by the context statement for anyone
     * else, and done through RLS as the superuser role (its policy reaches every row), never around it.
     */
    purge: (scope: Scope, id: string) =>
      scope.run(
        (q) =>
          andThen(rows.hardDelete(q, id), (hit) => {
            if (!hit) throw notFound(name);
          }),
        { superuserOnly: true },
      ),

    /** Whether `remove` is a soft delete: the resource then offers `restore` and `purge` (resourceRouter). */
    softDeletes: rows.softDeletes as SoftDeletes<T>,
  };
}

/** `true` (the type) for a table with a deleted_at column, so a router's routes are known to its clients' types. */
export type SoftDeletes<T extends Table> = "deleted_at" extends keyof T["_"]["columns"] ? true : false;
