import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "./client";
import { migrationConfig } from "./migrations";

/**
 * The migrations in drizzle/, forward and back, and what a database has applied: the verbs of npm run db:*
 * (scripts/db.ts). The ledger is drizzle's own table (drizzle.__drizzle_migrations: the file's hash and the
 * journal's timestamp per applied migration), so `drizzle-kit migrate` and these verbs read and write the same
 * record; a column `applied_at` is added to it for the history.
 *
 * Each step (one migration up, or one down) is its own transaction with its ledger row: a failure leaves the
 * database at a migration boundary, never between.
 */

/** How a migration is undone: reviewed SQL in drizzle/down/<tag>.sql, or a stated reason why it cannot be. */
export type Down =
  | { kind: "sql"; statements: string[] }
  | { kind: "irreversible"; reason: string }
  | { kind: "missing"; path: string };

export type Migration = { idx: number; tag: string; when: number; hash: string; statements: string[]; down: Down };

/** What the database has applied, as the ledger says. */
export type Applied = { hash: string; when: number; appliedAt: Date | null };

const BREAKPOINT = "--> statement-breakpoint";
/** The first line of a down file that cannot undo its migration: `-- irreversible: <why>`. */
const IRREVERSIBLE = /^--\s*irreversible:\s*(.+)$/im;

const split = (text: string) =>
  text
    .split(BREAKPOINT)
    .map((statement) => statement.trim())
    .filter((statement) => statement.replace(/--.*$/gm, "").trim() !== "");

export function readDown(folder: string, tag: string): Down {
  const path = join(folder, "down", `${tag}.sql`);
  if (!existsSync(path)) return { kind: "missing", path };
  const text = readFileSync(path, "utf8");
  // A draft (scripts/down-draft.ts) still to be written counts as no down migration.
  if (/^--\s*TODO\(down\)/m.test(text)) return { kind: "missing", path: `${path} (a draft with a TODO)` };
  const irreversible = text.match(IRREVERSIBLE);
  if (irreversible) return { kind: "irreversible", reason: (irreversible[1] as string).trim() };
  return { kind: "sql", statements: split(text) };
}

/** The journal's migrations in order, each with its statements, its hash (as drizzle computes it) and its down. */
export function readMigrations(folder = migrationConfig.migrationsFolder): Migration[] {
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as {
    entries: { idx: number; tag: string; when: number }[];
  };
  return journal.entries.map(({ idx, tag, when }) => {
    const text = readFileSync(join(folder, `${tag}.sql`), "utf8");
    return {
      idx,
      tag,
      when,
      hash: createHash("sha256").update(text).digest("hex"),
      statements: split(text),
      down: readDown(folder, tag),
    };
  });
}

const ledger = sql`drizzle.__drizzle_migrations`;

