import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generate, readInput } from "./generate";
import { buildModel } from "./model";
import { loadSnapshot } from "./snapshot";
import { validateMermaid, validateModel } from "./validate";

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));
const repo = fileURLToPath(new URL("../../", import.meta.url));

async function problemsOf(path: string): Promise<string[]> {
  const docs = generate(await loadSnapshot(fixture(path)), path);
  return [...validateModel(docs.model), ...(await validateMermaid(docs.model, docs.mermaid))];
}

describe("validation", () => {
  it("accepts the fixtures that cover every drawing case", async () => {
    expect(await problemsOf("catalog/meta/0001_snapshot.json")).toEqual([]);
    expect(await problemsOf("hand/cardinality.json")).toEqual([]);
  });

  it("accepts this project's own schema", async () => {
    const input = await readInput({ drizzleDir: `${repo}drizzle`, cwd: repo });
    const docs = generate(input.snapshot, input.source, input.sql);
    expect([...validateModel(docs.model), ...(await validateMermaid(docs.model, docs.mermaid))]).toEqual([]);
  });

  it("reports a table without columns", async () => {
    expect(await problemsOf("invalid/no-columns.json")).toEqual([
      "public.empty: has no columns",
      "public.empty: has no primary key",
    ]);
  });

  it("reports a table without a primary key", async () => {
    expect(await problemsOf("invalid/no-primary-key.json")).toEqual(["public.logs: has no primary key"]);
  });

  it("reports a foreign key to an unknown table, and the relationship line it would draw", async () => {
    expect(await problemsOf("invalid/unknown-fk-table.json")).toEqual([
      "public.items: foreign key fk_items_owner_id references unknown table public.accounts",
      'relationship "owner_id" references unknown entity accounts',
    ]);
  });

  it("reports a foreign key to an unknown column", async () => {
    expect(await problemsOf("invalid/unknown-fk-column.json")).toEqual([
      "public.items: foreign key fk_items_owner_id references unknown column public.users.uuid",
    ]);
  });

  it("reports Mermaid text that does not parse, or a line to an undeclared entity", async () => {
    const docs = generate(await loadSnapshot(fixture("hand/cardinality.json")), "x");
    const broken = docs.mermaid.replace("bigint id PK", "bigint id PK PK");
    expect((await validateMermaid(docs.model, broken))[0]).toMatch(/^Mermaid rejects the diagram: Parse error/);

    const ghost = `${docs.mermaid}  people ||--o{ ghosts : "ghost_id"\n`;
    expect(await validateMermaid(docs.model, ghost)).toEqual([
      'relationship "ghost_id" references unknown entity ghosts',
      "the diagram draws 7 relationship(s), the snapshot has 6",
    ]);
  });

  it("reports a model entity missing from the diagram", async () => {
    const model = buildModel(await loadSnapshot(fixture("hand/cardinality.json")));
    const text = "erDiagram\n  people {\n    bigint id PK\n  }\n";
    const problems = await validateMermaid(model, text);
    expect(problems).toContain("public.badges: missing from the Mermaid diagram");
    expect(problems).toContain("the diagram draws 0 relationship(s), the snapshot has 6");
  });
});
