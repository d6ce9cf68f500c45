type Held<A, R> = { arg: A; resolve: (value: R) => void; reject: (reason: unknown) => void };

/**
 * Calls to a remote store, sent at once while none is outstanding, and otherwise held until the event loop's
 * check phase (setImmediate), when every call held by then leaves together through `many` (Nagle's rule, for
 * calls). Under load, requests that arrive in the same turn of the event loop share one write and one read,
 * where each write to a socket is a system call; a lone request still goes out at once, without waiting a turn
 * (which cost more than it saved when nothing else was coming). `many` answers each call on its own, in order.
 */
export function coalescing<A, R>(
  one: (arg: A) => Promise<R>,
  many: (args: A[]) => Promise<PromiseSettledResult<R>[]>,
): (arg: A) => Promise<R> {
  let outstanding = 0;
  let held: Held<A, R>[] = [];
  const settled = <T>(promise: Promise<T>) => {
    outstanding++;
    return promise.finally(() => outstanding--);
  };
  const flush = () => {
    const batch = held;
    held = [];
    if (batch.length === 1) {
      const [only] = batch as [Held<A, R>];
      settled(one(only.arg)).then(only.resolve, only.reject);
      return;
    }
    settled(many(batch.map((call) => call.arg))).then(
      (results) =>
        batch.forEach((call, i) => {
          const result = results[i];
          if (result?.status === "fulfilled") call.resolve(result.value);
          else call.reject(result ? result.reason : new Error("no answer for a coalesced call"));
        }),
      (error) => {
        for (const call of batch) call.reject(error);
      },
    );
  };
  return (arg) => {
    if (outstanding === 0 && held.length === 0) return settled(one(arg));
    return new Promise<R>((resolve, reject) => {
      if (held.length === 0) setImmediate(flush);
      held.push({ arg, resolve, reject });
    });
  };
}
