import { describe, expect, it } from "vitest";
import { statementName, statementNames } from "./prepared";

describe("statement names", () => {
  it("come from the text alone: the same in every process, distinct for distinct texts, within Postgres's 63", () => {
    const texts = Array.from({ length: 20_000 }, (_, i) => `select ${i} from "items" where "owner_id" = $1`);
    const names = new Set(texts.map(statementName));
    expect(names.size).toBe(texts.length);
    expect(statementName(texts[0] as string)).toBe(statementName(`select 0 from "items" where "owner_id" = $1`));
    for (const name of [...names].slice(0, 10)) expect(name).toMatch(/^app_[0-9a-f]{16}$/);
  });

  it("stop for good once abandoned, which says true the first time only", () => {
    const names = statementNames(2);
    expect(names("select 1")).toBe(statementName("select 1"));
    names("select 2");
    expect(names("select 3"), "past the bound").toBeUndefined();
    expect(names.abandon()).toBe(true);
    expect(names.abandon()).toBe(false);
    expect(names("select 1")).toBeUndefined();
  });
});
