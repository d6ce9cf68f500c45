import { findPgError, type PgError } from "../../db/pg-error";
import {
  ApiError,
  conflict,
  forbidden,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
  validationError,
} from "./errors";

export { findPgError };

/**
 * The column(s) a constraint error is about: from the detail ("Key (email)=(a@b.c) already exists.") when
 * the driver passes it on, else from our constraint naming convention (uq_users_email -> email).
 */
function fieldOf(pg: PgError) {
  const fromDetail = pg.detail?.match(/Key \(([^)]+)\)=/)?.[1];
  if (fromDetail) return fromDetail;
  if (pg.column) return pg.column;
  const prefix = pg.table && pg.constraint?.match(/^(uq|fk|chk|ix)_/)?.[0];
  if (prefix && pg.constraint?.startsWith(`${prefix}${pg.table}_`)) {
    return pg.constraint.slice(`${prefix}${pg.table}_`.length);
  }
  return pg.constraint ?? "unknown";
}

/** 429 with the window's limit and reset, from the DETAIL of PT429: `{"limit": n, "reset_at": epoch}`. */
function overLimit(detail: string | undefined) {
  let limit = 0;
  let resetAt = Date.now() / 1000;
  try {
    const parsed = JSON.parse(detail ?? "{}") as { limit?: number; reset_at?: number | string };
    limit = Number(parsed.limit ?? 0);
    resetAt = Number(parsed.reset_at ?? resetAt);
  } catch {}
  return tooManyRequests(limit, new Date(resetAt * 1000));
}

// Driver errors without a SQLSTATE that mean the database could not be reached or did not answer in time
// (connect and answer timeouts of db/timeouts.ts included).
const CONNECTION_FAILURE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|WebSocket|socket hang up|Connection terminated|connection error|Error connecting to database|fetch failed|timeout expired|timeout exceeded|Query read timeout|TimeoutError|aborted due to timeout/i;

/** What a pooler's refusal means for a client, without its wording (which names the pooler's settings). */
function poolerRefusal(message: string) {
  if (/statement pooling/i.test(message)) {
    return "The database's connection pooler is in statement mode, which cannot run a transaction";
  }
  if (/query_wait_timeout|no more connections|max_client_conn|pool.*full|too many/i.test(message)) {
    return "The database's connection pooler has no free connection";
  }
  return "The database's connection pooler refused the request";
}

/**
 * Database errors become stable API errors: the caller learns which rule it broke, never the SQL.
 * Returns undefined for errors that are bugs (they stay 500s).
 */
export function mapDatabaseError(error: unknown): ApiError | undefined {
  const pg = findPgError(error);
  if (!pg) {
    const message = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : "";
    return CONNECTION_FAILURE.test(message) ? serviceUnavailable("Database unavailable") : undefined;
  }
  const field = fieldOf(pg);
  switch (pg.code) {
    // Refusals of the request's context statement (app_auth.begin_request), PostgREST-style PT codes.
    case "PT401":
      return unauthorized(pg.message, "invalid_token");
    case "PT403":
      return forbidden(pg.message);
    case "PT429":
      return overLimit(pg.detail);
    // Idempotency-Key refusals (app_auth.claim_idempotency_key; functions/middleware/idempotency.ts replays PT200).
    case "PT200":
      return new ApiError(409, "idempotency_key_answered", "A request with this Idempotency-Key was answered before");
    case "PT409":
      return pg.detail === "lost"
        ? new ApiError(
            409,
            "idempotency_key_answer_lost",
            "The request with this Idempotency-Key was carried out, but its answer was not kept: it is not carried out again",
          )
        : new ApiError(
            409,
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being answered: retry it later",
            undefined,
            { "Retry-After": "1" },
          );
    case "PT422":
      return new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used with another request", [
        { field: "Idempotency-Key", location: "header", message: "used with another request: send a new key" },
      ]);
    case "23505":
      return conflict(`A record with this ${field} already exists`, [
        { field, location: "body", message: "already exists" },
      ]);
    case "23503":
      return conflict(`Referenced record does not exist or is still referenced (${field})`, [
        { field, location: "body", message: "foreign key violation" },
      ]);
    case "23514":
    case "23502":
    case "22001":
      return validationError([{ field, location: "body", message: pg.message }]);
    case "22P02":
      return validationError([{ field, location: "path", message: "invalid input syntax" }]);
    // Values Postgres cannot take: a NUL in text, a date or number out of its range, a bad LIKE escape. The
    // API refuses them before the database (storable-input.ts, the filter parser); this is the safety net.
    case "22021":
    case "22008":
    case "22007":
    case "22003":
    case "22025":
      return validationError([{ field: pg.column ?? "value", location: "body", message: pg.message }]);
    // RLS WITH CHECK refusals and missing privileges: the caller may not write this row.
    case "42501":
      return forbidden("Not allowed to write this record");
    case "40001":
    case "40P01":
      return serviceUnavailable("Database busy, please retry", 1);
    case "57P01":
    case "57P03":
    case "08000":
    case "08003":
    case "08006":
    case "53300":
      return serviceUnavailable("Database unavailable");
    // A prepared statement the server did not keep (a pooler): the runner names nothing more and ran the
    // transaction again; should that fail too, the client may retry, as nothing was written.
    case "26000":
    case "42P05":
      return serviceUnavailable("Database busy, please retry", 1);
    // A connection pooler's own refusals (PgBouncer, Supavisor) are protocol violations; the reason, in short.
    case "08P01":
      return serviceUnavailable(poolerRefusal(pg.message));
    // statement_timeout (db/timeouts.ts): the statement was cancelled at the server.
    case "57014":
      return serviceUnavailable("The database did not answer in time");
    default:
      return undefined;
  }
}
