import type { Snapshot, SnapshotPolicy, SnapshotTable } from "./snapshot";
import { emptySqlFacts, type SqlFacts } from "./sql";

// The ERD's own view of a snapshot: everything the renderers print, already sorted, so that the Mermaid
// and Markdown writers are plain string builders and the same snapshot always gives the same bytes.

export type KeyMarker = "PK" | "FK" | "UK";

export interface Column {
  name: string;
  /** The SQL type as drizzle-kit wrote it ("varchar(255)", "timestamp with time zone", "status"). */
  type: string;
  enumKey?: string;
  notNull: boolean;
  default?: string;
  generated?: string;
  identity?: string;
  keys: KeyMarker[];
  comment?: string;
}

export interface KeyConstraint {
  name: string;
  columns: string[];
  /** Where it comes from: a PRIMARY KEY / UNIQUE constraint or a unique index. */
  kind: "primary key" | "unique constraint" | "unique index" | "unique column";
  nullsNotDistinct?: boolean;
}

export interface ForeignKey {
  name: string;
  columns: string[];
  /** Qualified key of the referenced table ("public.users"). */
  target: string;
  targetColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface Index {
  name: string;
  columns: string[];
  unique: boolean;
  method: string;
  where?: string;
}

export interface Policy {
  name: string;
  as: string;
  for: string;
  to: string[];
  using?: string;
  withCheck?: string;
}

export interface Entity {
  /** Snapshot key, "schema.table". */
  key: string;
  schema: string;
  name: string;
  comment?: string;
  columns: Column[];
  primaryKey?: KeyConstraint;
  uniques: KeyConstraint[];
  foreignKeys: ForeignKey[];
  indexes: Index[];
  checks: { name: string; expression: string }[];
  rls: { enabled: boolean; forced: boolean; policies: Policy[] };
  grants: { role: string; privileges: string[] }[];
}

export interface Relationship {
  /** The foreign key's name. */
  name: string;
  parent: string;
  child: string;
  columns: string[];
  parentColumns: string[];
  /** one-to-one when the child's FK columns are themselves unique. */
  cardinality: "one-to-many" | "one-to-one";
  /** The child may exist without a parent: some FK column is nullable. */
  optional: boolean;
  /** The FK is part of the child's primary key (drawn as a solid line). */
  identifying: boolean;
  onDelete: string;
  onUpdate: string;
}

export interface ManyToMany {
  join: string;
  left: string;
  right: string;
  via: [string, string];
}

export interface Role {
  name: string;
  /** drizzle-kit manages it (a pgRole without `.existing()`). */
  declared: boolean;
  attributes: string[];
  grantedTo: string[];
  policies: { table: string; policy: string; for: string }[];
  tables: { table: string; privileges: string[] }[];
}

export interface Model {
  snapshotId: string;
  entities: Entity[];
  relationships: Relationship[];
  manyToMany: ManyToMany[];
  enums: { key: string; name: string; schema: string; values: string[] }[];
  views: { key: string; materialized: boolean }[];
  roles: Role[];
}

/** Pseudo-roles a policy may name that are not roles of this project. */
const PSEUDO_ROLES = new Set(["public", "current_user", "current_role", "session_user"]);

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function qualify(schema: string | undefined, name: string): string {
  return `${schema || "public"}.${name}`;
}

function formatDefault(value: unknown): string | undefined {
  if (value === undefined || value === null) return value === null ? "null" : undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function keyConstraints(table: SnapshotTable): { primaryKey?: KeyConstraint; uniques: KeyConstraint[] } {
  const columns = Object.values(table.columns);
  const composite = Object.values(table.compositePrimaryKeys).sort((a, b) => byString(a.name, b.name))[0];
  const pkColumns = columns.filter((c) => c.primaryKey).map((c) => c.name);
  const primaryKey: KeyConstraint | undefined = composite
    ? { name: composite.name, columns: composite.columns, kind: "primary key" }
    : pkColumns.length > 0
      ? { name: `${table.name}_pkey`, columns: pkColumns, kind: "primary key" }
      : undefined;

  const uniques: KeyConstraint[] = [
    ...columns
      .filter((c) => c.isUnique === true || (typeof c.isUnique === "string" && c.isUnique !== ""))
      .map(
        (c): KeyConstraint => ({
          name: c.uniqueName ?? `${table.name}_${c.name}_unique`,
          columns: [c.name],
          kind: "unique column",
          nullsNotDistinct: c.nullsNotDistinct ?? false,
        }),
      ),
    ...Object.values(table.uniqueConstraints).map(
      (u): KeyConstraint => ({
        name: u.name,
        columns: u.columns,
        kind: "unique constraint",
        nullsNotDistinct: u.nullsNotDistinct,
      }),
    ),
    // A partial or expression index does not make its columns a key, so it stays an index only.
    ...Object.values(table.indexes)
      .filter((i) => i.isUnique && !i.where && i.columns.every((c) => !c.isExpression))
      .map((i): KeyConstraint => ({ name: i.name, columns: i.columns.map((c) => c.expression), kind: "unique index" })),
  ].sort((a, b) => byString(a.name, b.name));
  return primaryKey ? { primaryKey, uniques } : { uniques };
}

function toPolicy(p: SnapshotPolicy): Policy {
  return {
    name: p.name,
    as: p.as ?? "PERMISSIVE",
    for: p.for ?? "ALL",
    to: p.to && p.to.length > 0 ? p.to : ["public"],
    ...(p.using !== undefined ? { using: p.using } : {}),
    ...(p.withCheck !== undefined ? { withCheck: p.withCheck } : {}),
  };
}

function toEntity(key: string, table: SnapshotTable, snapshot: Snapshot, sql: SqlFacts): Entity {
  const { primaryKey, uniques } = keyConstraints(table);
  const foreignKeys = Object.values(table.foreignKeys)
    .map(
      (fk): ForeignKey => ({
        name: fk.name,
        columns: fk.columnsFrom,
        target: qualify(fk.schemaTo, fk.tableTo),
        targetColumns: fk.columnsTo,
        onDelete: fk.onDelete ?? "no action",
        onUpdate: fk.onUpdate ?? "no action",
      }),
    )
    .sort((a, b) => byString(a.name, b.name));
  const fkColumns = new Set(foreignKeys.flatMap((fk) => fk.columns));
  const pkColumns = new Set(primaryKey?.columns ?? []);
  const ukColumns = new Set(uniques.filter((u) => u.columns.length === 1).flatMap((u) => u.columns));

  const columns = Object.values(table.columns).map((c): Column => {
    const enumKey =
      c.typeSchema !== undefined || snapshot.enums[`public.${c.type}`] ? qualify(c.typeSchema, c.type) : undefined;
    const keys: KeyMarker[] = [];
    if (pkColumns.has(c.name)) keys.push("PK");
    if (fkColumns.has(c.name)) keys.push("FK");
    if (ukColumns.has(c.name) && !(pkColumns.has(c.name) && pkColumns.size === 1)) keys.push("UK");
    const dflt = formatDefault(c.default);
    const comment = sql.columnComments.get(`${key}.${c.name}`);
    return {
      name: c.name,
      type: c.type,
      ...(enumKey && snapshot.enums[enumKey] ? { enumKey } : {}),
      notNull: c.notNull || pkColumns.has(c.name),
      ...(dflt !== undefined ? { default: dflt } : {}),
      ...(c.generated ? { generated: c.generated.as } : {}),
      ...(c.identity ? { identity: c.identity.type === "always" ? "ALWAYS" : "BY DEFAULT" } : {}),
      keys,
      ...(comment !== undefined ? { comment } : {}),
    };
  });

  const policies = [
    ...Object.values(table.policies),
    // Policies on tables drizzle-kit does not manage (`pgPolicy(...).link(table)`) sit at the top level.
    ...Object.values(snapshot.policies).filter((p) => p.on !== undefined && qualify(p.schema, p.on) === key),
  ]
    .map(toPolicy)
    .sort((a, b) => byString(a.name, b.name));

  const grants = [...(sql.tableGrants.get(key) ?? new Map<string, Set<string>>())]
    .map(([role, privileges]) => ({ role, privileges: [...privileges].sort(byString) }))
    .sort((a, b) => byString(a.role, b.role));
  const comment = sql.tableComments.get(key);

  return {
    key,
    schema: table.schema || "public",
    name: table.name,
    ...(comment !== undefined ? { comment } : {}),
    columns,
    ...(primaryKey ? { primaryKey } : {}),
    uniques,
    foreignKeys,
    indexes: Object.values(table.indexes)
      .map(
        (i): Index => ({
          name: i.name,
          columns: i.columns.map((c) => c.expression + (c.asc ? "" : " DESC")),
          unique: i.isUnique,
          method: i.method,
          ...(i.where ? { where: i.where } : {}),
        }),
      )
      .sort((a, b) => byString(a.name, b.name)),
    checks: Object.values(table.checkConstraints)
      .map((c) => ({ name: c.name, expression: c.value }))
      .sort((a, b) => byString(a.name, b.name)),
    rls: { enabled: table.isRLSEnabled || policies.length > 0, forced: sql.forcedRls.has(key), policies },
    grants,
  };
}

function isUniqueSet(entity: Entity, columns: string[]): boolean {
  if (entity.primaryKey && sameSet(entity.primaryKey.columns, columns)) return true;
  return entity.uniques.some((u) => sameSet(u.columns, columns));
}

function toRelationship(child: Entity, fk: ForeignKey): Relationship {
  const nullable = fk.columns.some((name) => !child.columns.find((c) => c.name === name)?.notNull);
  return {
    name: fk.name,
    parent: fk.target,
    child: child.key,
    columns: fk.columns,
    parentColumns: fk.targetColumns,
    cardinality: isUniqueSet(child, fk.columns) ? "one-to-one" : "one-to-many",
    optional: nullable,
    identifying: fk.columns.every((c) => child.primaryKey?.columns.includes(c) ?? false),
    onDelete: fk.onDelete,
    onUpdate: fk.onUpdate,
  };
}

/** A join table: its primary key (or a unique key) is exactly the columns of two of its foreign keys. */
function joinOf(entity: Entity): ManyToMany | undefined {
  const keys = [entity.primaryKey, ...entity.uniques].filter((k): k is KeyConstraint => k !== undefined);
  const fks = entity.foreignKeys;
  for (let i = 0; i < fks.length; i++) {
    for (let j = i + 1; j < fks.length; j++) {
      const a = fks[i];
      const b = fks[j];
      if (!a || !b || a.columns.some((c) => b.columns.includes(c))) continue;
      const union = [...a.columns, ...b.columns];
      if (keys.some((k) => sameSet(k.columns, union))) {
        return { join: entity.key, left: a.target, right: b.target, via: [a.name, b.name] };
      }
    }
  }
  return undefined;
}

function toRoles(snapshot: Snapshot, entities: Entity[], sql: SqlFacts): Role[] {
  const names = new Set<string>([
    ...Object.values(snapshot.roles).map((r) => r.name),
    ...entities.flatMap((e) => e.rls.policies.flatMap((p) => p.to)),
    ...entities.flatMap((e) => e.grants.map((g) => g.role)),
    ...sql.roles.keys(),
  ]);
  return [...names]
    .filter((name) => !PSEUDO_ROLES.has(name.toLowerCase()))
    .sort(byString)
    .map((name) => {
      const facts = sql.roles.get(name);
      const declared = Object.values(snapshot.roles).find((r) => r.name === name);
      const attributes = [...(facts?.attributes ?? [])];
      if (declared?.createDb) attributes.push("CREATEDB");
      if (declared?.createRole) attributes.push("CREATEROLE");
      if (declared?.inherit === false) attributes.push("NOINHERIT");
      return {
        name,
        declared: declared !== undefined,
        attributes: [...new Set(attributes)],
        grantedTo: [...(facts?.grantedTo ?? [])].sort(byString),
        policies: entities.flatMap((e) =>
          e.rls.policies.filter((p) => p.to.includes(name)).map((p) => ({ table: e.key, policy: p.name, for: p.for })),
        ),
        tables: entities.flatMap((e) =>
          e.grants.filter((g) => g.role === name).map((g) => ({ table: e.key, privileges: g.privileges })),
        ),
      };
    });
}

export function buildModel(snapshot: Snapshot, sql: SqlFacts = emptySqlFacts()): Model {
  const entities = Object.entries(snapshot.tables)
    .map(([key, table]) => toEntity(key, table, snapshot, sql))
    .sort((a, b) => byString(a.key, b.key));
  const relationships = entities
    .flatMap((child) => child.foreignKeys.map((fk) => toRelationship(child, fk)))
    .sort((a, b) => byString(a.child, b.child) || byString(a.name, b.name));
  return {
    snapshotId: snapshot.id,
    entities,
    relationships,
    manyToMany: entities.map(joinOf).filter((m): m is ManyToMany => m !== undefined),
    enums: Object.entries(snapshot.enums)
      .map(([key, e]) => ({ key, name: e.name, schema: e.schema, values: e.values }))
      .sort((a, b) => byString(a.key, b.key)),
    views: Object.entries(snapshot.views)
      .map(([key, v]) => ({ key, materialized: v.materialized }))
      .sort((a, b) => byString(a.key, b.key)),
    roles: toRoles(snapshot, entities, sql),
  };
}
