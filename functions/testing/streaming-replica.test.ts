import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/client";
import { openPg } from "../../db/drivers/node-postgres/open";
import { testDriver } from "./harness";
import { type StreamingReplica, startStreamingReplica } from "./streaming-replica";

// The replica fixture itself: a real standby that replays the primary's writes, late by the apply delay, so a
// naive read from it misses a fresh write. Once per CI run (on the Postgres server's pg driver run): it needs
// the server's binaries, and starting two servers takes seconds.
const replicas: StreamingReplica[] = [];
afterAll(() => {
  for (const replica of replicas) replica.stop();
});

const count = async (url: string, table: string) => {
  const db = openPg(url, { max: 1 });
  try {
    return rowsOf<{ n: number }>(await db.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]?.n;
  } finally {
    await db.close();
  }
};
const write = async (url: string, statement: string) => {
  const db = openPg(url, { max: 1 });
  try {
    await db.db.execute(sql.raw(statement));
  } finally {
    await db.close();
  }
};

describe.runIf(process.env.TEST_DATABASE_URL && testDriver() === "pg")("a streaming replica made for a test", () => {
  it("is read-only, and misses a fresh write for the apply delay, then has it", { timeout: 60_000 }, async () => {
    const replica = await startStreamingReplica({ applyDelayMs: 1_000 });
    replicas.push(replica);
    await write(replica.primaryUrl, "create table t (id int)");
    // The table's creation reaches the standby after the delay too.
    await expect.poll(() => count(replica.standbyUrl, "t").catch(() => undefined), { timeout: 10_000 }).toBe(0);

    await write(replica.primaryUrl, "insert into t values (1)");
    expect(await count(replica.primaryUrl, "t")).toBe(1);
    expect(await count(replica.standbyUrl, "t")).toBe(0);
    await sleep(1_200);
    await expect.poll(() => count(replica.standbyUrl, "t"), { timeout: 5_000 }).toBe(1);

    const refused = await write(replica.standbyUrl, "insert into t values (2)").catch((error: Error) => error);
    expect(String((refused as Error).cause ?? refused)).toMatch(/read-only transaction/);

    replica.stopStandby();
    await expect(count(replica.standbyUrl, "t")).rejects.toThrow();
    expect(await count(replica.primaryUrl, "t")).toBe(1);
  });
});