/** The ledger, created as drizzle creates it when missing, with the applied_at column the history reads. */
export async function ensureLedger(db: Database) {
  await db.execute(sql`CREATE SCHEMA IF NOT EXISTS drizzle`);
  await db.execute(
    sql`CREATE TABLE IF NOT EXISTS ${ledger} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
  );
  // Rows written before this column existed keep NULL: when they were applied is not known.
  await db.execute(sql`ALTER TABLE ${ledger} ADD COLUMN IF NOT EXISTS applied_at timestamptz`);
  await db.execute(sql`ALTER TABLE ${ledger} ALTER COLUMN applied_at SET DEFAULT now()`);
}

export async function readApplied(db: Database): Promise<Applied[]> {
  const rows = rowsOf<{ hash: string; created_at: string; applied_at: string | Date | null }>(
    await db.execute(
      sql`SELECT hash, created_at::text AS created_at, applied_at FROM ${ledger} ORDER BY created_at, id`,
    ),
  );
  return rows.map((row) => ({
    hash: row.hash,
    when: Number(row.created_at),
    appliedAt: row.applied_at === null ? null : new Date(row.applied_at),
  }));
}

export type Status = {
  rows: { migration: Migration; state: "applied" | "pending"; changed: boolean; appliedAt: Date | null }[];
  /** Ledger rows no migration here matches: applied from another checkout. */
  unknown: Applied[];
  latest: string | null;
  upToDate: boolean;
};

/**
 * Every migration, applied or pending, the database's latest, and drift: an applied migration whose file
 * changed since (its hash differs), or a ledger row no file matches. Up to date means nothing pending and no
 * drift.
 */
export function statusOf(migrations: Migration[], applied: Applied[]): Status {
  const byWhen = new Map(applied.map((row) => [row.when, row]));
  const rows = migrations.map((migration) => {
    const row = byWhen.get(migration.when);
    return {
      migration,
      state: row ? ("applied" as const) : ("pending" as const),
      changed: row !== undefined && row.hash !== migration.hash,
      appliedAt: row?.appliedAt ?? null,
    };
  });
  const known = new Set(migrations.map((migration) => migration.when));
  const unknown = applied.filter((row) => !known.has(row.when));
  const latest = rows.filter((row) => row.state === "applied").at(-1)?.migration.tag ?? null;
  const upToDate = rows.every((row) => row.state === "applied" && !row.changed) && unknown.length === 0;
  return { rows, unknown, latest, upToDate };
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Which migrations `--to <tag>` / `--steps N` select from `candidates` (in the order they would run). */
function select(candidates: Migration[], options: { to?: string; steps?: number }, including: boolean) {
  if (options.to !== undefined) {
    const at = candidates.findIndex((migration) => migration.tag === options.to);
    if (at === -1) throw new MigrationError(`${options.to} is not one of these migrations`);
    return candidates.slice(0, including ? at + 1 : at);
  }
  return options.steps === undefined ? candidates : candidates.slice(0, options.steps);
}

/**
 * Applies pending migrations in order, each in its own transaction with its ledger row: all of them, those up
 * to and including `to`, or the next `steps`. Drizzle's rule decides what is pending: every migration newer
 * than the latest applied.
 */
export async function migrateUp(db: Database, migrations: Migration[], options: { to?: string; steps?: number } = {}) {
  await ensureLedger(db);
  const applied = await readApplied(db);
  const last = Math.max(0, ...applied.map((row) => row.when));
  const target = options.to === undefined ? undefined : findTag(migrations, options.to);
  if (target && applied.some((row) => row.when === target.when)) return [];
  const pending = migrations.filter((migration) => migration.when > last);
  const chosen = select(pending, options, true);
  for (const migration of chosen) {
    await db.transaction(async (tx) => {
      for (const statement of migration.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`INSERT INTO ${ledger} (hash, created_at) VALUES (${migration.hash}, ${migration.when})`);
    });
  }
  return chosen.map((migration) => migration.tag);
}

function findTag(migrations: Migration[], tag: string) {
  const migration = migrations.find((m) => m.tag === tag);
  if (!migration) throw new MigrationError(`${tag} is not one of these migrations`);
  return migration;
}

/**
 * Undoes applied migrations, newest first, each with its down file in its own transaction that also removes
 * its ledger row: one (the default), `steps`, or every one after `to` (which stays applied). A migration with
 * no down file, or one that says it cannot be undone, stops the rollback there with the reason; what was undone
 * before it stays undone.
 */
export async function rollback(db: Database, migrations: Migration[], options: { to?: string; steps?: number } = {}) {
  await ensureLedger(db);
  const applied = new Set((await readApplied(db)).map((row) => row.when));
  const newestFirst = migrations.filter((migration) => applied.has(migration.when)).reverse();
  if (options.to !== undefined && !newestFirst.some((m) => m.tag === findTag(migrations, options.to as string).tag)) {
    throw new MigrationError(`${options.to} is not applied: nothing to roll back to`);
  }
  const chosen =
    options.to !== undefined
      ? select(newestFirst, { to: options.to }, false)
      : select(newestFirst, { steps: options.steps ?? 1 }, true);
  const undone: string[] = [];
  for (const migration of chosen) {
    const { down } = migration;
    if (down.kind === "missing") {
      throw new MigrationError(`${migration.tag} has no down migration (${down.path}); rolled back: ${list(undone)}`);
    }
    if (down.kind === "irreversible") {
      throw new MigrationError(`${migration.tag} cannot be undone: ${down.reason}; rolled back: ${list(undone)}`);
    }
    await db.transaction(async (tx) => {
      for (const statement of down.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`DELETE FROM ${ledger} WHERE created_at = ${migration.when}`);
    });
    undone.push(migration.tag);
  }
  return undone;
}

const list = (tags: string[]) => (tags.length === 0 ? "none" : tags.join(", "));
