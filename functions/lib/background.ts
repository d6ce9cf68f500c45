import type { Context } from "hono";
import type { AppEnv } from "../env";
import { log } from "./log";

/**
 * Work to finish after the response is sent, such as recording an API key's use. On Workers it is handed
 * to `waitUntil`; everywhere, the app's database middleware waits for it before it closes the request's
 * pool. A failure is logged, never thrown at the request.
 */
export function afterResponse(c: Context<AppEnv>, task: Promise<unknown>) {
  const guarded = task.catch((error) => log("warn", "background task failed", { error }));
  c.get("background").push(guarded);
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // no execution context (Node, tests): the database middleware still waits for it before closing
  }
}
