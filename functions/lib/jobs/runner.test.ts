import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listenOn } from "../../../db/drivers/node-postgres/listen";
import { jobs } from "../../../db/schema";
import { runMaintenance } from "../../maintenance/run";
import { insertUser, openTestDatabase, type TestDatabase, testEnv } from "../../testing/harness";
import { loadConfig } from "../config";
import { backoffMs, enqueue, finishDone, finishFailed, takeDue } from "./queue";
import { type JobHandler, startJobRunner } from "./runner";

// The job queue on this run's database (PGlite, or a Postgres server): what a request enqueues in its own
// transaction, run by runners that take due jobs with FOR UPDATE SKIP LOCKED, retry, give up, and recover jobs
// whose runner died.
let t: TestDatabase;
let userId: string;
const running: { stop: () => Promise<void> }[] = [];

beforeAll(async () => {
  t = await openTestDatabase();
  userId = await insertUser(t, "jobs@example.com");
});
afterEach(async () => {
  for (const runner of running.splice(0)) await runner.stop();
  await t.asOwner((tx) => tx.delete(jobs));
});
afterAll(() => t.close());

const runner = (handlers: Record<string, JobHandler>, options: Partial<Parameters<typeof startJobRunner>[0]> = {}) => {
  const started = startJobRunner({ db: t.maintenance, handlers, pollMs: 20, backoff: () => 0, ...options });
  running.push(started);
  return started;
};
const rows = () => t.asOwner((tx) => tx.select().from(jobs));
const until = async (done: () => Promise<boolean>, ms = 10_000) => {
  for (const start = Date.now(); Date.now() - start < ms; ) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out");
};

