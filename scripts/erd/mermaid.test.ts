import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { attributeType, relationshipSymbol, renderMermaid } from "./mermaid";
import { buildModel, type Relationship } from "./model";
import { loadSnapshot } from "./snapshot";

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));

describe("attributeType", () => {
  it("maps SQL types onto Mermaid's one-word types", () => {
    expect(attributeType("timestamp with time zone")).toBe("timestamptz");
    expect(attributeType("timestamp (3) with time zone")).toBe("timestamptz(3)");
    expect(attributeType("numeric(10, 2)")).toBe("numeric(10,2)");
    expect(attributeType("double precision")).toBe("float8");
    expect(attributeType("character varying(20)")).toBe("varchar(20)");
    expect(attributeType("text[]")).toBe("text[]");
    expect(attributeType("1type")).toBe("_1type");
  });
});

describe("relationshipSymbol", () => {
  const base: Relationship = {
    name: "fk",
    parent: "public.a",
    child: "public.b",
    columns: ["a_id"],
    parentColumns: ["id"],
    cardinality: "one-to-many",
    optional: false,
    identifying: false,
    onDelete: "no action",
    onUpdate: "no action",
  };
  it("uses crow's feet for each cardinality", () => {
    expect(relationshipSymbol(base)).toBe("||..o{");
    expect(relationshipSymbol({ ...base, optional: true })).toBe("|o..o{");
    expect(relationshipSymbol({ ...base, cardinality: "one-to-one" })).toBe("||..o|");
    expect(relationshipSymbol({ ...base, identifying: true })).toBe("||--o{");
  });
});

describe("renderMermaid", () => {
  it("writes entities with keys, locks RLS tables, and names the snapshot instead of a date", async () => {
    const text = renderMermaid(buildModel(await loadSnapshot(fixture("catalog/meta/0001_snapshot.json"))), "x.json");
    expect(text).toContain("(snapshot 6f1c2d3e-0000-4000-8000-000000000001)");
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(text).toContain('  products["products 🔒"] {');
    expect(text).toContain('  audit__placements["audit.placements"] {');
    expect(text).toContain('    status status "enum: draft, published, archived"');
    expect(text).toContain("    uuid product_id PK, FK");
    expect(text).toContain('  accounts ||..o| profiles : "account_id"');
    expect(text).toContain('  categories |o..o{ categories : "parent_id"');
    expect(text).toContain(
      "  %% many-to-many: public.categories <-> public.products through public.product_categories",
    );
  });

  it("escapes words Mermaid reserves", async () => {
    const snapshot = await loadSnapshot(fixture("hand/cardinality.json"));
    const people = snapshot.tables["public.people"];
    const id = people?.columns.id;
    if (!people || !id) throw new Error("fixture changed");
    snapshot.tables["public.end"] = { ...people, name: "end", columns: { pk: { ...id, name: "pk" } } };
    const text = renderMermaid(buildModel(snapshot), "x.json");
    expect(text).toContain(`  end_["end"] {`);
    expect(text).toContain("    bigint pk_ PK");
  });
});
