import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../functions/testing/harness";
import { rowsOf } from "./client";
import { DEFAULT_LIMITS, DEFAULT_TIER, ensureDefaultTier } from "./seed";

// The default tier comes with the schema (drizzle/0028_default_tier.sql), so a database made by any path limits
// requests from its first one. Its values are written twice, in that migration and in db/seed.ts (which restores
// them where they were removed): here the two are held equal.

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase({ tiers: "migrated" });
});
afterAll(() => t.close());

const defaults = () =>
  t.asOwner(async (tx) =>
    rowsOf<{ tier: string; description: string; name: string; path: string; limit: number; period: number }>(
      await tx.execute(sql`select t.name as tier, t.description, r.name, r.path, r."limit", r.period
        from tiers t join rate_limits r on r.tier_id = t.id where t.is_default`),
    ),
  );

describe("the default tier", () => {
  it("is made by the migrations, with the limits db/seed.ts declares", async () => {
    const rows = await defaults();
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
    expect(rows.map(({ name, path, limit, period }) => ({ name, path, limit, period })).sort(byPath)).toEqual(
      [...DEFAULT_LIMITS].sort(byPath),
    );
    expect(new Set(rows.map((row) => `${row.tier}: ${row.description}`))).toEqual(
      new Set([`${DEFAULT_TIER.name}: ${DEFAULT_TIER.description}`]),
    );
  });

  it("is left as it is by the seed, and by migrating again", async () => {
    expect(await ensureDefaultTier(t.maintenance)).toBe(false);
    await t.migrateAgain();
    expect(await defaults()).toHaveLength(DEFAULT_LIMITS.length);
  });
});
