// Syntax validation with Mermaid itself (mermaid 11's jison erDiagram grammar, the one GitHub and the docs
// render with), not a look-alike regex. Mermaid is imported lazily: it costs ~0.5 s to load and only
// `--validate` needs it.

export interface ParsedErDiagram {
  /** Entities the diagram declares or mentions, with their attribute count. */
  entities: { id: string; attributes: number; keys: string[][] }[];
  relationships: { from: string; to: string; label: string }[];
}

export class MermaidSyntaxError extends Error {}

interface ErEntity {
  id: string;
  label: string;
  attributes: { keys?: string[] }[];
}
interface ErDb {
  getEntities(): Map<string, ErEntity>;
  getRelationships(): { entityA: string; entityB: string; roleA: string }[];
}

export async function parseErDiagram(text: string): Promise<ParsedErDiagram> {
  const { default: mermaid } = await import("mermaid");
  try {
    // parse() registers the diagram types and throws on a syntax error; getDiagramFromText then
    // hands back the parsed entities and relationships.
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    if (diagram.type !== "er") throw new MermaidSyntaxError(`expected an erDiagram, Mermaid read a ${diagram.type}`);
    const db = diagram.db as unknown as ErDb;
    const entities = [...db.getEntities().values()];
    const nameOf = new Map(entities.map((e) => [e.id, e.label]));
    return {
      entities: entities.map((e) => ({
        id: e.label,
        attributes: e.attributes.length,
        keys: e.attributes.map((a) => a.keys ?? []),
      })),
      relationships: db.getRelationships().map((r) => ({
        from: nameOf.get(r.entityA) ?? r.entityA,
        to: nameOf.get(r.entityB) ?? r.entityB,
        label: r.roleA,
      })),
    };
  } catch (error) {
    if (error instanceof MermaidSyntaxError) throw error;
    throw new MermaidSyntaxError(error instanceof Error ? error.message : String(error));
  }
}
