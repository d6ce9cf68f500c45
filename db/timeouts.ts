/**
 * How long a request waits for its database, on every driver. Without limits, a server that accepts the
 * connection but never answers (a dead host behind a load balancer, a stuck pooler) holds every request, and
 * the pool, forever.
 *
 * - `connectMs`: opening a connection (TCP, TLS, startup, authentication).
 * - `statementMs`: one statement at the server (`statement_timeout`, SQLSTATE 57014), and the client's own
 *   limit on waiting for an answer (a little longer, so the server's clearer error wins when it can speak).
 *   The server's limit is set inside each request's transaction, by its context statement
 *   (db/runner/context.ts), never as a startup parameter of the connection: connection poolers (PgBouncer,
 *   Supavisor, RDS Proxy) refuse startup parameters they do not know, and a SET on a pooled server connection
 *   would outlive the transaction.
 *
 * Both end in 503 with Retry-After (functions/lib/pg-errors.ts).
 */
export type Timeouts = { connectMs: number; statementMs: number };

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, statementMs: 5_000 };

/** The client's own limit on one answer: the server's limit and a second for it to say so. */
export const answerWithinMs = (timeouts: Timeouts) => timeouts.statementMs + 1_000;

/** node-postgres and the neon WebSocket Pool take the same settings: limits kept by the client alone. */
export const poolTimeouts = (timeouts: Timeouts) => ({
  connectionTimeoutMillis: timeouts.connectMs,
  query_timeout: answerWithinMs(timeouts),
});
