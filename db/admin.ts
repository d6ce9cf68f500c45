import { sql } from "drizzle-orm";
import type { Database, Tx } from "./client";
import { retrying } from "./runner/retry";
import { roleNames } from "./schema/roles";

/**
 * Runs `fn` in a transaction as rls_maintenance_admin (BYPASSRLS), on `db`, a login that may switch to it (the
 * maintenance login rls_maintainer, or the owner): maintenance jobs, seeding and the first superuser only,
 * never request code. Users' transactions, under RLS, have one way in: the request's context statement, sent
 * by the runner (db/runner/context.ts); tests use the same (asUser in functions/testing/harness.ts).
 * Retried on serialization failures and deadlocks as the runners are (db/runner/retry.ts).
 */
export function withAdmin<T>(
  db: Database,
  fn: (tx: Tx) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  return retrying(() =>
    db.transaction(
      async (tx) => {
        await tx.execute(sql`select set_config('role', ${roleNames.maintenanceAdmin}, true)`);
        return fn(tx);
      },
      options.readOnly ? { accessMode: "read only" } : undefined,
    ),
  );
}
