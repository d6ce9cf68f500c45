import { sql } from "drizzle-orm";
import { withAdmin } from "../../../db/admin";
import { type Database, rowsOf } from "../../../db/client";
import { jobs } from "../../../db/schema";

/** A job as a runner holds it: `attempt` counts this run (1 for the first). */
export type TakenJob = {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempt: number;
  maxAttempts: number;
};

/** What a request's plan adds to enqueue a job: an INSERT in its own transaction (db/schema/jobs.ts). */
export function enqueue(
  q: Database,
  job: { kind: string; payload?: Record<string, unknown>; ownerId?: string | null; maxAttempts?: number },
) {
  return q.insert(jobs).values({
    kind: job.kind,
    payload: job.payload ?? {},
    owner_id: job.ownerId ?? null,
    ...(job.maxAttempts === undefined ? {} : { max_attempts: job.maxAttempts }),
  });
}

/**
 * Takes up to `limit` due jobs, oldest first, skipping those another runner holds (FOR UPDATE SKIP LOCKED), and
 * leases them for `leaseMs`: each is `running`, its attempt counted, and due again when the lease ends, so a
 * job whose runner died runs again then. One statement, as rls_maintenance_admin.
 */
export async function takeDue(db: Database, { limit, leaseMs }: { limit: number; leaseMs: number }) {
  return withAdmin(db, async (tx) =>
    rowsOf<{
      id: string;
      kind: string;
      payload: Record<string, unknown>;
      attempts: number;
      max_attempts: number;
    }>(
      await tx.execute(sql`
        update jobs j
           set status = 'running', attempts = j.attempts + 1, updated_at = now(),
               run_at = now() + make_interval(secs => ${leaseMs / 1000})
          from (select id from jobs
                 where status in ('pending', 'running') and run_at <= now()
                 order by run_at, id
                 limit ${limit}
                 for update skip locked) due
         where j.id = due.id
        returning j.id, j.kind, j.payload, j.attempts, j.max_attempts`),
    ).map(
      (row): TakenJob => ({
        id: row.id,
        kind: row.kind,
        payload: row.payload,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
      }),
    ),
  );
}

/**
 * Ends the runner's hold on a job that failed: `pending` again after `retryInMs`, or `dead` once out of attempts.
 * Only the attempt that holds the job ends it: a runner whose lease ran out and whose job another runner took
 * again changes nothing. Whether it did. (Done jobs end in a batch: finishDone.)
 */
export async function finishFailed(
  db: Database,
  job: TakenJob,
  { error, retryInMs }: { error: string; retryInMs: number },
) {
  const changed = await withAdmin(db, async (tx) =>
    rowsOf(
      await tx.execute(sql`update jobs set
          status = case when attempts >= max_attempts then 'dead' else 'pending' end,
          finished_at = case when attempts >= max_attempts then now() end,
          run_at = now() + make_interval(secs => ${retryInMs / 1000}),
          last_error = left(${error}, 2000), updated_at = now()
        where id = ${job.id} and status = 'running' and attempts = ${job.attempt}
        returning id`),
    ),
  );
  return changed.length === 1;
}

/**
 * Ends jobs done, a batch in one statement (the runner's hot path), each only if the attempt that holds it is
 * still the one given; their payloads cleared (an e-mail's link is a credential). How many it ended.
 */
export async function finishDone(db: Database, done: TakenJob[]) {
  if (done.length === 0) return 0;
  const held = sql.join(
    done.map((job) => sql`(${job.id}::uuid, ${job.attempt}::integer)`),
    sql`, `,
  );
  const changed = await withAdmin(db, async (tx) =>
    rowsOf(
      await tx.execute(sql`update jobs j set status = 'done', payload = '{}'::jsonb, last_error = null,
          finished_at = now(), updated_at = now()
        from (values ${held}) as d(id, attempt)
        where j.id = d.id and j.status = 'running' and j.attempts = d.attempt
        returning j.id`),
    ),
  );
  return changed.length;
}

/**
 * How long a failed job waits before its next attempt: exponential in the attempts so far (2 s, 4 s, 8 s, ...,
 * at most 2 minutes), times a random factor between 0.5 and 1 so that jobs failing together spread out. The
 * ceiling is what someone waiting for a sign-in link waits at most once the provider is back; with the default
 * 25 attempts a job outlasts 20 to 40 minutes of an outage before it ends dead.
 */
export function backoffMs(attempt: number, random = Math.random) {
  const ceiling = Math.min(2 * 60_000, 2_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
