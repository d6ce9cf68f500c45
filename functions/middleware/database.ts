import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Runner } from "../../db/runner/runner";
import type { Config } from "../lib/config";
import { log } from "../lib/log";
import { databaseLimiter, type RateLimiter } from "../lib/rate-limits/limiter";
import type { ConfigVariables } from "./config";

/** How the app gets a statement runner for one request: the Worker makes one per request, Node shares one. */
export type OpenDatabase = (config: Config, bindings: Record<string, unknown>) => Runner;

/**
 * Where rate-limit hits are counted: one limiter for the process (Node), or one chosen from the Worker's
 * settings and bindings (a Durable Object namespace), made once per isolate by the Worker.
 */
export type ChooseLimiter = RateLimiter | ((config: Config, bindings: Record<string, unknown>) => RateLimiter);

/** Where a request comes from: Workers read the address Cloudflare sets; Node reads its socket. */
export type ClientIp = (request: Request) => string | undefined;

/**
 * What to do once a request queued jobs (lib/jobs) and committed: Node wakes its runner; a Worker, which has no
 * runner between requests, runs the due jobs after the response (`waitUntil`). None: the runner polls.
 */
export type JobsQueued = (
  config: Config,
  bindings: Record<string, unknown>,
  waitUntil: (work: Promise<unknown>) => void,
) => void;

export type DatabaseVariables = {
  /** Tells the runner a transaction of this request queued jobs, and committed (JobsQueued). */
  jobsQueued: () => void;
  /** How this request's statements reach the database; opened for the request, closed after it. */
  runner: Runner;
  /** Promises afterResponse queued; settled before the runner closes. */
  background: Promise<unknown>[];
  /** The caller's address, for rate limits on anonymous requests. */
  clientIp: string;
  /** Where rate-limit hits are counted (functions/lib/rate-limits). */
  rateLimiter: RateLimiter;
};

/**
 * Opens the request's statement runner and closes it when the request is done, after the work queued with
 * afterResponse. On Workers the closing runs after the response is sent (waitUntil); elsewhere the request
 * waits for it.
 */
export const database = ({
  openDatabase,
  clientIp,
  rateLimiter = databaseLimiter,
  jobsQueued,
}: {
  openDatabase: OpenDatabase;
  clientIp: ClientIp;
  rateLimiter?: ChooseLimiter;
  jobsQueued?: JobsQueued;
}) =>
  createMiddleware<{ Bindings: Record<string, unknown>; Variables: ConfigVariables & DatabaseVariables }>(
    async (c, next) => {
      // Chosen first: a limiter the settings refuse fails the request before anything is opened.
      const limiter = typeof rateLimiter === "function" ? rateLimiter(c.get("config"), c.env ?? {}) : rateLimiter;
      const runner = openDatabase(c.get("config"), c.env ?? {});
      c.set("runner", runner);
      c.set("background", []);
      c.set("clientIp", clientIp(c.req.raw) ?? "unknown");
      c.set("rateLimiter", limiter);
      c.set("jobsQueued", () => jobsQueued?.(c.get("config"), c.env ?? {}, (work) => afterResponse(c, work)));
      try {
        await next();
      } finally {
        const closing = Promise.allSettled(c.get("background"))
          .then(() => runner.close())
          .catch((error) => log("warn", "closing the database failed", { error }));
        try {
          c.executionCtx.waitUntil(closing);
        } catch {
          // no execution context (tests): wait here
          await closing;
        }
      }
    },
  );

/**
 * Work to finish after the response is sent, such as recording an API key's use. On Workers it is handed
 * to `waitUntil`; everywhere, the database middleware waits for it before it closes the runner. A failure
 * is logged, never thrown at the request.
 */
export function afterResponse<E extends { Variables: DatabaseVariables }>(c: Context<E>, task: Promise<unknown>) {
  const guarded = task.catch((error) => log("warn", "background task failed", { error }));
  c.get("background").push(guarded);
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // no execution context (tests): the database middleware still waits for it before closing
  }
}
