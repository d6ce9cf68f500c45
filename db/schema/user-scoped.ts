import type { BuildExtraConfigColumns } from "drizzle-orm";
import {
  foreignKey,
  index,
  type PgColumnBuilderBase,
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

/**
 * Declares a user-owned table in one call: UUID key, `owner_id` (FK to users, defaulting to the current
 * user, indexed with created_at for the usual "my rows, newest first" listing), timestamps, RLS enabled and
 * the owner/superuser policies. FORCE and GRANTs are one line in a custom migration:
 * `select app_private.secure_user_table('<name>');` (see docs/adding-a-table.md).
 */
export function userScoped<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
  extra: (table: BuildExtraConfigColumns<TName, OwnedColumns & TColumns, "pg">) => PgTableExtraConfigValue[] = () => [],
) {
  return pgTable(
    name,
    { ...uuidPrimaryKey, ...ownerColumn, ...columns, ...timestamps } as OwnedColumns & TColumns,
    (t) => [
      foreignKey({ name: `fk_${name}_owner_id`, columns: [t.owner_id], foreignColumns: [users.id] }).onDelete(
        "cascade",
      ),
      index(`ix_${name}_owner_id_created_at`).on(t.owner_id, t.created_at),
      ...ownerPolicies(name, "owner_id"),
      ...extra(t),
    ],
  ).enableRLS();
}
