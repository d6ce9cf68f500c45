import { findPgError } from "../pg-error";

const MAX_ATTEMPTS = 3;
const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * Runs a whole transaction, again a bounded number of times on serialization failures and deadlocks (they
 * rolled everything back, so it is safe), with its failures made Errors: the neon driver rejects with the
 * WebSocket's ErrorEvent when it cannot connect, and Hono hands only Error instances to the error mapper.
 * After the last attempt the error maps to 503 with Retry-After.
 */
export async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && RETRYABLE.has(findPgError(error)?.code ?? "")) {
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
