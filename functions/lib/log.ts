import type { SqlLog } from "../../db/sql-log";

type Level = "debug" | "info" | "warn" | "error";

const rank: Record<Level | "silent", number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };
const threshold = () => rank[(globalThis.process?.env?.LOG_LEVEL as Level | undefined) ?? "info"] ?? rank.info;

/**
 * One JSON line per event: what Workers Logs and most log shippers index without configuration. An Error among
 * the fields is written as describeError has it, so no log line carries a query's parameters.
 */
export function log(level: Level, message: string, fields: Record<string, unknown> = {}) {
  if (rank[level] < threshold()) return;
  write(level, message, fields);
}

/**
 * A statement the database was sent, with how long its answer took (LOG_SQL=true): a `debug` line, written
 * whatever LOG_LEVEL says, since asking for SQL is asking for these lines. The text only, never the parameters.
 */
export const logStatement: SqlLog = ({ sql, ms }) => write("debug", "sql", { sql, ms });

function write(level: Level, message: string, fields: Record<string, unknown>) {
  const safe = Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? describeError(value) : value]),
  );
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...safe });
  (level === "error" ? console.error : level === "warn" ? console.warn : console.log)(line);
}

type Described = { name: string; message: string; code?: string; query?: string; stack?: string; cause?: Described };

/**
 * An error as it may be logged. Drizzle's query errors say `Failed query: ... params: ...`, and the parameters
 * are what the caller sent: a password hash being changed, an e-mail, a key's hash. They are dropped (from the
 * message and from the stack, which repeats it); the statement's text, the SQLSTATE and the driver's own
 * message stay, with the cause chain.
 */
export function describeError(error: unknown, depth = 0): Described {
  if (!(error instanceof Error)) return { name: "NonError", message: String(error) };
  const withParams = "params" in error && "query" in error;
  const query = withParams ? String((error as { query: unknown }).query) : undefined;
  const message = withParams ? `Failed query: ${query}` : error.message;
  const stack = withParams ? error.stack?.slice(Math.max(0, error.stack.indexOf("\n    at "))) : error.stack;
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message,
    ...(typeof code === "string" ? { code } : {}),
    ...(query === undefined ? {} : { query }),
    ...(stack ? { stack } : {}),
    ...(error.cause !== undefined && depth < 4 ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}
