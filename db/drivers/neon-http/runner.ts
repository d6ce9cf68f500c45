import { MaintenanceUnavailableError } from "../../errors";
import { callerOf, contextStatement } from "../../runner/context";
import { retrying } from "../../runner/retry";
import type { Runner } from "../../runner/runner";
import { transactionRunner } from "../../runner/transaction";
import type { SqlLog } from "../../sql-log";
import { answerWithinMs, DEFAULT_TIMEOUTS, type Timeouts } from "../../timeouts";
import { openNeon } from "../neon-ws/open";
import { answerWithin, httpDatabase } from "./open";

/**
 * The edge runner: the context statement and the plan's statements go to Neon's SQL-over-HTTP API as one
 * non-interactive transaction (Drizzle's `db.batch`, the driver's `transaction()`): one HTTP request, one
 * round trip, whatever the number of statements. Neon runs them in order and rolls back at the first error.
 *
 * `transaction()` (a flow with logic between statements) and `database()` (maintenance, as the maintenance
 * login `maintenanceUrl`) need a session, so they open a WebSocket Pool on first use only; `close()` ends it.
 */
export function neonHttpRunner(
  connectionString: string,
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
  maintenanceUrl?: string,
  sqlLog?: SqlLog,
): Runner {
  answerWithin(answerWithinMs(timeouts), sqlLog);
  const db = httpDatabase(connectionString);
  let pool: ReturnType<typeof openNeon> | undefined;
  let maintenancePool: ReturnType<typeof openNeon> | undefined;
  const interactive = () => {
    pool ??= openNeon(connectionString, { timeouts, sqlLog });
    return transactionRunner(pool.db);
  };
  return {
    batch: (context, build, checks = true) =>
      retrying(async () => {
        const plan = build(db);
        const batch = (db as unknown as { batch: (queries: unknown[]) => Promise<unknown[]> }).batch;
        const [context_, ...results] = await batch.call(db, [contextStatement(db, context, checks), ...plan.queries]);
        return { caller: callerOf(context_), value: () => plan.map(results) };
      }, context),
    statement: (query) => db.execute(query),
    transaction: (context, fn) => interactive().transaction(context, fn),
    database: () => {
      if (!maintenanceUrl) throw new MaintenanceUnavailableError();
      maintenancePool ??= openNeon(maintenanceUrl, { timeouts, sqlLog });
      return maintenancePool.db;
    },
    close: async () => {
      await Promise.all([pool?.close(), maintenancePool?.close()]);
    },
  };
}
