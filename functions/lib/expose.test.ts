import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { exposing, isoString } from "./expose";

describe("isoString", () => {
  it("gives what toISOString gives, over random instants of years 1000-9999 and the edges around them", () => {
    const low = Date.UTC(1000, 0, 1);
    const high = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const edges = [0, -1, 1, low, low - 1, high, high + 1, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(-5, 0, 1)];
    const random = Array.from({ length: 20_000 }, () => low - 1e11 + Math.floor(Math.random() * (high - low + 2e11)));
    for (const ms of [...edges, ...random]) {
      const date = new Date(ms);
      expect(isoString(date)).toBe(date.toISOString());
    }
  });

  it("refuses an invalid date as toISOString does", () => {
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("exposing", () => {
  const show = exposing(z.object({ id: z.string(), created_at: z.string(), note: z.string().nullable() }));

  it("keeps only the schema's fields, and writes Dates as ISO 8601 strings", () => {
    const row = { id: "a", created_at: new Date(Date.UTC(2026, 11, 6, 22, 23, 48, 859)), note: null, secret: "x" };
    expect(show(row)).toEqual({ id: "a", created_at: "2026-12-06T22:23:48.859Z", note: null });
  });

  it("leaves out a field the row does not have", () => {
    expect(Object.keys(show({ id: "a" }))).toEqual(["id"]);
  });
});
