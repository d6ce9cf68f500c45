/**
 * How a request's statements are written. A service does not await its queries: it returns them, and the
 * request's runner sends them with the request's context statement as one transaction, in one round trip
 * (Neon's HTTP API takes a whole transaction per request; node-postgres pipelines it). Awaiting a query inside
 * would be a round trip per statement at the edge. So a service writes what Drizzle's `db.batch` takes, the
 * queries, and says what to make of their results:
 *
 *   scope.batch((q) => [q.select().from(items).where(eq(items.id, id))], ([rows]) => found(rows[0]))
 *
 * `batch` (below) is that: Drizzle queries (or plans of the CRUD layer) in, a typed tuple of their results out,
 * handed to a function that runs **after the transaction committed**: it may throw (not found) but may not query.
 * A flow that must read before it decides what to write uses an interactive transaction (scope.transaction).
 */

/**
 * A Drizzle query not yet run. Drizzle's builders are lazy: nothing is sent until they are awaited, so a
 * service can build every statement of its transaction first and let a runner decide how they travel.
 */
export type Query = PromiseLike<unknown>;

/**
 * The statements of one transaction and how their results become the service's answer. A runner sends
 * `queries` in order, as one batch where the driver allows it (one round trip on Neon's HTTP API), and calls
 * `map` with their results. A plan is also awaitable: inside an interactive transaction (maintenance, tests),
 * `await plan` runs its queries one after another on the transaction that built them.
 */
export type Plan<T> = Promise<T> & {
  readonly queries: readonly Query[];
  readonly map: (results: readonly unknown[]) => T;
};

export function plan<T>(queries: readonly Query[], map: (results: readonly unknown[]) => T): Plan<T> {
  // Runs only when awaited: building a plan sends nothing.
  const run = async () => {
    const results: unknown[] = [];
    for (const query of queries) results.push(await query);
    return map(results);
  };
  return {
    queries,
    map,
    // biome-ignore lint/suspicious/noThenProperty: a plan is awaitable on purpose (see above)
    then: (onFulfilled, onRejected) => run().then(onFulfilled, onRejected),
    catch: (onRejected) => run().catch(onRejected),
    finally: (onFinally) => run().finally(onFinally),
    [Symbol.toStringTag]: "Plan",
  };
}

/** One query, its result as Drizzle gives it. */
export const one = <Q extends Query>(query: Q): Plan<Awaited<Q>> =>
  plan([query], (results) => results[0] as Awaited<Q>);

/** A plan with no statements (e.g. inserting an empty list). */
export const nothing = <T>(value: T): Plan<T> => plan([], () => value);

/** A plan's result, changed by `fn` (which may throw, e.g. not found, once the results are in). */
export const andThen = <A, B>(base: Plan<A>, fn: (value: A) => B): Plan<B> =>
  plan(base.queries, (results) => fn(base.map(results)));

type Results<P extends readonly Plan<unknown>[]> = { -readonly [K in keyof P]: P[K] extends Plan<infer T> ? T : never };

/** What each step of a batch gives: a Drizzle query its rows (as awaiting it would), a plan its answer. */
export type BatchResults<S extends readonly Query[]> = { -readonly [K in keyof S]: Awaited<S[K]> };

const isPlan = (step: Query): step is Plan<unknown> => "queries" in step && "map" in step;

/**
 * Drizzle's `db.batch` for a request: `steps` (Drizzle queries, or plans of the CRUD layer such as
 * `rows.list(q, query)`) in one transaction, in order; `answer` gets their results as a typed tuple once they
 * are all in, after COMMIT.
 */
export function batch<const S extends readonly Query[], T>(steps: S, answer: (results: BatchResults<S>) => T): Plan<T> {
  const plans = steps.map((step) => (isPlan(step) ? step : one(step)));
  return andThen(all(...plans), (results) => answer(results as BatchResults<S>));
}

/** Several plans in one transaction, in order; their results as a tuple. */
export function all<P extends readonly Plan<unknown>[]>(...plans: P): Plan<Results<P>> {
  const queries = plans.flatMap((p) => p.queries);
  return plan(queries, (results) => {
    let offset = 0;
    return plans.map((p) => {
      const mine = results.slice(offset, offset + p.queries.length);
      offset += p.queries.length;
      return p.map(mine);
    }) as Results<P>;
  });
}
