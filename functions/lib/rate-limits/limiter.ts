import type { Caller, RequestContext } from "../../../db/runner/context";
import { nothing } from "../../../db/runner/plan";
import type { Ran, Runner } from "../../../db/runner/runner";
import { findPgError } from "../pg-errors";

/**
 * How a request's rate-limit hit is counted, chosen by RATE_LIMIT_STORE: in the database (the default: the hit
 * is counted by the request's own context statement, so every request writes on the primary) or in a store
 * outside it (Redis: store-limiter.ts), which leaves a read's transaction free to run on a replica.
 */
export type RateLimiter = {
  /**
   * Runs a request's transaction (`flight`, given the context the database is to see) with the request's hit
   * counted; `counted` is called once the hit is counted (with its window, when known before the transaction
   * ends), whether or not the transaction then commits. Over
   * the limit it throws (a 429), and a write has then written nothing.
   */
  run<T>(
    runner: Runner,
    context: RequestContext,
    flight: (context: RequestContext) => Promise<Ran<T>>,
    counted: (rateLimit?: Caller["rateLimit"]) => void,
  ): Promise<Ran<T>>;
  /**
   * Counts a request that failed before its hit was counted (a 422, refused credentials, a transaction that
   * rolled back): the caller as far as it is known, with its window. Over the limit it throws (a 429).
   * `alreadyCounted`: the hit was counted before a transaction that then failed (a store outside Postgres
   * counts a write first): only who called is resolved, to record an API key's use.
   */
  countFailed(runner: Runner, context: RequestContext, options?: { alreadyCounted?: boolean }): Promise<Caller>;
};

/**
 * Counting in the database: the request's context statement counts the hit in its own transaction
 * (app_auth.begin_request), atomically, so under any concurrency exactly `limit` requests pass. A transaction
 * that rolled back took its count with it, except a refusal over the limit, which needs none.
 */
export const databaseLimiter: RateLimiter = {
  async run(_runner, context, flight, counted) {
    try {
      const ran = await flight(context);
      counted();
      return ran;
    } catch (error) {
      if (findPgError(error)?.code === "PT429") counted();
      throw error;
    }
  },
  async countFailed(runner, context, { alreadyCounted = false } = {}) {
    const counting = alreadyCounted ? { ...context, route: undefined } : context;
    return (await runner.batch(counting, () => nothing(undefined), false)).caller;
  },
};
