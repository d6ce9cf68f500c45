import type { SQL } from "drizzle-orm";
import type { Database, Tx } from "../client";
import type { Caller, RequestContext } from "./context";
import type { Plan } from "./plan";

/**
 * What a committed transaction gave: the caller the database resolved, and the service's answer from the results. `value` is
 * called after the caller has taken note of the commit, so an answer that throws (not found) is still a
 * request whose transaction ran (and whose rate-limit hit was counted).
 */
export type Ran<T> = {
  caller: Caller;
  value: () => T;
  /**
   * Where a write's commit ends in the primary's WAL (`pg_current_wal_lsn()` after COMMIT), from a runner that
   * reports positions (with read replicas): a read that must see this write waits for no replica behind it.
   */
  position?: string;
};

/**
 * How a request's statements reach the database; one per driver, the same interface for all, so services
 * never know which runs them (db/runner/transaction.ts for drivers that hold a connection, and the
 * drivers that send a request differently: db/drivers/node-postgres/runner.ts, db/drivers/neon-http/runner.ts).
 */
export type Runner = {
  /**
   * The context statement, then the plan's statements, in one transaction that commits or rolls back as a
   * whole: one round trip on Neon's HTTP API. `checks: false` with an empty plan only counts a rate-limit hit.
   */
  batch<T>(context: RequestContext, build: (q: Database) => Plan<T>, checks?: boolean): Promise<Ran<T>>;
  /** For flows with logic between statements: an interactive transaction under the same context. */
  transaction<T>(context: RequestContext, fn: (tx: Tx, caller: Caller) => Promise<T>): Promise<Ran<T>>;
  /** One statement as the login role, outside any request context (e.g. app_auth.record_key_use). */
  statement(query: SQL): Promise<unknown>;
  /**
   * The maintenance login's database, for work that opens its own transactions as rls_maintenance_admin
   * (maintenance run by a superuser on demand). The request login cannot reach that role: without a
   * maintenance login configured this throws MaintenanceUnavailableError.
   */
  database(): Database;
  /** Ends what the runner opened (a Worker may not keep a socket across requests). */
  close(): Promise<void>;
};
