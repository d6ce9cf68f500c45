import { findPgError, type PgError } from "../pg-error";

const MAX_ATTEMPTS = 3;
const RETRYABLE = new Set(["40001", "40P01"]);
// The connection went away under the transaction (a terminated backend, a restart, a failover, a reset).
const CONNECTION_LOST = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006"]);
const LOST_MESSAGE = /Connection terminated|ECONNRESET|EPIPE|socket hang up|terminating connection/i;

/** Whether `error` says the connection is gone or the server is not taking it (shutting down, starting up). */
export function connectionLost(error: unknown) {
  const code = findPgError(error)?.code;
  if (code) return CONNECTION_LOST.has(code);
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && LOST_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * Runs a whole transaction, again a bounded number of times on serialization failures and deadlocks (they
 * rolled everything back, so it is safe), with its failures made Errors: the neon driver rejects with the
 * WebSocket's ErrorEvent when it cannot connect, and Hono hands only Error instances to the error mapper.
 * After the last attempt the error maps to 503 with Retry-After.
 *
 * A driver may name more failures that rolled the whole transaction back before it did anything (`rolledBack`,
 * e.g. a prepared statement a migration made stale): run again once.
 *
 * A read-only transaction is also run again, once, when its connection was lost under it (a pooled connection
 * whose backend was terminated, a failover): it changed nothing, and the pool hands out a fresh connection. A
 * write is not: whether its COMMIT happened before the connection went cannot be known, so it answers 503.
 */
export async function retrying<T>(
  run: () => Promise<T>,
  options: { readOnly?: boolean; rolledBack?: (error: PgError | undefined) => boolean } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const again =
        RETRYABLE.has(findPgError(error)?.code ?? "") ||
        (attempt === 1 && options.rolledBack?.(findPgError(error))) ||
        (options.readOnly && attempt === 1 && connectionLost(error));
      if (attempt < MAX_ATTEMPTS && again) {
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * Math.random()));
        continue;
      }
      if (error instanceof Error) throw error;
      const message = (error as { message?: unknown })?.message;
      throw new Error(`Database connection failed: ${typeof message === "string" ? message : String(error)}`, {
        cause: error,
      });
    }
  }
}
