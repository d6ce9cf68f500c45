import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { rowsOf, type Tx } from "../client";

/**
 * The SQL functions' one current copy. Every function of the schemas below is defined by one file,
 * `db/sql/<schema>/<name>.sql`: its `CREATE OR REPLACE FUNCTION`, owner, grants and comment, statements
 * separated by `--> statement-breakpoint` as in a migration. The files are what a reader opens; migrations
 * are their history. `npm run db:generate` writes the migration (and its down file) that brings a migrated
 * database to the files; `npm run db:check` and db/sql/functions.test.ts fail while the two differ.
 *
 * "Differ" is decided by Postgres, not by comparing text: in one transaction that is always rolled back, the
 * migrated database's functions are read (definition as pg_get_functiondef prints it, owner, grants, comment),
 * dropped, made again from the files alone, and read again. Formatting and comments outside a body do not
 * count; a changed body, argument, setting, owner or grant does.
 */
export const FUNCTION_SCHEMAS = ["app_auth", "app_private"] as const;

export const functionsFolder = fileURLToPath(new URL(".", import.meta.url));

export type FunctionFile = { path: string; schema: string; name: string; statements: string[] };

/** The statements of a migration-style text: split at `--> statement-breakpoint`, comment-only parts dropped. */
export const statementsOf = (text: string) =>
  text
    .split("--> statement-breakpoint")
    .map((part) => part.trim())
    .filter((part) => part.replace(/^\s*--.*$/gm, "").trim() !== "");

/** Every function file under `root`, each checked to define the function its path names. */
export function readFunctionFiles(root = functionsFolder): FunctionFile[] {
  return FUNCTION_SCHEMAS.flatMap((schema) => {
    let names: string[];
    try {
      names = readdirSync(join(root, schema)).filter((name) => name.endsWith(".sql"));
    } catch {
      return [];
    }
    return names.sort().map((file) => {
      const path = join(root, schema, file);
      const name = file.slice(0, -".sql".length);
      const statements = statementsOf(readFileSync(path, "utf8"));
      const defines = new RegExp(`^\\s*(--.*\\n\\s*)*CREATE OR REPLACE FUNCTION ${schema}\\.${name}\\(`, "i");
      if (!statements[0] || !defines.test(statements[0])) {
        throw new Error(
          `${relative(process.cwd(), path)}: must start with CREATE OR REPLACE FUNCTION ${schema}.${name}(`,
        );
      }
      return { path, schema, name, statements };
    });
  });
}

/** One function as the database holds it. */
export type FunctionState = {
  /** `schema.name(argument types)`, how DROP and GRANT name it. */
  signature: string;
  schema: string;
  name: string;
  /** pg_get_functiondef: the whole CREATE OR REPLACE statement, normalized by Postgres. */
  definition: string;
  arguments: string;
  result: string;
  /** Undefined when the function belongs to whoever runs the migrations. */
  owner: string | undefined;
  /** Roles that may execute it besides its owner (PUBLIC when everyone may). */
  executors: string[];
  comment: string | null;
};

async function readFunctions(tx: Tx): Promise<Map<string, FunctionState>> {
  const result = await tx.execute(sql`
    select p.oid::regprocedure::text as signature, n.nspname as schema, p.proname as name,
      pg_get_functiondef(p.oid) as definition, pg_get_function_arguments(p.oid) as arguments,
      pg_get_function_result(p.oid) as result,
      nullif(pg_get_userbyid(p.proowner), current_user)::text as owner,
      array(select case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end
        from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        where a.grantee <> p.proowner order by 1)::text[] as executors,
      obj_description(p.oid, 'pg_proc') as comment
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in (${sql.join(
      FUNCTION_SCHEMAS.map((schema) => sql`${schema}`),
      sql`, `,
    )})
    order by 1`);
  const rows = rowsOf<FunctionState & { owner: string | null }>(result);
  return new Map(rows.map((row) => [row.signature, { ...row, owner: row.owner ?? undefined }]));
}

const same = (a: FunctionState, b: FunctionState) =>
  a.definition === b.definition &&
  a.owner === b.owner &&
  a.comment === b.comment &&
  a.executors.join() === b.executors.join();

export type FunctionsDiff = {
  /** In the files, not in the database (a new function, or a new signature of an old name). */
  added: FunctionState[];
  /** In both, not the same: [as the database has it, as the files make it]. */
  changed: [FunctionState, FunctionState][];
  /** In the database, in no file (dropped, or an old signature). */
  removed: FunctionState[];
  files: FunctionFile[];
};

export const isEmpty = (diff: FunctionsDiff) => diff.added.length + diff.changed.length + diff.removed.length === 0;

class Rollback extends Error {}

