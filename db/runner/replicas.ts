import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../client";
import { findPgError } from "../pg-error";
import type { RequestContext } from "./context";
import { type Plan, plan } from "./plan";
import { connectionLost } from "./retry";
import type { Ran, Runner } from "./runner";

/** A read replica's runner (a streaming standby, a Neon read replica: the same login role, read-only). */
export type Replica = { name: string; runner: Runner };

/** What served the reads so far, for tests and benchmarks. */
export type ReplicaStats = { replica: number; primary: number; fellBack: Record<string, number> };

/** How long a replica that could not be reached is left alone before it is tried again. */
const RESTING_MS = 5_000;

/**
 * Where the replica stands, read in the read's own transaction, first (one round trip still): the WAL position
 * it has replayed (compared with the primary's positions, see primaryClock), and, for a process that has not
 * watched the primary long enough yet, the age of the last commit it replayed while it has more to replay.
 */
const FRESHNESS = sql`select pg_last_wal_replay_lsn()::text as replayed,
  case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
       else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000, 0) end as lag_ms`;

/**
 * The primary's WAL position over time, told by every write and by asking the primary (a statement of
 * microseconds) at most every `everyMs`: a replica lags more than `maxLagMs` exactly when it has not replayed
 * where the primary stood `maxLagMs` ago. Unlike the age of the last replayed commit, this is right both when
 * the primary is idle (nothing to replay is no lag) and when the replica was cut off from it (no role here may
 * read pg_stat_wal_receiver). An observation older than twice the bound is not used to judge by (a clock that
 * was not told anything for a while knows nothing about now).
 *
 * On Node the runner asks on a timer. A Worker keeps one clock per isolate and asks beside a replica read, at
 * most every `everyMs` (tick): the read does not wait for it, the request's closing (after the response) does,
 * as timers do not run between requests there.
 */
export function primaryClock(maxLagMs: number) {
  // In order of time; `upTo` is the latest position of this observation and every earlier one, so that where
  // the primary stood at any moment is one binary search away, however many writes were noted meanwhile.
  const seen: { at: number; lsn: string; upTo: string }[] = [];
  const everyMs = Math.max(100, Math.min(1_000, maxLagMs / 4));
  let askedAt = Number.NEGATIVE_INFINITY;
  const note = (lsn: string | undefined, at = Date.now()) => {
    if (!lsn) return;
    // In order of time: a late answer to an earlier question goes before what was noted since.
    let i = seen.length;
    while (i > 0 && (seen[i - 1]?.at ?? 0) > at) i--;
    seen.splice(i, 0, { at, lsn, upTo: lsn });
    for (let j = i; j < seen.length; j++) {
      const entry = seen[j] as (typeof seen)[number];
      entry.upTo = laterLsn(seen[j - 1]?.upTo, entry.lsn) as string;
    }
    // Keep the newest observation old enough to judge by, and every later one.
    const cut = Date.now() - maxLagMs;
    while (seen.length > 1 && (seen[1]?.at ?? Number.POSITIVE_INFINITY) <= cut) seen.shift();
  };
  return {
    everyMs,
    note,
    /** The latest position the primary was seen at (its writes here, or asked); none before the first. */
    newest: () => seen.at(-1)?.upTo,
    /** Where the primary stood `maxLagMs` ago; none while nothing recent enough was observed. */
    bound: () => {
      const now = Date.now();
      // The newest observation at least `maxLagMs` old.
      let after = 0;
      let before = seen.length;
      while (after < before) {
        const middle = (after + before) >> 1;
        if ((seen[middle]?.at ?? 0) <= now - maxLagMs) after = middle + 1;
        else before = middle;
      }
      const newest = seen[after - 1];
      return newest && newest.at > now - 2 * maxLagMs ? newest.upTo : undefined;
    },
    /**
     * Asks the primary where it stands, unless it was asked less than `everyMs` ago (`always`: a timer that fires
     * every `everyMs` asks each time, whatever a millisecond of drift says); the asking, to wait for.
     */
    tick(ask: () => Promise<string | undefined>, always = false): Promise<void> | undefined {
      const at = Date.now();
      if (!always && at - askedAt < everyMs) return undefined;
      askedAt = at;
      return ask().then(
        (lsn) => note(lsn, at),
        () => {},
      );
    },
  };
}
export type PrimaryClock = ReturnType<typeof primaryClock>;

type Freshness = { replayed: string | null; lag_ms: number | string | null };

