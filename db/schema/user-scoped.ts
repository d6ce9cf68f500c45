import type { BuildExtraConfigColumns } from "drizzle-orm";
import {
  type AnyPgColumn,
  foreignKey,
  index,
  type PgColumnBuilderBase,
  type PgTable,
  type PgTableExtraConfigValue,
  pgTable,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, uuidPrimaryKey } from "./columns";
import { currentUserIdValue, ownerPolicies } from "./rls";
import { users } from "./users";

// Postgres allows no sub-select in a DEFAULT, hence the bare setting here.
const ownerColumn = { owner_id: uuid("owner_id").notNull().default(currentUserIdValue) };

type OwnedColumns = typeof uuidPrimaryKey & typeof ownerColumn & typeof timestamps;

const listingOrders = new WeakMap<PgTable, AnyPgColumn[]>();

/** The key order of a userScoped table's listing index (owner_id, created_at, id); none for other tables. */
export const listingOrderOf = (table: PgTable): AnyPgColumn[] | undefined => listingOrders.get(table);

/**
 * Declares a user-owned table in one call: UUID key, `owner_id` (FK to users, defaulting to the current
 * user), timestamps, RLS enabled and the owner/superuser policies. FORCE and GRANTs are one line in a custom
 * migration: `select app_private.secure_user_table('<name>');` (see docs/adding-a-table.md).
 *
 * Its listing index, `(owner_id, created_at, id)`, serves the usual "my rows, newest first" list in index
 * order both ways (`sort=-created_at` reads it backward, with id as the tiebreaker in the same direction), its
 * cursor pages as an index range, and its count. A table that soft-deletes adds `deleted_at` as the last key:
 * `deleted_at is null` is then checked in the index, so counting never visits the table (an index-only scan).
 * It also serves the owner_id foreign key (deleting a user).
 */
export function userScoped<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
  extra: (table: BuildExtraConfigColumns<TName, OwnedColumns & TColumns, "pg">) => PgTableExtraConfigValue[] = () => [],
) {
  const table = pgTable(
    name,
    { ...uuidPrimaryKey, ...ownerColumn, ...columns, ...timestamps } as OwnedColumns & TColumns,
    (t) => {
      const deletedAt = (t as Record<string, unknown>).deleted_at as typeof t.created_at | undefined;
      const listing = deletedAt
        ? index(`ix_${name}_owner_id_created_at_id_deleted_at`).on(t.owner_id, t.created_at, t.id, deletedAt)
        : index(`ix_${name}_owner_id_created_at_id`).on(t.owner_id, t.created_at, t.id);
      return [
        foreignKey({ name: `fk_${name}_owner_id`, columns: [t.owner_id], foreignColumns: [users.id] }).onDelete(
          "cascade",
        ),
        listing,
        ...ownerPolicies(name, "owner_id"),
        ...extra(t),
      ];
    },
  ).enableRLS();
  listingOrders.set(table, [table.owner_id, table.created_at, table.id]);
  return table;
}
