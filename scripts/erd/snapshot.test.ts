import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ErdError } from "./errors";
import { loadSnapshot, resolveLatestSnapshot } from "./snapshot";

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));
const repo = fileURLToPath(new URL("../../", import.meta.url));

async function errorOf(promise: Promise<unknown>): Promise<ErdError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ErdError);
  return error as ErdError;
}

describe("loadSnapshot", () => {
  it("reads a snapshot written by drizzle-kit 0.31", async () => {
    const snapshot = await loadSnapshot(fixture("catalog/meta/0000_snapshot.json"));
    expect(Object.keys(snapshot.tables)).toContain("audit.placements");
    expect(snapshot.enums["public.status"]?.values).toEqual(["draft", "published", "archived"]);
  });

  it("reads this project's newest snapshot", async () => {
    const { snapshotPath } = await resolveLatestSnapshot(`${repo}drizzle`);
    const snapshot = await loadSnapshot(snapshotPath);
    expect(Object.keys(snapshot.tables).length).toBeGreaterThan(0);
  });

  it("names a missing file", async () => {
    const error = await errorOf(loadSnapshot(fixture("nowhere.json")));
    expect(error.message).toMatch(/snapshot not found: .*nowhere\.json/);
  });

  it("says when the file is not JSON", async () => {
    const error = await errorOf(loadSnapshot(fixture("invalid/not-json.json")));
    expect(error.message).toMatch(/not-json\.json is not valid JSON/);
  });

  it("refuses another dialect or version", async () => {
    const error = await errorOf(loadSnapshot(fixture("invalid/wrong-dialect.json")));
    expect(error.message).toContain('found dialect "mysql", version "5"');
  });

  it("gives the path of a missing field", async () => {
    const error = await errorOf(loadSnapshot(fixture("invalid/missing-type.json")));
    expect(error.message).toContain("tables.public.users.columns.id.type");
  });
});

describe("resolveLatestSnapshot", () => {
  it("follows the journal's last entry and lists its migrations in order", async () => {
    const source = await resolveLatestSnapshot(fixture("catalog"));
    expect(source.snapshotPath).toBe(fixture("catalog/meta/0001_snapshot.json"));
    expect(source.migrationPaths).toEqual([fixture("catalog/0000_catalog.sql"), fixture("catalog/0001_security.sql")]);
  });

  it("explains a folder without a journal", async () => {
    const error = await errorOf(resolveLatestSnapshot(fixture("invalid")));
    expect(error.message).toMatch(/drizzle-kit journal not found: .*_journal\.json/);
  });
});
