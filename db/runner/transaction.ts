import type { Database } from "../client";
import { MaintenanceUnavailableError } from "../errors";
import { callerOf, contextStatement } from "./context";
import { retrying } from "./retry";
import type { Runner } from "./runner";

/**
 * The runner for drivers that hold a connection: PGlite, node-postgres, the neon WebSocket Pool. The plan's
 * statements run one after another in an ordinary transaction, as many round trips as statements; next to
 * the database (Node, tests) that costs little. Results are mapped after COMMIT, as on the HTTP runner.
 */
export function transactionRunner(
  db: Database,
  close: () => Promise<void> = async () => {},
  maintenance?: () => Database,
): Runner {
  return {
    batch: (context, build, checks = true) =>
      retrying(async () => {
        const ran = await db.transaction(async (tx) => {
          const caller = callerOf(await contextStatement(tx, context, checks));
          const plan = build(tx);
          const results: unknown[] = [];
          for (const query of plan.queries) results.push(await query);
          return { caller, plan, results };
        });
        return { caller: ran.caller, value: () => ran.plan.map(ran.results) };
      }, context),
    transaction: (context, fn) =>
      retrying(() =>
        db.transaction(async (tx) => {
          const caller = callerOf(await contextStatement(tx, context));
          const value = await fn(tx, caller);
          return { caller, value: () => value };
        }),
      ),
    statement: (query) => db.execute(query),
    database: () => {
      if (!maintenance) throw new MaintenanceUnavailableError();
      return maintenance();
    },
    close,
  };
}
