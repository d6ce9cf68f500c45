import { type Database } from "../db/client";
import { openPg } from "../db/drivers/node-postgres/open";
import { openPglite } from "../db/drivers/pglite/open";
import {
  ensureLedger,
  MigrationError,
  migrateUp,
  readApplied,
  readMigrations,
  rollback,
  statusOf,
} from "../db/migrator";

// npm run db:status | db:history | db:migrate | db:rollback — the migrations of drizzle/ on the schema owner's
// database (MIGRATION_DATABASE_URL), or, without it, on the embedded database in PGLITE_DATA_DIR (.data/pglite).
//   db:migrate [-- --to <tag> | --steps N]     apply pending migrations: all, up to <tag>, or the next N
//   db:rollback [-- --to <tag> | --steps N]    undo the latest (one by default), N, or all after <tag>
//   db:status                                  applied and pending, drift; exits 1 unless up to date
//   db:history                                 what was applied, and when
// The same output on both databases; docs/migrations.md.

const [verb = "status", ...args] = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};
const to = flag("to");
const stepsText = flag("steps");
const steps = stepsText === undefined ? undefined : Number(stepsText);
if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) {
  console.error(`--steps takes a positive whole number, not ${stepsText}`);
  process.exit(2);
}

async function open(): Promise<{ db: Database; where: string; close: () => Promise<void> }> {
  const url = process.env.MIGRATION_DATABASE_URL;
  if (url) {
    const pg = openPg(url, { max: 1 });
    const where = new URL(url);
    return { db: pg.db, where: `${where.hostname}:${where.port || 5432}${where.pathname}`, close: pg.close };
  }
  const dataDir = process.env.PGLITE_DATA_DIR ?? ".data/pglite";
  // Opened as it is, as the schema owner (postgres), as drizzle-kit does.
  const pglite = await openPglite(dataDir, { migrate: false });
  return { db: pglite.db, where: `embedded ${dataDir}`, close: pglite.close };
}

const stamp = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 19) : "(not recorded)     ");

async function main() {
  const migrations = readMigrations();
  const { db, where, close } = await open();
  try {
    console.log(`database: ${where}`);
    if (verb === "migrate") {
      const applied = await migrateUp(db, migrations, { to, steps });
      console.log(applied.length === 0 ? "nothing to apply" : `applied: ${applied.join(", ")}`);
    } else if (verb === "rollback") {
      const undone = await rollback(db, migrations, { to, steps });
      console.log(undone.length === 0 ? "nothing to roll back" : `rolled back: ${undone.join(", ")}`);
    } else if (verb === "history") {
      await ensureLedger(db);
      const applied = await readApplied(db);
      const tagOf = new Map(migrations.map((m) => [m.when, m.tag]));
      for (const row of applied)
        console.log(`  ${stamp(row.appliedAt)}  ${tagOf.get(row.when) ?? `unknown (${row.when})`}`);
      console.log(`${applied.length} applied`);
    } else if (verb === "status") {
      await ensureLedger(db);
      const status = statusOf(migrations, await readApplied(db));
      for (const row of status.rows) {
        const state = row.changed ? "CHANGED" : row.state;
        console.log(`  ${state.padEnd(8)} ${row.migration.tag}`);
      }
      for (const row of status.unknown) console.log(`  UNKNOWN  applied migration ${row.when} has no file here`);
      const pending = status.rows.filter((row) => row.state === "pending").length;
      const changed = status.rows.filter((row) => row.changed).length;
      console.log(`latest applied: ${status.latest ?? "none"}`);
      if (status.upToDate) console.log("up to date");
      else {
        if (pending > 0) console.log(`${pending} pending: npm run db:migrate`);
        if (changed > 0) console.log(`${changed} applied migration file(s) changed since they were applied`);
        if (status.unknown.length > 0) console.log(`${status.unknown.length} applied migration(s) unknown here`);
        process.exitCode = 1;
      }
    } else {
      console.error(`unknown verb ${verb}: status, history, migrate or rollback`);
      process.exitCode = 2;
    }
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof MigrationError ? error.message : error);
  process.exit(1);
});
