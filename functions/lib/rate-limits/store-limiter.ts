import type { Caller, Credentials, RequestContext } from "../../../db/runner/context";
import { nothing } from "../../../db/runner/plan";
import type { Ran, Runner } from "../../../db/runner/runner";
import { subjectOf } from "../credentials/subject";
import { ApiError, tooManyRequests } from "../errors";
import { findPgError } from "../pg-errors";
import { recentMap } from "../recent";
import type { RateLimiter } from "./limiter";
import { ruleBook } from "./rules";

/** Where counters live outside the database: one atomic increment of a fixed window per call. */
export type CounterStore = {
  /** Counts one hit on `key` in the current `periodSeconds` window, by the store's clock. */
  hit(key: string, periodSeconds: number): Promise<{ hits: number; resetAt: Date }>;
};

/** How many subjects' tiers are remembered; past it the longest unused is forgotten (and asked again). */
const KNOWN_SUBJECTS = 10_000;

/** Whose counter a request's hit goes to: the caller as its credentials say (subjectOf), else its address. */
const counterOf = (credentials: Credentials | undefined, ip: string | undefined) =>
  subjectOf(credentials) ?? `ip:${ip ?? "unknown"}`;

/**
 * Whose allowance a resolved caller spends: its user's, whichever credential it presented (a token, any of its
 * API keys, a provider's token), as in the database (app_auth.begin_request); nobody's resolved: the subject's.
 */
const ownerOf = (caller: Caller, subject: string) => (caller.userId ? `user:${caller.userId}` : subject);

const anonymous: Caller = {
  userId: null,
  isSuperuser: false,
  keyId: null,
  sessionId: null,
  tierId: null,
  rateLimit: null,
  claimedKey: false,
};

/**
 * Rate limits counted in a store outside the database (Redis), so that no request writes on the primary to be
 * counted. The rules come from the database (rules.ts); a subject's tier is learned from the caller each of
 * its transactions resolves, so the hit can be counted before or beside the transaction:
 *
 * - a write counts first, and runs its transaction only if under the limit: a 429 has written nothing;
 * - a read counts beside its transaction (both at once) and answers 429 without its result when over;
 * - a subject not seen yet (since the process started) is resolved first, by a context statement alone, for a
 *   write; a read counts after its transaction.
 *
 * A tier change (billing, an admin) applies to the subject's next read (which learns it and counts again, on the
 * new tier's counter) and to the write after the next; the count itself is exact under any concurrency, as the
 * store's increment is atomic. Refused credentials (PT401)
 * leave the hit uncounted, so the request is counted against the client's address, as in the database.
 */
