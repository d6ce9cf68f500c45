/** The fields of a Postgres error that every driver here (PGlite, node-postgres, neon over HTTP or WebSocket) exposes. */
export type PgError = {
  code: string;
  message: string;
  detail?: string;
  table?: string;
  constraint?: string;
  column?: string;
};

/** Drizzle wraps driver errors (DrizzleQueryError.cause); look through the chain for the Postgres one. */
export function findPgError(error: unknown): PgError | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    // A SQLSTATE is five digits or capitals; so is Node's EPIPE, which is a system error (it has a syscall).
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !("syscall" in (e as object))) return e as PgError;
  }
  return undefined;
}
