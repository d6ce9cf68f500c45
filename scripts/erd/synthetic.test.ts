import { describe, expect, it } from "vitest";
import { generate } from "./generate";
import { parseSnapshot } from "./snapshot";
import { syntheticSnapshot } from "./synthetic";
import { validateMermaid, validateModel } from "./validate";

describe("syntheticSnapshot", () => {
  it("at 200 tables has 2,000 columns and 400 foreign keys, and is a valid snapshot and diagram", async () => {
    const snapshot = parseSnapshot(JSON.parse(JSON.stringify(syntheticSnapshot(200))), "synthetic");
    const docs = generate(snapshot, "synthetic");
    expect(docs.model.entities).toHaveLength(200);
    expect(docs.model.entities.reduce((n, e) => n + e.columns.length, 0)).toBe(2000);
    expect(docs.model.relationships).toHaveLength(400);
    expect([...validateModel(docs.model), ...(await validateMermaid(docs.model, docs.mermaid))]).toEqual([]);
  });
});
