import { entityLabel } from "./mermaid";
import type { Entity, ManyToMany, Model, Relationship } from "./model";

// The human half of the ERD: the diagram, then one section per table and the roles. Only facts from
// the snapshot (and the migrations' SQL for FORCE, GRANT, COMMENT) are printed, never a date, so the file
// changes exactly when the schema does.

function code(text: string): string {
  const clean = text.replace(/\r?\n/g, " ");
  return clean.includes("`") ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function short(key: string): string {
  return key.startsWith("public.") ? key.slice("public.".length) : key;
}

function columnsOf(columns: string[]): string {
  return columns.map(code).join(", ");
}

function anchor(entity: Entity): string {
  return `table-${entity.key.replace(/[^\w-]/g, "-").toLowerCase()}`;
}

/** Relationships looked up per table once, so the page is linear in the schema's size. */
interface Index {
  asChild: Map<string, Relationship[]>;
  asParent: Map<string, Relationship[]>;
  joins: Map<string, ManyToMany[]>;
  joinTable: Map<string, ManyToMany>;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function indexModel(model: Model): Index {
  const index: Index = { asChild: new Map(), asParent: new Map(), joins: new Map(), joinTable: new Map() };
  for (const r of model.relationships) {
    push(index.asChild, r.child, r);
    if (r.parent !== r.child) push(index.asParent, r.parent, r);
  }
  for (const m of model.manyToMany) {
    index.joinTable.set(m.join, m);
    push(index.joins, m.left, m);
    if (m.right !== m.left) push(index.joins, m.right, m);
  }
  return index;
}

function purpose(entity: Entity, index: Index): string {
  if (entity.comment) return entity.comment;
  const join = index.joinTable.get(entity.key);
  if (join) return `Join table: links ${short(join.left)} and ${short(join.right)} (many-to-many).`;
  const asChild = index.asChild.get(entity.key) ?? [];
  const owner = asChild.find((r) => r.columns.includes("owner_id"));
  if (owner && entity.rls.enabled)
    return `Rows owned by a ${short(owner.parent)} row (\`owner_id\`), isolated by row-level security.`;
  const parents = asChild.map((r) => short(r.parent));
  return parents.length > 0
    ? `Stores ${short(entity.key)} rows, each linked to ${[...new Set(parents)].join(", ")}.`
    : `Stores ${short(entity.key)} rows.`;
}

function describeRelationship(r: Relationship, from: "parent" | "child"): string {
  const kind = r.cardinality === "one-to-one" ? "one-to-one" : from === "child" ? "many-to-one" : "one-to-many";
  const link = `${short(r.child)}.(${r.columns.join(", ")}) → ${short(r.parent)}.(${r.parentColumns.join(", ")})`;
  const self = r.parent === r.child ? ", self-reference" : "";
  const need = r.optional ? "optional (nullable FK)" : "required";
  const other = from === "child" ? short(r.parent) : short(r.child);
  return `- ${kind} with **${other}**${self}: ${code(link)}, ${need}, on delete ${r.onDelete}, on update ${r.onUpdate} (${code(r.name)})`;
}

function tableSection(entity: Entity, index: Index): string[] {
  const out = [
    `### ${entityLabel(entity)}`,
    "",
    `<a id="${anchor(entity)}"></a>`,
    "",
    `**Purpose:** ${purpose(entity, index)}`,
    "",
  ];

  out.push("| Column | Type | Null | Default | Keys |", "| --- | --- | --- | --- | --- |");
  for (const c of entity.columns) {
    const enumInfo = c.enumKey ? ` (enum ${code(short(c.enumKey))})` : "";
    const dflt = c.generated
      ? `generated: ${code(c.generated)}`
      : c.identity
        ? `identity (${c.identity})`
        : c.default !== undefined
          ? code(c.default)
          : "";
    const note = c.comment ? ` — ${c.comment}` : "";
    out.push(
      `| ${code(c.name)}${cell(note)} | ${cell(code(c.type))}${enumInfo} | ${c.notNull ? "NOT NULL" : "null"} | ${cell(dflt)} | ${c.keys.join(", ")} |`,
    );
  }
  out.push("");

  out.push("**Keys**", "");
  out.push(
    entity.primaryKey
      ? `- Primary key${entity.primaryKey.columns.length > 1 ? " (composite)" : ""}: ${columnsOf(entity.primaryKey.columns)}`
      : "- Primary key: **none**",
  );
  for (const u of entity.uniques) {
    out.push(
      `- Unique (${u.kind}${u.nullsNotDistinct ? ", nulls not distinct" : ""}) ${code(u.name)}: ${columnsOf(u.columns)}`,
    );
  }
  for (const fk of entity.foreignKeys) {
    out.push(
      `- Foreign key ${code(fk.name)}: ${columnsOf(fk.columns)} → ${code(`${short(fk.target)}(${fk.targetColumns.join(", ")})`)}, on delete ${fk.onDelete}, on update ${fk.onUpdate}`,
    );
  }
  for (const check of entity.checks) out.push(`- Check ${code(check.name)}: ${code(check.expression)}`);
  out.push("");

  if (entity.indexes.length > 0) {
    out.push("**Indexes**", "");
    for (const i of entity.indexes) {
      const where = i.where ? ` where ${code(i.where)}` : "";
      out.push(
        `- ${code(i.name)}: ${i.unique ? "unique " : ""}${i.method} (${i.columns.map(code).join(", ")})${where}`,
      );
    }
    out.push("");
  }

  const rls = entity.rls;
  const status = !rls.enabled
    ? "disabled"
    : rls.forced
      ? "enabled and forced 🔒"
      : "enabled 🔒 (no FORCE found in the migrations: the table owner bypasses it)";
  out.push(`**Row-level security:** ${status}`, "");
  if (rls.policies.length > 0) {
    out.push("| Policy | Command | Roles | As | Using | With check |", "| --- | --- | --- | --- | --- | --- |");
    for (const p of rls.policies) {
      const using = p.using !== undefined ? code(p.using) : "";
      const check = p.withCheck !== undefined ? code(p.withCheck) : "";
      out.push(`| ${code(p.name)} | ${p.for} | ${p.to.join(", ")} | ${p.as} | ${cell(using)} | ${cell(check)} |`);
    }
    out.push("");
  } else if (rls.enabled) {
    out.push("No policies: every role but the owner (and BYPASSRLS roles) sees no rows.", "");
  }
  if (entity.grants.length > 0) {
    out.push(`**Grants:** ${entity.grants.map((g) => `${g.role} (${g.privileges.join(", ")})`).join("; ")}`, "");
  }

  const asChild = index.asChild.get(entity.key) ?? [];
  const asParent = index.asParent.get(entity.key) ?? [];
  const joins = index.joins.get(entity.key) ?? [];
  out.push("**Relationships**", "");
  if (asChild.length + asParent.length + joins.length === 0) out.push("- none");
  for (const r of asChild) out.push(describeRelationship(r, "child"));
  for (const r of asParent) out.push(describeRelationship(r, "parent"));
  for (const m of joins) {
    const other = m.left === entity.key ? m.right : m.left;
    out.push(`- many-to-many with **${short(other)}** through ${code(short(m.join))}`);
  }
  out.push("");
  return out;
}

export function renderMarkdown(model: Model, mermaid: string, source: string): string {
  const out = [
    "# Database ERD",
    "",
    `<!-- Generated by \`npm run erd\` from ${source}. Do not edit: change db/schema, run drizzle-kit generate, then \`npm run erd\`. -->`,
    "",
    `Generated from the drizzle-kit snapshot ${code(source)} (id ${code(model.snapshotId)}). ` +
      "Tables marked 🔒 have row-level security enabled; their policies are listed per table. " +
      "See [docs/erd.md](../erd.md) for how this file is kept fresh.",
    "",
    "## Diagram",
    "",
    "```mermaid",
    mermaid.trimEnd(),
    "```",
    "",
    "## Tables",
    "",
    "| Table | Columns | RLS | Policies | References |",
    "| --- | --- | --- | --- | --- |",
  ];
  const index = indexModel(model);
  for (const e of model.entities) {
    const refs = [...new Set((index.asChild.get(e.key) ?? []).map((r) => short(r.parent)))];
    const rls = e.rls.enabled ? (e.rls.forced ? "🔒 forced" : "🔒") : "no";
    out.push(
      `| [${short(e.key)}](#${anchor(e)}) | ${e.columns.length} | ${rls} | ${e.rls.policies.length} | ${refs.join(", ")} |`,
    );
  }
  out.push("");
  for (const e of model.entities) out.push(...tableSection(e, index));

  if (model.manyToMany.length > 0) {
    out.push("## Many-to-many", "");
    for (const m of model.manyToMany) {
      out.push(`- ${short(m.left)} ↔ ${short(m.right)} through ${code(short(m.join))} (${m.via.map(code).join(", ")})`);
    }
    out.push("");
  }
  if (model.enums.length > 0) {
    out.push("## Enums", "", "| Enum | Values |", "| --- | --- |");
    for (const e of model.enums) out.push(`| ${code(short(e.key))} | ${e.values.map(code).join(", ")} |`);
    out.push("");
  }
  if (model.views.length > 0) {
    out.push("## Views", "");
    for (const v of model.views) out.push(`- ${code(short(v.key))}${v.materialized ? " (materialized)" : ""}`);
    out.push("");
  }

  out.push("## Roles", "");
  if (model.roles.length === 0) out.push("No roles are named by the schema's policies.", "");
  for (const role of model.roles) {
    const attrs =
      role.attributes.length > 0
        ? role.attributes.join(", ")
        : role.declared
          ? "created by drizzle-kit from the schema's pgRole, default attributes"
          : "not created in the migrations (an existing role)";
    const rlsNote = role.attributes.includes("BYPASSRLS") ? " Bypasses row-level security." : "";
    out.push(`### ${role.name}`, "", `- Attributes: ${attrs}.${rlsNote}`);
    if (role.grantedTo.length > 0) out.push(`- Granted to (may SET ROLE to it): ${role.grantedTo.join(", ")}`);
    if (role.tables.length > 0) {
      out.push(
        `- Table privileges: ${role.tables.map((t) => `${short(t.table)} (${t.privileges.join(", ")})`).join("; ")}`,
      );
    }
    out.push(
      role.policies.length > 0
        ? `- Policies: ${role.policies.map((p) => `${short(p.table)}.${p.policy} (${p.for})`).join(", ")}`
        : "- Policies: none",
    );
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