/**
 * Compares the functions of the database `tx` is in (as the schema owner) with the files: reads them, drops
 * them, runs every file, reads again, and rolls it all back. A file that fails to run throws, naming it.
 */
export async function compareFunctions(
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
  files = readFunctionFiles(),
): Promise<FunctionsDiff> {
  let diff: FunctionsDiff | undefined;
  try {
    await transaction(async (tx) => {
      // A body refers to tables and other functions: check them when they run, not in file order.
      await tx.execute(sql`set local check_function_bodies = off`);
      const before = await readFunctions(tx);
      for (const signature of before.keys()) await tx.execute(sql.raw(`DROP FUNCTION ${signature} CASCADE`));
      for (const file of files) {
        for (const statement of file.statements) {
          try {
            await tx.execute(sql.raw(statement));
          } catch (error) {
            const cause =
              error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error;
            throw new Error(`${relative(process.cwd(), file.path)}: ${cause}`);
          }
        }
      }
      const after = await readFunctions(tx);
      diff = {
        added: [...after.values()].filter((state) => !before.has(state.signature)),
        removed: [...before.values()].filter((state) => !after.has(state.signature)),
        changed: [...before.values()].flatMap((state): [FunctionState, FunctionState][] => {
          const made = after.get(state.signature);
          return made && !same(state, made) ? [[state, made]] : [];
        }),
        files,
      };
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  if (!diff) throw new Error("compareFunctions: the comparison did not run");
  return diff;
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
const withSemicolon = (statement: string) =>
  statement.trimEnd().endsWith(";") ? statement.trimEnd() : `${statement.trimEnd()};`;

/** The statements that make `state` in a database that lacks it: what a down file restores. */
export function definitionOf(state: FunctionState): string[] {
  const statements = [withSemicolon(state.definition)];
  if (state.owner) statements.push(`ALTER FUNCTION ${state.signature} OWNER TO ${state.owner};`);
  statements.push(`REVOKE ALL ON FUNCTION ${state.signature} FROM PUBLIC;`);
  if (state.executors.length > 0) {
    statements.push(`GRANT EXECUTE ON FUNCTION ${state.signature} TO ${state.executors.join(", ")};`);
  }
  if (state.comment !== null) statements.push(`COMMENT ON FUNCTION ${state.signature} IS ${quote(state.comment)};`);
  return statements;
}

/** Before replacing `from` with `to` in place: what CREATE OR REPLACE cannot change, or would leave behind. */
function clearFor(from: FunctionState, to: FunctionState): string[] {
  if (from.result !== to.result || from.arguments !== to.arguments) return [`DROP FUNCTION ${from.signature};`];
  const extra = from.executors.filter((role) => !to.executors.includes(role));
  return extra.length > 0 ? [`REVOKE ALL ON FUNCTION ${from.signature} FROM ${extra.join(", ")};`] : [];
}

const fileOf = (diff: FunctionsDiff, state: FunctionState) => {
  const file = diff.files.find((f) => f.schema === state.schema && f.name === state.name);
  if (!file) throw new Error(`no file defines ${state.signature}`);
  return file.statements.map(withSemicolon);
};

/**
 * The migration that takes the database from what it has to what the files make, and its down file: a file's
 * statements as they are written, going up; the database's own definitions (read before), going down.
 */
export function migrationFor(diff: FunctionsDiff): { up: string[]; down: string[] } {
  const up = [
    ...diff.removed.map((state) => `DROP FUNCTION ${state.signature};`),
    ...diff.changed.flatMap(([from, to]) => [...clearFor(from, to), ...fileOf(diff, to)]),
    ...diff.added.flatMap((state) => fileOf(diff, state)),
  ];
  const down = [
    ...diff.added.map((state) => `DROP FUNCTION ${state.signature};`),
    ...diff.changed.flatMap(([from, to]) => [...clearFor(to, from), ...definitionOf(from)]),
    ...diff.removed.flatMap(definitionOf),
  ];
  return { up, down };
}

/** What differs, one line per function: for an error message, or (`made`) for the migration that makes it. */
export function describe(diff: FunctionsDiff, made = false): string {
  const where = (state: FunctionState) => `db/sql/${state.schema}/${state.name}.sql`;
  return [
    ...diff.added.map((state) =>
      made
        ? `  ${state.signature}: new, from ${where(state)}`
        : `  ${state.signature}: in ${where(state)}, not made by any migration`,
    ),
    ...diff.changed.map(([, state]) =>
      made
        ? `  ${state.signature}: as ${where(state)} now defines it`
        : `  ${state.signature}: ${where(state)} differs from what the migrations made`,
    ),
    ...diff.removed.map((state) =>
      made
        ? `  ${state.signature}: dropped (no file defines it)`
        : `  ${state.signature}: made by the migrations, in no file (${where(state)})`,
    ),
  ].join("\n");
}
