import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import type { Database } from "../../client";
import { migrationConfig } from "../../migrations";
import * as schema from "../../schema";
import { roleNames } from "../../schema/roles";
import { type SqlLog, timeQueries } from "../../sql-log";
import { lockDataDir, purposeOfThisProcess } from "./data-dir-lock";

/**
 * The embedded database: Postgres compiled to WASM, in this process, data kept in `dataDir` (in memory
 * when undefined). PGlite is one session; drizzle's PGlite transactions serialise access to it. One process
 * at a time may open a folder (data-dir-lock.ts): a second is refused, naming the first.
 *
 * It starts as the superuser `postgres` to migrate, then becomes the app's login role for the rest of its
 * life (SET SESSION AUTHORIZATION), so the embedded API fails closed exactly as it does on a server.
 * `asOwner` runs setup work (test assertions) as `postgres` for one transaction only; `maintenance` is the
 * database maintenance jobs and seeding use (withAdmin), as the maintenance login is on a server.
 * `template`, a `dumpDataDir()` of a migrated database, starts from that copy instead of running initdb and
 * every migration again (the test suite opens dozens of databases). `migrate: false` opens it as it is, as the
 * owner (the migration verbs of scripts/db.ts; nothing else may).
 */
export async function openPglite(
  dataDir?: string,
  options: {
    template?: Blob;
    migrate?: boolean;
    /** Told each step of opening, with how long the one before took: a first start takes seconds. */
    onStep?: (message: string) => void;
    /** Told every statement's text and duration, inside transactions too (LOG_SQL=true); never its parameters. */
    sqlLog?: SqlLog;
  } = {},
) {
  let release = () => {};
  let fresh = !dataDir;
  if (dataDir) {
    fresh = !existsSync(join(dataDir, "PG_VERSION"));
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir, purposeOfThisProcess());
  }
  let started = performance.now();
  const step = (message: string) => {
    const now = performance.now();
    options.onStep?.(`${message} (${Math.round(now - started)} ms)`);
    started = now;
  };
  options.onStep?.(
    fresh
      ? `creating the embedded database in ${dataDir ?? "memory"}: this takes a few seconds, once`
      : "opening the embedded database",
  );
  const client = await PGlite.create({ dataDir, loadDataDir: options.template }).catch((error: unknown) => {
    release();
    throw error;
  });
  if (options.sqlLog) {
    timeQueries(client, options.sqlLog);
    // Drizzle runs a transaction's statements on the transaction object PGlite hands its callback.
    const transaction = client.transaction.bind(client);
    client.transaction = ((fn: (tx: Transaction) => Promise<unknown>) =>
      transaction((tx) => fn(timeQueries(tx, options.sqlLog)))) as typeof client.transaction;
  }
  const ownerDb = drizzle(client, { schema });
  const migrateAsOwner = async () => {
    // PGlite ignores RESET SESSION AUTHORIZATION (single-user mode), so name the owner.
    await client.exec("SET SESSION AUTHORIZATION postgres");
    let failure: unknown;
    try {
      await migrate(ownerDb, migrationConfig);
    } catch (error) {
      failure = error;
    }
    try {
      await client.exec(`SET SESSION AUTHORIZATION ${roleNames.authenticator}`);
    } catch (error) {
      // A migration that failed early leaves no login role to switch to: report why it failed, not that.
      failure ??= error;
    }
    if (failure) throw failure;
  };
  // Without migrating (the migration verbs), the session stays the owner's: there may be no login role yet.
  step(fresh ? "embedded database created" : "embedded database opened");
  if (options.migrate !== false) {
    await migrateAsOwner();
    step("migrations up to date");
  }
  const db = ownerDb as unknown as Database;
  // The embedded database is one session, authorized as the login role, which cannot reach the maintenance
  // role. Maintenance (seeding, purges) takes the owner's authorization for one transaction, then switches
  // to rls_maintenance_admin as on a server (withAdmin).
  const maintenance = Object.create(db, {
    transaction: {
      value: (fn: (tx: unknown) => Promise<unknown>, config?: unknown) =>
        db.transaction(async (tx) => {
          await tx.execute("SET LOCAL SESSION AUTHORIZATION postgres");
          return fn(tx);
        }, config as never),
    },
  }) as Database;
  return {
    client,
    db,
    maintenance,
    migrate: migrateAsOwner,
    asOwner: <T>(fn: (tx: Parameters<Parameters<Database["transaction"]>[0]>[0]) => Promise<T>) =>
      db.transaction(async (tx) => {
        await tx.execute("SET LOCAL SESSION AUTHORIZATION postgres");
        return fn(tx);
      }),
    close: async () => {
      await client.close();
      release();
    },
  };
}
