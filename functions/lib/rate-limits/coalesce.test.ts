import { describe, expect, it } from "vitest";
import { coalescing } from "./coalesce";

/** A store whose answers the test releases: records what was sent alone and what together. */
function store() {
  const sent: (string | string[])[] = [];
  const waiting: (() => void)[] = [];
  const later = <T>(value: () => T) =>
    new Promise<T>((resolve, reject) =>
      waiting.push(() => {
        try {
          resolve(value());
        } catch (error) {
          reject(error);
        }
      }),
    );
  const call = coalescing<string, string>(
    (arg) => {
      sent.push(arg);
      return later(() => {
        if (arg === "bad") throw new Error("bad alone");
        return `${arg}!`;
      });
    },
    (args) => {
      sent.push(args);
      return later(() =>
        args.map(
          (arg): PromiseSettledResult<string> =>
            arg === "bad"
              ? { status: "rejected", reason: new Error("bad in batch") }
              : { status: "fulfilled", value: `${arg}!` },
        ),
      );
    },
  );
  const answer = () => {
    for (const release of waiting.splice(0)) release();
  };
  return { call, sent, answer };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("coalescing calls to a store", () => {
  it("sends a lone call at once, without waiting a turn of the event loop", async () => {
    const { call, sent, answer } = store();
    const answered = call("a");
    expect(sent).toEqual(["a"]);
    answer();
    expect(await answered).toBe("a!");
  });

  it("holds the calls made while one is outstanding and sends them together, each answered on its own", async () => {
    const { call, sent, answer } = store();
    const first = call("a");
    const held = [call("b"), call("bad"), call("c")];
    expect(sent).toEqual(["a"]);
    await turn();
    expect(sent).toEqual(["a", ["b", "bad", "c"]]);
    answer();
    expect(await first).toBe("a!");
    const results = await Promise.allSettled(held);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      "b!",
      "bad in batch",
      "c!",
    ]);
    // Nothing outstanding any more: the next call goes at once again.
    call("d");
    expect(sent.at(-1)).toBe("d");
  });

  it("sends a single held call alone, and a failed batch fails each of its calls", async () => {
    const failing = coalescing<string, string>(
      () => new Promise(() => {}),
      () => Promise.reject(new Error("store down")),
    );
    failing("outstanding");
    const held = [failing("x"), failing("y")];
    const results = await Promise.allSettled(held);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);

    const { call, sent, answer } = store();
    call("a");
    const alone = call("b");
    await turn();
    expect(sent).toEqual(["a", "b"]);
    answer();
    expect(await alone).toBe("b!");
  });
});
