import type { Database } from "../../../db/client";
import { log } from "../log";
import { backoffMs, finishDone, finishFailed, type TakenJob, takeDue } from "./queue";

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
 * Runs one taken job with its handler. A failure ends it at once (tried again later, or dead); a success is
 * reported, to be ended with the rest of its batch (finishDone). Whether it succeeded.
 */
async function runJob(options: JobRunnerOptions, job: TakenJob) {
  const { db, handlers, leaseMs = 60_000, backoff = backoffMs } = options;
  const failed = (error: string) => finishFailed(db, job, { error, retryInMs: backoff(job.attempt) });
  try {
    const handler = handlers[job.kind];
    if (job.attempt > job.maxAttempts) {
      await failed("its runner stopped during its last attempt");
      return false;
    }
    if (!handler) {
      await failed(`no handler for ${job.kind} in this process`);
      return false;
    }
    await handler(job.payload, { id: job.id, attempt: job.attempt, signal: AbortSignal.timeout(leaseMs / 2) });
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log("warn", "job failed", { jobId: job.id, kind: job.kind, attempt: job.attempt, error: message });
    await failed(message).catch((ending: unknown) =>
      // The job stays taken until its lease ends, then runs again.
      log("warn", "could not record a job's failure", { jobId: job.id, error: ending }),
    );
    return false;
  }
}

/** Takes a batch of due jobs, runs them, and ends those done in one statement; how many it took (none: idle). */
async function runBatch(options: JobRunnerOptions) {
  const taken = await takeDue(options.db, { limit: options.batch ?? 10, leaseMs: options.leaseMs ?? 60_000 });
  const succeeded = await Promise.all(taken.map((job) => runJob(options, job)));
  // Not ended (the database gone meanwhile): each runs again when its lease ends.
  await finishDone(
    options.db,
    taken.filter((_, i) => succeeded[i]),
  ).catch((error: unknown) => log("warn", "could not mark jobs done", { error }));
  return taken.length;
}

/**
 * Runs due jobs until none is due or `forMs` has passed: a Worker's way, which has no runner between requests
 * (its cron, and the end of a request that queued jobs).
 */
export async function drainDue(options: JobRunnerOptions & { forMs: number }) {
  const until = Date.now() + options.forMs;
  let ran = 0;
  for (let taken = -1; taken !== 0 && Date.now() < until; ) {
    taken = await runBatch(options);
    ran += taken;
  }
  return ran;
}

/**
 * Runs due jobs until stopped: takes a batch (takeDue), runs each with its handler, ends them (finishDone,
 * finishFailed); when none
 * is due, waits for a notification of new jobs or `pollMs`. A job whose kind has no handler here is tried again
 * later (another version of the app may have it), and ends dead like any other failure.
 */
export function startJobRunner(options: JobRunnerOptions) {
  const { pollMs = 1_000 } = options;
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

  const unsubscribe = options.listen?.(wake).catch((error: unknown) => {
    log("warn", "job runner: no notifications of new jobs, polling only", { error });
    return async () => {};
  });
  const loop = (async () => {
    while (!stopping) {
      let taken = 0;
      try {
        taken = await runBatch(options);
      } catch (error) {
        log("warn", "job runner: could not take due jobs", { error });
      }
      if (taken === 0) await nap(pollMs);
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
