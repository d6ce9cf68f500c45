import type { Database } from "../../../db/client";
import { log } from "../log";
import { backoffMs, finish, type TakenJob, takeDue } from "./queue";

/** Does one job's work; throws to have it tried again later. `signal` ends when the job's time is up. */
export type JobHandler = (
  payload: Record<string, unknown>,
  job: { id: string; attempt: number; signal: AbortSignal },
) => Promise<void>;

/** Subscribes `wake` to the database's news of new jobs (LISTEN app_jobs); resolves to how to unsubscribe. */
export type Listen = (wake: () => void) => Promise<() => Promise<void>>;

export type JobRunnerOptions = {
  /** The maintenance login's database (withAdmin): the runner acts as rls_maintenance_admin. */
  db: Database;
  handlers: Record<string, JobHandler>;
  /** How many jobs one runner holds at once. */
  batch?: number;
  /**
   * How long a taken job is the runner's alone. A job still running then may be taken by another runner, so a
   * handler gets half of it (`signal`), and a runner that died holds its jobs no longer than this.
   */
  leaseMs?: number;
  /** How often it looks for due jobs when nothing wakes it (LISTEN unavailable: a pooler; retries coming due). */
  pollMs?: number;
  listen?: Listen;
  /** How long a failed job waits before its next attempt (queue.ts's backoffMs). */
  backoff?: (attempt: number) => number;
};

/**
 * Runs due jobs until stopped: takes a batch (takeDue), runs each with its handler, ends each (finish); when none
 * is due, waits for a notification of new jobs or `pollMs`. A job whose kind has no handler here is tried again
 * later (another version of the app may have it), and ends dead like any other failure.
 */
export function startJobRunner(options: JobRunnerOptions) {
  const { db, handlers, batch = 10, leaseMs = 60_000, pollMs = 1_000, backoff = backoffMs } = options;
  let stopping = false;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUp = done;
    });

  const failed = (job: TakenJob, error: string) =>
    finish(db, job, { done: false, error, retryInMs: backoff(job.attempt) });

  const run = async (job: TakenJob) => {
    try {
      const handler = handlers[job.kind];
      if (job.attempt > job.maxAttempts) {
        await failed(job, "its runner stopped during its last attempt");
      } else if (!handler) {
        await failed(job, `no handler for ${job.kind} in this process`);
      } else {
        await handler(job.payload, { id: job.id, attempt: job.attempt, signal: AbortSignal.timeout(leaseMs / 2) });
        await finish(db, job, { done: true });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log("warn", "job failed", { jobId: job.id, kind: job.kind, attempt: job.attempt, error: message });
      await failed(job, message).catch((ending: unknown) =>
        // The job stays taken until its lease ends, then runs again.
        log("warn", "could not record a job's failure", { jobId: job.id, error: ending }),
      );
    }
  };

  const unsubscribe = options.listen?.(wake).catch((error: unknown) => {
    log("warn", "job runner: no notifications of new jobs, polling only", { error });
    return async () => {};
  });
  const loop = (async () => {
    while (!stopping) {
      let taken: TakenJob[] = [];
      try {
        taken = await takeDue(db, { limit: batch, leaseMs });
      } catch (error) {
        log("warn", "job runner: could not take due jobs", { error });
      }
      if (taken.length > 0) await Promise.all(taken.map(run));
      else await nap(pollMs);
    }
  })();

  return {
    /** Looks for due jobs now (a notification, or a caller that just enqueued one). */
    wake,
    /** Finishes the jobs in hand, then stops. */
    stop: async () => {
      stopping = true;
      wake();
      await loop;
      await (await unsubscribe)?.();
    },
  };
}
