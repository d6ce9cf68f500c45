import { entityIds } from "./mermaid";
import type { Model } from "./model";
import { MermaidSyntaxError, parseErDiagram } from "./parse-mermaid";

// `--validate`: the model must be a diagram worth drawing (fields, primary keys, FKs that land on real
// columns) and the Mermaid text must parse with Mermaid and say the same thing as the model.

export function validateModel(model: Model): string[] {
  const problems: string[] = [];
  const byKey = new Map(model.entities.map((e) => [e.key, e]));
  for (const entity of model.entities) {
    if (entity.columns.length === 0) problems.push(`${entity.key}: has no columns`);
    if (!entity.primaryKey) problems.push(`${entity.key}: has no primary key`);
    const own = new Set(entity.columns.map((c) => c.name));
    for (const fk of entity.foreignKeys) {
      const where = `${entity.key}: foreign key ${fk.name}`;
      for (const column of fk.columns) if (!own.has(column)) problems.push(`${where} uses unknown column ${column}`);
      if (fk.columns.length !== fk.targetColumns.length) {
        problems.push(`${where} maps ${fk.columns.length} column(s) onto ${fk.targetColumns.length}`);
      }
      const target = byKey.get(fk.target);
      if (!target) {
        problems.push(`${where} references unknown table ${fk.target}`);
        continue;
      }
      const targetColumns = new Set(target.columns.map((c) => c.name));
      for (const column of fk.targetColumns) {
        if (!targetColumns.has(column)) problems.push(`${where} references unknown column ${fk.target}.${column}`);
      }
    }
  }
  return problems;
}

export async function validateMermaid(model: Model, text: string): Promise<string[]> {
  let parsed: Awaited<ReturnType<typeof parseErDiagram>>;
  try {
    parsed = await parseErDiagram(text);
  } catch (error) {
    if (error instanceof MermaidSyntaxError) return [`Mermaid rejects the diagram: ${error.message}`];
    throw error;
  }
  const problems: string[] = [];
  const ids = entityIds(model);
  const declared = new Set(model.entities.map((e) => ids.get(e.key)));
  // Mermaid silently invents an empty entity for any name a relationship line mentions.
  const known = new Set(parsed.entities.filter((e) => e.attributes > 0).map((e) => e.id));
  for (const r of parsed.relationships) {
    for (const end of [r.from, r.to]) {
      if (!known.has(end) || !declared.has(end))
        problems.push(`relationship "${r.label}" references unknown entity ${end}`);
    }
  }
  for (const entity of model.entities) {
    const id = ids.get(entity.key) ?? "";
    if (entity.columns.length > 0 && !known.has(id)) problems.push(`${entity.key}: missing from the Mermaid diagram`);
  }
  if (parsed.relationships.length !== model.relationships.length) {
    problems.push(
      `the diagram draws ${parsed.relationships.length} relationship(s), the snapshot has ${model.relationships.length}`,
    );
  }
  return problems;
}
