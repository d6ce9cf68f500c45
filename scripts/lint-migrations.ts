import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// `npm run db:lint` (CI): squawk, a Postgres migration linter, on every migration from FIRST_LINTED on, with
// .squawk.toml (each disabled rule says why). The migrations before it created empty tables, where squawk's
// findings about locks are harmless; from here on, a migration meets a live table, and must say how long it
// may wait for a lock and run (SET lock_timeout, SET statement_timeout), add constraints NOT VALID then
// VALIDATE them, and so on (docs/migrations.md).
const FIRST_LINTED = 13;

// MIGRATIONS_DIR names another migrations folder to lint (the tests lint a bad migration on purpose).
const folder = process.env.MIGRATIONS_DIR ?? "drizzle";
const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, "utf8")) as {
  entries: { idx: number; tag: string }[];
};
const files = journal.entries.filter((entry) => entry.idx >= FIRST_LINTED).map((entry) => `${folder}/${entry.tag}.sql`);
if (files.length === 0) {
  console.log(`no migration from ${String(FIRST_LINTED).padStart(4, "0")} on yet: nothing to lint`);
  process.exit(0);
}
try {
  execFileSync("node_modules/.bin/squawk", ["--config", ".squawk.toml", ...files], { stdio: "inherit" });
  console.log(`squawk: ${files.length} migration(s) clean`);
} catch {
  process.exit(1);
}
