import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../functions/testing/harness";
import { removeScratchFolders, scratchFolder } from "../../functions/testing/scratch-files";
import { rowsOf } from "../client";
import {
  compareFunctions,
  describe as describeDiff,
  functionsFolder,
  migrationFor,
  readFunctionFiles,
} from "./functions";

// The files under db/sql are the functions' one current copy: a migrated database (PGlite here, the Postgres
// server of TEST_DATABASE_URL in CI) must have exactly the functions they define, and the migration generated
// from a changed file must take a database to the files and its down file back again.

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
});
afterAll(async () => {
  await t.close();
  removeScratchFolders();
});

const run = (statements: string[]) =>
  t.asOwner(async (tx) => {
    for (const statement of statements) await tx.execute(sql.raw(statement));
  });

describe("SQL function files", () => {
  it("the migrated database has exactly the functions the files define", async () => {
    const diff = await compareFunctions(t.asOwner);
    expect(describeDiff(diff)).toBe("");
    expect(diff.files.map((file) => `${file.schema}.${file.name}`)).toContain("app_auth.begin_request");
  });

  it("a file that names another function than its path is refused", () => {
    const folder = scratchFolder("functions-");
    cpSync(functionsFolder, folder, { recursive: true });
    cpSync(join(folder, "app_auth/login_lookup.sql"), join(folder, "app_auth/someone.sql"));
    expect(() => readFunctionFiles(folder)).toThrow(/must start with CREATE OR REPLACE FUNCTION app_auth\.someone\(/);
  });

  it("finds a changed, a new and a removed function; the generated migration goes there and back", async () => {
    const folder = scratchFolder("functions-");
    cpSync(functionsFolder, folder, { recursive: true });
    // Changed: a body and a grant. New: a function with no migration. Removed: a file deleted.
    const keyUse = join(folder, "app_auth/record_key_use.sql");
    writeFileSync(
      keyUse,
      readFileSync(keyUse, "utf8")
        .replace(/\$function\$\n/, "$function$\n  -- changed on purpose\n")
        .concat(
          "--> statement-breakpoint\nGRANT EXECUTE ON FUNCTION app_auth.record_key_use(uuid,text,text,integer) TO rls_anon;\n",
        ),
    );
    writeFileSync(
      join(folder, "app_private/answer.sql"),
      "-- A new function.\nCREATE OR REPLACE FUNCTION app_private.answer() RETURNS integer LANGUAGE sql AS $$ SELECT 42 $$;\n" +
        "--> statement-breakpoint\nREVOKE ALL ON FUNCTION app_private.answer() FROM PUBLIC;\n",
    );
    rmSync(join(folder, "app_private/secure_user_table.sql"));
    const changed = readFunctionFiles(folder);

    const diff = await compareFunctions(t.asOwner, changed);
    expect(diff.added.map((f) => f.signature)).toEqual(["app_private.answer()"]);
    expect(diff.changed.map(([, f]) => f.signature)).toEqual(["app_auth.record_key_use(uuid,text,text,integer)"]);
    expect(diff.removed.map((f) => f.signature)).toEqual(["app_private.secure_user_table(regclass)"]);

    const { up, down } = migrationFor(diff);
    await run(up);
    expect(describeDiff(await compareFunctions(t.asOwner, changed))).toBe("");
    const [answer] = await t.asOwner(async (tx) => rowsOf(await tx.execute(sql`select app_private.answer() as n`)));
    expect(answer).toEqual({ n: 42 });
    await run(down);
    expect(describeDiff(await compareFunctions(t.asOwner))).toBe("");
  });

  it("a file that fails to run is named", async () => {
    const folder = scratchFolder("functions-");
    cpSync(functionsFolder, folder, { recursive: true });
    const lookup = join(folder, "app_auth/login_lookup.sql");
    writeFileSync(lookup, readFileSync(lookup, "utf8").replace("RETURNS", "RETURNZ"));
    await expect(compareFunctions(t.asOwner, readFunctionFiles(folder))).rejects.toThrow(/login_lookup\.sql: .*syntax/);
  });
});
