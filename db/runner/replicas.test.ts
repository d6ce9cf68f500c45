import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { laterLsn, primaryClock } from "./replicas";

// The primary's clock judges a replica's lag by where the primary stood `maxLagMs` ago. What it may conclude
// from what it was told, on a clock the test moves (functions/replicas.test.ts and worker-replicas.test.ts run
// the whole on a real standby).
describe("the primary's clock", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it("give no bound until an observation is `maxLagMs` old, then the newest such", () => {
    const clock = primaryClock(1_000);
    clock.note("0/100");
    expect(clock.bound()).toBeUndefined();
    vi.advanceTimersByTime(500);
    clock.note("0/200");
    vi.advanceTimersByTime(600); // 0/100 is 1.1 s old, 0/200 0.6 s
    expect(clock.bound()).toBe("0/100");
    vi.advanceTimersByTime(400);
    expect(clock.bound()).toBe("0/200");
  });

  it("place a late answer by when it was asked, not when it came", () => {
    const clock = primaryClock(1_000);
    clock.note("0/300", Date.now());
    clock.note("0/250", Date.now() - 200); // asked 200 ms ago, answered now
    vi.advanceTimersByTime(900); // 0/250 is 1.1 s old, 0/300 0.9 s
    expect(clock.bound()).toBe("0/250");
  });

  it("keep the latest position told of by then, when a later observation tells of an earlier one", () => {
    const clock = primaryClock(1_000);
    // An answer read after a write committed, placed by when it was asked: before the write, yet further on.
    clock.note("0/500", Date.now() - 300);
    clock.note("0/400", Date.now() - 100);
    vi.advanceTimersByTime(950); // both are over 1 s old
    expect(clock.bound()).toBe("0/500");
    clock.note("0/600");
    expect(clock.bound()).toBe("0/500");
    vi.advanceTimersByTime(1_000);
    expect(clock.bound()).toBe("0/600");
  });

  it("know nothing of now from observations older than twice the bound", () => {
    const clock = primaryClock(1_000);
    clock.note("0/100");
    vi.advanceTimersByTime(1_500);
    expect(clock.bound()).toBe("0/100");
    vi.advanceTimersByTime(1_000); // 2.5 s: the primary may have moved far past it since
    expect(clock.bound()).toBeUndefined();
  });

  it("ask the primary at most every `everyMs`", async () => {
    const clock = primaryClock(1_000);
    const ask = vi.fn(async () => "0/A0");
    await clock.tick(ask);
    expect(clock.tick(ask)).toBeUndefined();
    vi.advanceTimersByTime(clock.everyMs);
    await clock.tick(ask);
    expect(ask).toHaveBeenCalledTimes(2);
    // A timer firing every `everyMs` asks each time, even a millisecond early.
    vi.advanceTimersByTime(clock.everyMs - 1);
    await clock.tick(ask, true);
    expect(ask).toHaveBeenCalledTimes(3);
  });

  it("compare WAL positions as numbers, not text", () => {
    expect(laterLsn("0/9", "0/10")).toBe("0/10");
    expect(laterLsn("1/0", "0/FFFFFFFF")).toBe("1/0");
    expect(laterLsn(undefined, "0/1")).toBe("0/1");
  });
});
