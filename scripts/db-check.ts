import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import type { Database } from "../db/client";
import { openPg } from "../db/drivers/node-postgres/open";
import { migrationConfig } from "../db/migrations";
import { compareFunctions, describe, isEmpty, readFunctionFiles } from "../db/sql/functions";

// `npm run db:check` (CI): db/schema, db/sql and drizzle/ agree. drizzle-kit generates into a copy of drizzle/; a new
// migration there means db/schema changed without one (a schema no migration creates would ship). Then
// `drizzle-kit check` confirms the committed snapshots are consistent. Exits 1 on drift, printing the SQL.
// drizzle-kit takes only a relative output folder, so the copy is made inside the repository (ignored by git).
// Then the SQL functions: an in-memory database migrated by drizzle/ must have exactly the functions the files
// of db/sql define (db/sql/functions.ts); a changed file with no migration fails here.
// DB_CHECK_MIGRATIONS names another migrations folder to compare with, DB_CHECK_FUNCTIONS another folder of
// function files (the tests break them on purpose).
// `tsx scripts/db-check.ts --functions-of <owner url>` compares only the functions of a database migrated
// elsewhere (CI: the one drizzle-kit migrate made on the Postgres server) with the files.
const files = readFunctionFiles(process.env.DB_CHECK_FUNCTIONS ? resolve(process.env.DB_CHECK_FUNCTIONS) : undefined);

async function checkFunctions(db: Database, where: string) {
  const diff = await compareFunctions((fn) => db.transaction(fn), files);
  if (!isEmpty(diff)) {
    console.error(`db/sql and ${where} differ: run npm run db:generate.\n${describe(diff)}`);
    process.exitCode = 1;
  } else console.log(`db/sql and ${where} agree: ${files.length} functions`);
}

if (process.argv[2] === "--functions-of") {
  const url = process.argv[3];
  if (!url) throw new Error("--functions-of <url of the schema owner>");
  const database = openPg(url, { max: 1 });
  try {
    await checkFunctions(database.db, `the functions of ${new URL(url).pathname.slice(1)}`);
  } finally {
    await database.close();
  }
  process.exit();
}

const source = process.env.DB_CHECK_MIGRATIONS ?? "drizzle";
const copy = ".db-check";
const out = `./${copy}/drizzle`;
// A URL that is never dialled: generate reads no database, and the embedded folder stays untouched.
const env = { ...process.env, MIGRATION_DATABASE_URL: "postgres://unused@127.0.0.1:1/unused" };
const drizzleKit = (args: string[], extra: Record<string, string> = {}) =>
  execFileSync(process.execPath, ["node_modules/drizzle-kit/bin.cjs", ...args], {
    env: { ...env, ...extra },
    encoding: "utf8",
    stdio: "pipe",
  });

rmSync(copy, { recursive: true, force: true });
let drift: string[] = [];
try {
  cpSync(source, out, { recursive: true });
  const before = new Set(readdirSync(out));
  drizzleKit(["generate", "--name", "drift"], { DRIZZLE_OUT: out });
  drift = readdirSync(out)
    .filter((name) => name.endsWith(".sql") && !before.has(name))
    .map((name) => `-- ${name}\n${readFileSync(join(out, name), "utf8")}`);
} finally {
  rmSync(copy, { recursive: true, force: true });
}
if (drift.length > 0) {
  console.error(
    `db/schema has changes no migration makes: run npm run db:generate. It would add:\n\n${drift.join("\n")}`,
  );
  process.exit(1);
}
drizzleKit(["check"]);
console.log("db/schema and drizzle/ agree; the snapshots are consistent");

const client = await PGlite.create();
try {
  const db = drizzle(client) as unknown as Database;
  await migrate(db as never, { ...migrationConfig, migrationsFolder: resolve(source) });
  await checkFunctions(db, "drizzle/");
} finally {
  await client.close();
}
