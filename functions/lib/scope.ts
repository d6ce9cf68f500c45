import type { Database, Tx } from "../../db/client";
import type { Caller, RequestContext } from "../../db/runner/context";
import { type BatchResults, batch, type Plan, type Query } from "../../db/runner/plan";
import type { Ran, Runner } from "../../db/runner/runner";
import { forbidden } from "./errors";
import { databaseLimiter, type RateLimiter } from "./rate-limits/limiter";

type RunOptions = {
  /** Refuse (403) unless the caller is a superuser; checked in the context statement, before any other. */
  superuserOnly?: boolean;
  /** As the Stripe webhook (rls_billing), for no user: only once Stripe's signature checked (functions/billing). */
  billing?: boolean;
};

/**
 * What a service needs of a request: a way to run its statements under the caller's RLS context. Services
 * build their statements as a plan and hand it to `run` (one transaction, one round trip on Neon's HTTP
 * API); only a flow with logic between statements uses `transaction`.
 */
export type Scope = {
  /**
   * Drizzle's `db.batch`, under the caller's RLS context: the queries `build` returns run in one transaction
   * (one round trip at the edge), and `answer` gets their results as a typed tuple after it committed
   * (db/runner/plan.ts says why a service does not await inside).
   */
  batch<const S extends readonly Query[], T>(
    build: (q: Database) => S,
    answer: (results: BatchResults<S>) => T,
    options?: RunOptions,
  ): Promise<T>;
  /** The same, for one plan already shaped (the CRUD layer's, `all`, `andThen`). */
  run<T>(build: (q: Database) => Plan<T>, options?: RunOptions): Promise<T>;
  transaction<T>(fn: (tx: Tx, caller: Caller) => Promise<T>, options?: RunOptions): Promise<T>;
  /** A database for work that opens its own transactions (maintenance on demand). */
  database(): Database;
};

/**
 * The request's scope and what the request middleware needs to know afterwards: whether the rate-limit hit
 * was counted (the limiter says when: in the database, a transaction that committed counted it and one that
 * rolled back did not; in Redis, the count comes before or beside the transaction), and the caller.
 * `contextNow` gives the request context each time a service runs: derived then from what the request's
 * middleware set (its credentials, the permission its route needs), never kept in an object they change.
 */
export function createScope(runner: Runner, contextNow: () => RequestContext, limiter: RateLimiter = databaseLimiter) {
  const state = {
    counted: false,
    caller: undefined as Caller | undefined,
    /** The hit's window as the limiter counted it, for a request whose transaction then failed (no caller). */
    rateLimit: undefined as Caller["rateLimit"] | undefined,
    /** Where the request's last write committed in the WAL, when the runner reports it (read replicas). */
    position: undefined as string | undefined,
    /** The request's Idempotency-Key went to a transaction (only its first: one claim per request). */
    keySent: false,
    /** A transaction of the request claimed its Idempotency-Key and committed: its answer is to be kept. */
    claimedKey: false,
  };
  const contextFor = (options: RunOptions): RequestContext => {
    const context = contextNow();
    // Closed by default: an API key reaches only routes that name the permission it needs (permit), so a
    // route that forgets to is refused to keys rather than open to every key of the user.
    if (context.credentials?.via === "api_key" && context.permission === undefined) {
      throw forbidden("This route does not accept API keys: use an access token");
    }
    // The key goes with the request's first write transaction only: a second would find it taken (by itself).
    const idempotency = state.keySent || context.readOnly ? undefined : context.idempotency;
    if (idempotency) state.keySent = true;
    return {
      ...context,
      ...options,
      // One hit per request: a request that runs a second transaction is not counted twice.
      route: state.counted ? undefined : context.route,
      idempotency,
    };
  };
  const settle = async <T>(context: RequestContext, flight: (context: RequestContext) => Promise<Ran<T>>) => {
    const { caller, value, position } = await limiter.run(runner, context, flight, (rateLimit) => {
      state.counted = true;
      state.rateLimit = rateLimit ?? state.rateLimit;
    });
    state.caller = caller;
    state.claimedKey ||= caller.claimedKey;
    state.position = position ?? state.position;
    return value();
  };
  const scope: Scope = {
    batch: async (build, answer, options = {}) =>
      settle(contextFor(options), (context) => runner.batch(context, (q) => batch(build(q), answer))),
    run: async (build, options = {}) => settle(contextFor(options), (context) => runner.batch(context, build)),
    transaction: async (fn, options = {}) => settle(contextFor(options), (context) => runner.transaction(context, fn)),
    database: () => runner.database(),
  };
  return { scope, state };
}

export const scopeOf = (c: { get: (key: "scope") => Scope }): Scope => c.get("scope");