export function storeLimiter(store: CounterStore, { rulesTtlMs }: { rulesTtlMs: number }): RateLimiter {
  const rules = ruleBook(rulesTtlMs);
  /** What a subject's transactions resolved: its tier, and whose allowance it spends (its user's, for a key). */
  const known = recentMap<{ tierId: string | null; counter: string }>(KNOWN_SUBJECTS);
  const learn = (subject: string, caller: Caller) =>
    known.set(subject, { tierId: caller.tierId, counter: ownerOf(caller, subject) });
  const tierOf = (subject: string, context: RequestContext) =>
    context.credentials ? known.get(subject)?.tierId : null;
  /** The counter a subject's hits go to: its user's once known, so that every key of a user shares one allowance. */
  const counterFor = (subject: string) => known.get(subject)?.counter ?? subject;

  /**
   * The caller, resolved by a context statement alone (read-only, counting nothing). `checks: false` for a
   * request that already failed: an inactive user's refused request is counted, as in the database.
   */
  const resolve = async (runner: Runner, context: RequestContext, checks = true) =>
    (await runner.batch({ ...context, route: undefined, readOnly: true }, () => nothing(undefined), checks)).caller;

  /**
   * Counters found over their limit, until their window ends: a request on one is refused before anything runs,
   * its transaction included (a read otherwise counts beside its transaction, and only the first read over the
   * limit in a window still runs one).
   */
  const over = recentMap<{ limit: number; resetAt: Date }>(KNOWN_SUBJECTS);
  const counterKey = (ruleId: string, subject: string) => `rl:${ruleId}:${counterFor(subject)}`;

  type MatchedRule = Awaited<ReturnType<typeof rules.match>>;

  /** A 429 for a counter already over its limit in this window; none otherwise. */
  const alreadyOver = (rule: MatchedRule, subject: string) => {
    const known = rule && over.get(counterKey(rule.id, subject));
    // A limit changed since (an admin raised it) is the store's to judge again.
    return known && known.limit === rule.limit && known.resetAt.getTime() > Date.now()
      ? tooManyRequests(known.limit, known.resetAt)
      : undefined;
  };

  /** Counts the hit on the subject's counter: the window, or none when no rule applies. Throws a 429 over the limit. */
  const hit = async (runner: Runner, subject: string, tierId: string | null, route: string) =>
    hitRule(await rules.match(runner, tierId, route), subject);
  const hitRule = async (rule: MatchedRule, subject: string) => {
    if (!rule) return null;
    const key = counterKey(rule.id, subject);
    const { hits, resetAt } = await store.hit(key, rule.period);
    if (hits > rule.limit) {
      over.set(key, { limit: rule.limit, resetAt });
      throw tooManyRequests(rule.limit, resetAt);
    }
    return { limit: rule.limit, hits, resetAt };
  };

  return {
    async run(runner, context, flight, counted) {
      const { route } = context;
      if (!route) return flight(context);
      const inDatabase = { ...context, route: undefined };
      const subject = counterOf(context.credentials, context.ip);
      const withWindow = <T>(ran: Ran<T>, rateLimit: Caller["rateLimit"]): Ran<T> => {
        learn(subject, ran.caller);
        return { ...ran, caller: { ...ran.caller, rateLimit } };
      };
      /** The hit, counted (over the limit too: the 429 is its answer); a store that failed counted nothing. */
      const counting = async (tierId: string | null) => {
        try {
          const window = await hit(runner, subject, tierId, route);
          counted(window);
          return window;
        } catch (error) {
          if (error instanceof ApiError && error.status === 429) counted();
          throw error;
        }
      };
      let tierId = tierOf(subject, context);
      if (!context.readOnly) {
        if (tierId === undefined) {
          const caller = await resolve(runner, inDatabase);
          learn(subject, caller);
          tierId = caller.tierId;
        }
        const window = await counting(tierId);
        return withWindow(await flight(inDatabase), window);
      }
      if (tierId === undefined) {
        const ran = await flight(inDatabase);
        learn(subject, ran.caller); // first, so that the hit goes to the owner's counter
        return withWindow(ran, await counting(ran.caller.tierId));
      }
      // A read of a caller already over its limit: refused before its transaction runs.
      const rule = await rules.match(runner, tierId, route);
      const refusedBefore = alreadyOver(rule, subject);
      if (refusedBefore) {
        counted();
        throw refusedBefore;
      }
      // A read: the count and the transaction at once. Over the limit (or the store unreachable), that is the
      // answer, whatever the transaction gave.
      const [window, ran] = await Promise.allSettled([hitRule(rule, subject), flight(inDatabase)]);
      const refused = ran.status === "rejected" && findPgError(ran.reason)?.code === "PT401";
      if (window.status === "rejected") {
        if (window.reason instanceof ApiError && window.reason.status === 429) counted();
        throw window.reason;
      }
      if (ran.status === "rejected") {
        // Refused credentials: counted against the client's address on the way out instead.
        if (!refused) counted(window.value);
        throw ran.reason;
      }
      counted();
      // The subject's tier changed since its last request: the hit belongs to the new tier's counter.
      if (ran.value.caller.tierId !== tierId) return withWindow(ran.value, await counting(ran.value.caller.tierId));
      return withWindow(ran.value, window.value);
    },
    async countFailed(runner, context, { alreadyCounted = false } = {}) {
      const { route } = context;
      const caller = context.credentials ? await resolve(runner, context, false) : anonymous;
      const subject = counterOf(context.credentials, context.ip);
      if (context.credentials) learn(subject, caller);
      if (alreadyCounted) return caller;
      return { ...caller, rateLimit: route ? await hit(runner, subject, caller.tierId, route) : null };
    },
  };
}