describe("jobs", () => {
  it("are written in the request's transaction: one that rolls back owes nothing, one that commits runs once", async () => {
    await t
      .asUser(userId, async (tx) => {
        await enqueue(tx, { kind: "test.record", payload: { n: 1 }, ownerId: userId });
        throw new Error("roll back");
      })
      .catch(() => {});
    await t.asUser(userId, (tx) => enqueue(tx, { kind: "test.record", payload: { n: 2 }, ownerId: userId }));
    const seen: unknown[] = [];
    runner({ "test.record": async (payload) => void seen.push(payload.n) });
    await until(async () => (await rows()).every((job) => job.status === "done"));
    expect(seen).toEqual([2]);
    const [done] = await rows();
    expect(done).toMatchObject({ status: "done", attempts: 1, payload: {}, owner_id: userId });
  });

  it("a request may enqueue only for itself or for nobody, and reads no job", async () => {
    const other = await insertUser(t, "jobs-other@example.com");
    await expect(t.asUser(userId, (tx) => enqueue(tx, { kind: "test.record", ownerId: other }))).rejects.toThrow();
    await t.asUser(userId, (tx) => enqueue(tx, { kind: "test.record" }));
    await t.asAnon((tx) => enqueue(tx, { kind: "test.record" }));
    await expect(t.asUser(userId, (tx) => tx.select().from(jobs))).rejects.toThrow();
    expect(await rows()).toHaveLength(2);
  });

  it("are retried until they succeed, and end dead after their last attempt, kept and never retried", async () => {
    await t.asOwner(async (tx) => {
      await enqueue(tx, { kind: "test.flaky", payload: { id: "flaky" } });
      await enqueue(tx, { kind: "test.broken", maxAttempts: 3 });
    });
    let flaky = 0;
    let broken = 0;
    runner({
      "test.flaky": async () => {
        if (++flaky < 3) throw new Error(`flaky ${flaky}`);
      },
      "test.broken": async () => {
        broken++;
        throw new Error("always");
      },
    });
    await until(async () => (await rows()).every((job) => job.status === "done" || job.status === "dead"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const byKind = Object.fromEntries((await rows()).map((job) => [job.kind, job]));
    expect(byKind["test.flaky"]).toMatchObject({ status: "done", attempts: 3, last_error: null });
    expect(byKind["test.broken"]).toMatchObject({ status: "dead", attempts: 3, last_error: "always" });
    expect(byKind["test.broken"]?.finished_at).toBeInstanceOf(Date);
    expect([flaky, broken]).toEqual([3, 3]);
  });

  it("a job whose runner died is taken again when its lease ends, and the late runner changes nothing", async () => {
    await t.asOwner((tx) => enqueue(tx, { kind: "test.record", payload: { n: 1 } }));
    const [abandoned] = await takeDue(t.maintenance, { limit: 10, leaseMs: 300 });
    expect(abandoned).toMatchObject({ attempt: 1 });
    expect(await takeDue(t.maintenance, { limit: 10, leaseMs: 300 })).toEqual([]); // held
    const seen: number[] = [];
    runner({ "test.record": async (_payload, job) => void seen.push(job.attempt) });
    await until(async () => (await rows())[0]?.status === "done");
    expect(seen).toEqual([2]);
    if (abandoned) {
      expect(await finishDone(t.maintenance, [abandoned])).toBe(0);
      expect(await finishFailed(t.maintenance, abandoned, { error: "late", retryInMs: 0 })).toBe(false);
    }
  });

  it("two runners never run one job twice, nor one at the same time", async () => {
    await t.asOwner((tx) =>
      tx.insert(jobs).values(Array.from({ length: 200 }, (_, n) => ({ kind: "test.count", payload: { n } }))),
    );
    const runs = new Map<number, number>();
    const inFlight = new Set<number>();
    let overlaps = 0;
    const handler: JobHandler = async (payload) => {
      const n = payload.n as number;
      if (inFlight.has(n)) overlaps++;
      inFlight.add(n);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight.delete(n);
      runs.set(n, (runs.get(n) ?? 0) + 1);
    };
    runner({ "test.count": handler }, { batch: 7 });
    runner({ "test.count": handler }, { batch: 7 });
    await until(async () => (await rows()).every((job) => job.status === "done"), 30_000);
    expect(runs.size).toBe(200);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(overlaps).toBe(0);
  });

  it("a kind with no handler here is tried again later, not lost", async () => {
    await t.asOwner((tx) => enqueue(tx, { kind: "test.unknown" }));
    runner({}, { backoff: () => 60_000 });
    await until(async () => (await rows())[0]?.attempts === 1 && (await rows())[0]?.status === "pending");
    expect((await rows())[0]?.last_error).toMatch(/no handler for test.unknown/);
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    "wake at once on a committed enqueue (LISTEN/NOTIFY), not at the next poll",
    async () => {
      const seen: number[] = [];
      runner(
        { "test.record": async (payload) => void seen.push(payload.n as number) },
        {
          pollMs: 60_000,
          listen: (wake) => listenOn(t.maintenanceUrl as string, "app_jobs", wake),
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // listening, and asleep
      const committed = Date.now();
      await t.asUser(userId, (tx) => enqueue(tx, { kind: "test.record", payload: { n: 7 } }));
      await until(async () => seen.length === 1, 5_000);
      expect(Date.now() - committed).toBeLessThan(2_000);
    },
  );
});

describe("ended jobs", () => {
  it("are removed by the maintenance run: done a day after, dead after the retention period, none sooner", async () => {
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    await t.asOwner((tx) =>
      tx.insert(jobs).values([
        { kind: "test.old_done", status: "done", finished_at: ago(2) },
        { kind: "test.new_done", status: "done", finished_at: ago(0.5) },
        { kind: "test.old_dead", status: "dead", finished_at: ago(31) },
        { kind: "test.new_dead", status: "dead", finished_at: ago(2) },
        { kind: "test.waiting", status: "pending", run_at: ago(40) },
      ]),
    );
    const summary = await runMaintenance(t.maintenance, loadConfig({ ...testEnv, MAINTENANCE_RETENTION_DAYS: "30" }));
    expect(summary.jobsPruned.deleted).toBe(2);
    expect((await rows()).map((job) => job.kind).sort()).toEqual(["test.new_dead", "test.new_done", "test.waiting"]);
  });
});

describe("backoff", () => {
  it("doubles from 1-2 s up to 1-2 minutes, spread by jitter", () => {
    expect(backoffMs(1, () => 0)).toBe(1_000);
    expect(backoffMs(1, () => 1)).toBe(2_000);
    expect(backoffMs(3, () => 1)).toBe(8_000);
    expect(backoffMs(30, () => 1)).toBe(120_000);
    expect(backoffMs(30, () => 0)).toBe(60_000);
    // 25 attempts outlast 20 to 40 minutes of failures.
    const window = (random: number) =>
      Array.from({ length: 24 }, (_, i) => backoffMs(i + 1, () => random)).reduce((a, b) => a + b, 0) / 60_000;
    expect(window(0)).toBeGreaterThan(19);
    expect(window(1)).toBeLessThan(40);
  });
});
