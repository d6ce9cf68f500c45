import type { Database, Tx } from "../../db/client";
import type { Caller, RequestContext } from "../../db/runner/context";
import { type BatchResults, batch, type Plan, type Query } from "../../db/runner/plan";
import type { Ran, Runner } from "../../db/runner/runner";
import { forbidden } from "./errors";
import { findPgError } from "./pg-errors";

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
 * A refusal of the context statement that leaves nothing to count on the way out: a hit over the limit
 * changes nothing by being counted again. (Refused credentials, PT401, are counted on the way out, against
 * the client's address.)
 */
const NOTHING_TO_COUNT = new Set(["PT429"]);

/**
 * The request's scope and what the request middleware needs to know afterwards: whether the rate-limit hit
 * was counted (a transaction that committed counted it; one that rolled back did not), and the caller.
 * `contextNow` gives the request context each time a service runs: derived then from what the request's
 * middleware set (its credentials, the permission its route needs), never kept in an object they change.
 */
export function createScope(runner: Runner, contextNow: () => RequestContext) {
  const state = { counted: false, caller: undefined as Caller | undefined };
  const contextFor = (options: RunOptions): RequestContext => {
    const context = contextNow();
    // Closed by default: an API key reaches only routes that name the permission it needs (permit), so a
    // route that forgets to is refused to keys rather than open to every key of the user.
    if (context.credentials?.via === "api_key" && context.permission === undefined) {
      throw forbidden("This route does not accept API keys: use an access token");
    }
    return {
      ...context,
      ...options,
      // One hit per request: a request that runs a second transaction is not counted twice.
      route: state.counted ? undefined : context.route,
    };
  };
  const settle = async <T>(ran: Promise<Ran<T>>): Promise<T> => {
    try {
      const { caller, value } = await ran;
      state.counted = true;
      state.caller = caller;
      return value();
    } catch (error) {
      if (NOTHING_TO_COUNT.has(findPgError(error)?.code ?? "")) state.counted = true;
      throw error;
    }
  };
  const scope: Scope = {
    batch: async (build, answer, options = {}) =>
      settle(runner.batch(contextFor(options), (q) => batch(build(q), answer))),
    run: async (build, options = {}) => settle(runner.batch(contextFor(options), build)),
    transaction: async (fn, options = {}) => settle(runner.transaction(contextFor(options), fn)),
    database: () => runner.database(),
  };
  return { scope, state };
}

export const scopeOf = (c: { get: (key: "scope") => Scope }): Scope => c.get("scope");
