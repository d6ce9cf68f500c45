import { describe, expect, it } from "vitest";
import { MermaidSyntaxError, parseErDiagram } from "./parse-mermaid";

// These run Mermaid's real erDiagram parser, so they prove what GitHub would render, not what we hope.
describe("parseErDiagram", () => {
  it("returns the entities and relationships Mermaid reads", async () => {
    const parsed = await parseErDiagram(
      'erDiagram\n  users["users 🔒"] {\n    uuid id PK\n  }\n  items {\n    uuid owner_id FK "nullable"\n  }\n  users ||..o{ items : "owner_id"\n',
    );
    expect(parsed.entities).toEqual([
      { id: "users", attributes: 1, keys: [["PK"]] },
      { id: "items", attributes: 1, keys: [["FK"]] },
    ]);
    expect(parsed.relationships).toEqual([{ from: "users", to: "items", label: "owner_id" }]);
  });

  it("rejects a broken diagram with Mermaid's own message", async () => {
    const broken = 'erDiagram\n  users {\n    uuid id PK PK,\n  }\n  users ||--o{ : "x"\n';
    await expect(parseErDiagram(broken)).rejects.toThrow(MermaidSyntaxError);
    await expect(parseErDiagram(broken)).rejects.toThrow(/Parse error on line 3/);
  });

  it("rejects a type with a space and a non-ER diagram", async () => {
    await expect(parseErDiagram("erDiagram\n  t {\n    timestamp with time zone at\n  }\n")).rejects.toThrow(
      MermaidSyntaxError,
    );
    await expect(parseErDiagram("flowchart LR\n  a --> b\n")).rejects.toThrow(/expected an erDiagram/);
  });
});
