import type { Context } from "hono";
import type { Config } from "../lib/config";
import { type Email, emailSenderOf } from "../lib/email/sender";
import { log } from "../lib/log";

/**
 * Work that neither holds the response nor shows in its timing, such as sending an e-mail (whether one was sent
 * must not be readable from how long the answer took). On Workers it is handed to waitUntil; on Node it runs on
 * its own. A failure is logged, never thrown at the request. It must not use the request's database: that
 * closes with the request.
 */
export function detached(c: Pick<Context, "executionCtx">, task: () => Promise<unknown>) {
  const guarded = Promise.resolve()
    .then(task)
    .catch((error) => log("warn", "background task failed", { error }));
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // Node and tests: no execution context; the task goes on by itself
  }
}

/** Sends an e-mail (if any) with the configured sender, detached from the response. */
export function sendLater(c: Pick<Context, "executionCtx"> & { get: (key: "config") => Config }, email: Email | null) {
  if (email) detached(c, () => emailSenderOf(c.get("config")).send(email));
}
