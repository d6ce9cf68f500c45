import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../client";
import { findPgError } from "../pg-error";
import type { RequestContext } from "./context";
import { type Plan, plan } from "./plan";
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
 * The primary's WAL position over time, asked every `everyMs` (a statement of microseconds) and told by every
 * write: a replica lags more than `maxLagMs` exactly when it has not replayed where the primary stood `maxLagMs`
 * ago. Unlike the age of the last replayed commit, this is right both when the primary is idle (nothing to
 * replay is no lag) and when the replica was cut off from it (no role here may read pg_stat_wal_receiver).
 */
function primaryClock(ask: () => Promise<string | undefined>, maxLagMs: number) {
  const seen: { at: number; lsn: string }[] = [];
  const note = (lsn: string | undefined, at = Date.now()) => {
    if (!lsn) return;
    seen.push({ at, lsn });
    seen.sort((a, b) => a.at - b.at);
    // Keep the newest observation old enough to judge by, and every later one.
    const cut = Date.now() - maxLagMs;
    while (seen.length > 1 && (seen[1]?.at ?? Number.POSITIVE_INFINITY) <= cut) seen.shift();
  };
  const everyMs = Math.max(100, Math.min(1_000, maxLagMs / 4));
  const poll = () => {
    const at = Date.now();
    ask().then(
      (lsn) => note(lsn, at),
      () => {},
    );
  };
  poll();
  const timer = setInterval(poll, everyMs);
  (timer as { unref?: () => void }).unref?.();
  return {
    note,
    /** Where the primary stood `maxLagMs` ago; none while this process has not watched it that long. */
    bound: () => {
      const cut = Date.now() - maxLagMs;
      let bound: string | undefined;
      for (const { at, lsn } of seen) if (at <= cut) bound = laterLsn(bound, lsn);
      return bound;
    },
    stop: () => clearInterval(timer),
  };
}

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
  if (!code) return "unreachable";
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
 * - has not replayed the caller's last write (`context.after`, a commit position): read-your-writes;
 * - cannot be reached (it is then left alone for a few seconds), or refuses what only the primary may decide
 *   (see reasonToLeave).
 *
 * Writes, interactive transactions and single statements run on the primary, which reports where each write's
 * commit ended (Ran.position) for the caller's next reads.
 */
export function replicatedRunner(
  primary: Runner,
  replicas: Replica[],
  { maxLagMs }: { maxLagMs: number },
): Runner & { stats: ReplicaStats } {
  const stats: ReplicaStats = { replica: 0, primary: 0, fellBack: {} };
  const clock = primaryClock(
    async () => rowsOf<{ lsn: string }>(await primary.statement(sql`select pg_current_wal_lsn()::text as lsn`))[0]?.lsn,
    maxLagMs,
  );
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
      if (!replica) {
        if (context.readOnly) stats.primary++;
        const ran = await primary.batch(context, build, checks);
        clock.note(ran.position);
        return ran;
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
      clock.stop();
      await Promise.all([primary.close(), ...replicas.map((replica) => replica.runner.close())]);
    },
  };
}
