import type { Snapshot, SnapshotTable } from "./snapshot";

// A valid drizzle-kit snapshot of any size, for the benchmark and the scaling tests: each table has
// ten columns (uuid key, two FKs to earlier tables, enum status, timestamps...), two foreign keys, an
// index, and RLS with two policies on every other table. 200 tables -> 2,000 columns, 400 FKs.

function column(name: string, type: string, extra: Partial<SnapshotTable["columns"][string]> = {}) {
  return { name, type, primaryKey: false, notNull: true, ...extra };
}

export function syntheticSnapshot(tableCount: number): Snapshot {
  const tables: Record<string, SnapshotTable> = {};
  const name = (i: number) => `table_${String(i).padStart(4, "0")}`;
  for (let i = 0; i < tableCount; i++) {
    const t = name(i);
    // Table 0 points at itself, table 1 at 0: FKs always land on a known table.
    const a = name(Math.max(0, i - 1));
    const b = name(Math.floor(i / 2));
    const rls = i % 2 === 0;
    tables[`public.${t}`] = {
      name: t,
      schema: "",
      columns: {
        id: column("id", "uuid", { primaryKey: true, default: "gen_random_uuid()" }),
        parent_a_id: column("parent_a_id", "uuid"),
        parent_b_id: column("parent_b_id", "uuid", { notNull: false }),
        code: column("code", "varchar(64)"),
        title: column("title", "text"),
        amount: column("amount", "numeric(12, 2)", { default: "'0'" }),
        status: column("status", "status", { typeSchema: "public", default: "'active'" }),
        notes: column("notes", "text", { notNull: false }),
        created_at: column("created_at", "timestamp with time zone", { default: "now()" }),
        updated_at: column("updated_at", "timestamp with time zone", { default: "now()" }),
      },
      indexes: {
        [`ix_${t}_parent_a_id`]: {
          name: `ix_${t}_parent_a_id`,
          columns: [{ expression: "parent_a_id", isExpression: false, asc: true, nulls: "last" }],
          isUnique: false,
          method: "btree",
          concurrently: false,
        },
      },
      foreignKeys: {
        [`fk_${t}_parent_a_id`]: {
          name: `fk_${t}_parent_a_id`,
          tableFrom: t,
          columnsFrom: ["parent_a_id"],
          tableTo: a,
          columnsTo: ["id"],
          onDelete: "cascade",
          onUpdate: "no action",
        },
        [`fk_${t}_parent_b_id`]: {
          name: `fk_${t}_parent_b_id`,
          tableFrom: t,
          columnsFrom: ["parent_b_id"],
          tableTo: b,
          columnsTo: ["id"],
          onDelete: "set null",
          onUpdate: "no action",
        },
      },
      compositePrimaryKeys: {},
      uniqueConstraints: {
        [`uq_${t}_code`]: { name: `uq_${t}_code`, columns: ["code"], nullsNotDistinct: false },
      },
      policies: rls
        ? {
            [`${t}_select_own`]: {
              name: `${t}_select_own`,
              as: "PERMISSIVE",
              for: "SELECT",
              to: ["rls_app_user"],
              using: "\"parent_a_id\" = (select current_setting('app.current_user_id', true)::uuid)",
            },
            [`${t}_all_superuser`]: {
              name: `${t}_all_superuser`,
              as: "PERMISSIVE",
              for: "ALL",
              to: ["rls_app_superuser"],
              using: "true",
              withCheck: "true",
            },
          }
        : {},
      checkConstraints: {},
      isRLSEnabled: rls,
    };
  }
  return {
    id: `synthetic-${tableCount}`,
    prevId: "00000000-0000-0000-0000-000000000000",
    version: "7",
    dialect: "postgresql",
    tables,
    enums: { "public.status": { name: "status", schema: "public", values: ["active", "archived"] } },
    schemas: {},
    views: {},
    sequences: {},
    roles: {},
    policies: {},
  };
}
