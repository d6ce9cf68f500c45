import { execFileSync } from "node:child_process";
import { sql } from "drizzle-orm";
import { openPg } from "../db/drivers/node-postgres/open";
import { type Migration, migrateUp, readMigrations, rollback } from "../db/migrator";

// `npm run db:roundtrip` (CI, on a real Postgres): every migration, undone and done again, leaves the schema it
// found. On a scratch database of the server at TEST_DATABASE_URL (the local server by default), for each
// migration in turn: apply it, snapshot; roll it back and compare with the snapshot before it; apply it again and
// compare with the snapshot after it. A snapshot is `pg_dump --schema-only`: tables, columns, constraints,
// indexes, functions, triggers, policies, owners, comments and every GRANT to the app's roles. Role
// memberships are left out: they belong to the cluster, which other databases share, so one database's history
// cannot decide them (drizzle/down/0013 says what its down does to them). A migration without a down file
// fails; one whose down file says it cannot be undone is reported and skipped. Exits 1 on any failure, showing
// the lines that differ.

const server = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const folder = process.argv[2];

function urlOf(database: string) {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

const NOISE = /^(--|SET |SELECT pg_catalog\.set_config|\\restrict|\\unrestrict)/;

export function snapshot(url: string) {
  return execFileSync("pg_dump", ["--schema-only", url], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.trim() !== "" && !NOISE.test(line));
}

/** The lines only one side has, each side's first few: enough to see what a down file missed. */
function difference(expected: string[], actual: string[]) {
  const count = (lines: string[]) => {
    const counts = new Map<string, number>();
    for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
    return counts;
  };
  const [want, got] = [count(expected), count(actual)];
  const missing = [...want].filter(([line, n]) => (got.get(line) ?? 0) < n).map(([line]) => `  - ${line}`);
  const extra = [...got].filter(([line, n]) => (want.get(line) ?? 0) < n).map(([line]) => `  + ${line}`);
  return [...missing.slice(0, 15), ...extra.slice(0, 15)];
}

export async function roundtrip(migrations: Migration[]) {
  const name = `roundtrip_${process.pid}_${Date.now()}`;
  const admin = openPg(server, { max: 1 });
  await admin.db.execute(sql.raw(`create database ${name}`));
  const url = urlOf(name);
  const target = openPg(url, { max: 1 });
  const failures: string[] = [];
  const skipped: string[] = [];
  try {
    let before = snapshot(url);
    for (const migration of migrations) {
      await migrateUp(target.db, migrations, { steps: 1 });
      const after = snapshot(url);
      if (migration.down.kind === "missing") {
        failures.push(`${migration.tag}: no down migration (drizzle/down/${migration.tag}.sql)`);
      } else if (migration.down.kind === "irreversible") {
        skipped.push(`${migration.tag}: ${migration.down.reason}`);
      } else {
        await rollback(target.db, migrations, { steps: 1 });
        const down = difference(before, snapshot(url));
        if (down.length > 0)
          failures.push(`${migration.tag}: down does not restore the schema before it\n${down.join("\n")}`);
        await migrateUp(target.db, migrations, { steps: 1 });
        const again = difference(after, snapshot(url));
        if (again.length > 0) failures.push(`${migration.tag}: up after down differs from up\n${again.join("\n")}`);
      }
      before = after;
    }
  } finally {
    await target.close();
    await admin.db.execute(sql.raw(`drop database ${name} with (force)`));
    await admin.close();
  }
  return { failures, skipped };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const migrations = readMigrations(folder);
  const { failures, skipped } = await roundtrip(migrations);
  for (const line of skipped) console.log(`skipped (irreversible) ${line}`);
  if (failures.length > 0) {
    console.error(failures.join("\n\n"));
    process.exit(1);
  }
  console.log(
    `roundtrip ok: ${migrations.length - skipped.length} of ${migrations.length} migrations up -> down -> up`,
  );
}