/** A WAL position (`16/B374D848`) as a number, to compare. */
export function lsnValue(lsn: string): bigint {
  const [high, low] = lsn.split("/");
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/** The later of two WAL positions. */
export const laterLsn = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : lsnValue(a) >= lsnValue(b) ? a : b;

/** Why a replica's answer is not the answer: the primary is asked instead. */
function reasonToLeave(error: unknown): string | undefined {
  const code = findPgError(error)?.code;
  // No SQLSTATE (refused, reset, timed out) or one that says the server is going or not there yet (57P0x, 08xxx).
  if (!code || connectionLost(error)) return "unreachable";
  // 25006: the read wrote after all (an identity provider's first sign-in provisions the user); 40001: a query
  // cancelled by a conflict with recovery; PT401: credentials the replica does not know yet (a user who just
  // registered, a key just made) are the primary's to refuse.
  if (code === "25006") return "wrote";
  if (code === "40001") return "recovery conflict";
  if (code === "PT401") return "credentials";
  return undefined;
}

/**
 * Reads on read replicas, everything else on the primary. A GET or HEAD batch whose rate-limit hit is not
 * counted in the database (the context has no route: RATE_LIMIT_STORE=redis counts outside it) runs as a
 * read-only transaction on the next replica in turn, whose first statement says where it stands. The primary
 * answers instead, with no error to the client, when the replica:
 *
 * - lags more than `maxLagMs`: has not replayed where the primary stood `maxLagMs` ago (primaryClock);
 * - has not replayed the caller's last write (`context.after`, a commit position): read-your-writes. A position
 *   beyond any this process has seen the primary at (a consistency token may name any) goes to the primary
 *   without reading the replica first;
 * - cannot be reached (it is then left alone for a few seconds), or refuses what only the primary may decide
 *   (see reasonToLeave).
 *
 * Writes, interactive transactions and single statements run on the primary, which reports where each write's
 * commit ended (Ran.position) for the caller's next reads.
 */
export function replicatedRunner(
  primary: Runner,
  replicas: Replica[],
  { maxLagMs, clock: shared }: { maxLagMs: number; clock?: PrimaryClock },
): Runner & { stats: ReplicaStats } {
  const stats: ReplicaStats = { replica: 0, primary: 0, fellBack: {} };
  const ask = async () =>
    rowsOf<{ lsn: string }>(await primary.statement(sql`select pg_current_wal_lsn()::text as lsn`))[0]?.lsn;
  // A clock of its own, asking on a timer (a long-lived process), or the isolate's, asked after reads (Workers).
  const clock = shared ?? primaryClock(maxLagMs);
  const asking: Promise<void>[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  if (!shared) {
    clock.tick(ask, true);
    timer = setInterval(() => clock.tick(ask, true), clock.everyMs);
    (timer as { unref?: () => void }).unref?.();
  }
  const restingUntil = new Map<string, number>();
  let next = 0;
  const fellBack = (reason: string) => {
    stats.fellBack[reason] = (stats.fellBack[reason] ?? 0) + 1;
    stats.primary++;
  };
  const pick = () => {
    const now = Date.now();
    for (let i = 0; i < replicas.length; i++) {
      const replica = replicas[(next + i) % replicas.length] as Replica;
      if ((restingUntil.get(replica.name) ?? 0) <= now) {
        next = (next + i + 1) % replicas.length;
        return replica;
      }
    }
    return undefined;
  };
  const onReplica = (context: RequestContext) => context.readOnly && !context.route && !context.billing;

  return {
    ...primary,
    stats,
    async batch<T>(context: RequestContext, build: (q: Database) => Plan<T>, checks = true): Promise<Ran<T>> {
      const replica = onReplica(context) ? pick() : undefined;
      if (replica && shared) {
        const asked = clock.tick(ask);
        if (asked) asking.push(asked);
      }
      if (!replica) {
        if (context.readOnly) stats.primary++;
        const ran = await primary.batch(context, build, checks);
        clock.note(ran.position);
        return ran;
      }
      // Read-your-writes beyond any position this process has seen the primary at: a write through another process a
      // moment ago, or a made-up consistency token (a client may send any). The primary answers at once, not the
      // replica first and then the primary: a token costs the primary a read at most, never two reads.
      const newest = clock.newest();
      if (context.after && (newest === undefined || lsnValue(context.after) > lsnValue(newest))) {
        fellBack("beyond the primary's known position");
        return primary.batch(context, build, checks);
      }
      let ran: Ran<{ freshness: Freshness | undefined; value: () => T }>;
      try {
        ran = await replica.runner.batch(
          context,
          (q) => {
            const inner = build(q);
            // The replica's standing first, then the plan; the plan's answer is made only once it is kept.
            return plan([q.execute(FRESHNESS), ...inner.queries], ([fresh, ...results]) => ({
              freshness: rowsOf<Freshness>(fresh)[0],
              value: () => inner.map(results),
            }));
          },
          checks,
        );
      } catch (error) {
        const reason = reasonToLeave(error);
        if (!reason) throw error;
        if (reason === "unreachable") restingUntil.set(replica.name, Date.now() + RESTING_MS);
        fellBack(reason);
        return primary.batch(context, build, checks);
      }
      const { freshness, value } = ran.value();
      const replayed = freshness?.replayed ? lsnValue(freshness.replayed) : undefined;

      const bound = clock.bound();
      const lagging =
        replayed === undefined ||
        (bound ? replayed < lsnValue(bound) : Number(freshness?.lag_ms ?? Number.POSITIVE_INFINITY) > maxLagMs);
      if (lagging) {
        fellBack("lagging");
        return primary.batch(context, build, checks);
      }
      if (context.after && replayed < lsnValue(context.after)) {
        fellBack("behind the caller's write");
        return primary.batch(context, build, checks);
      }
      stats.replica++;
      return { caller: ran.caller, value };
    },
    async transaction(context, fn) {
      const ran = await primary.transaction(context, fn);
      clock.note(ran.position);
      return ran;
    },
    async close() {
      clearInterval(timer);
      await Promise.all(asking);
      await Promise.all([primary.close(), ...replicas.map((replica) => replica.runner.close())]);
    },
  };
}
