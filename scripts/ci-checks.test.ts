import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrationsCopy, removeScratchFolders, scratchFolder } from "../functions/testing/scratch-files";

afterAll(removeScratchFolders);

// The checks CI runs on migrations and workflows, each shown failing on a case broken on purpose (and passing
// on the repository as it is, which CI itself shows).

const run = (command: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(command, args, { env: { ...process.env, ...env }, encoding: "utf8" });
const tsx = (script: string, env: Record<string, string> = {}) =>
  run(process.execPath, ["--import", "tsx", script], env);

// They read no test database: the embedded runs (one per Node version) cover them, the Postgres runs skip them.
describe.skipIf(process.env.TEST_DATABASE_URL)("CI's checks fail on what they guard against", () => {
  it("db:check: db/schema with a change no migration makes", { timeout: 60_000 }, () => {
    // Without 0011 and after: db/schema has users.token_version, which no remaining migration adds.
    const { folder, journal } = migrationsCopy(11);
    const result = tsx("scripts/db-check.ts", { DB_CHECK_MIGRATIONS: folder });
    expect(result.status, result.stdout).toBe(1);
    expect(result.stderr).toContain("db/schema has changes no migration makes");
    expect(journal.length).toBeGreaterThan(11);
  });

  it("db:check: a changed SQL function file with no migration", { timeout: 60_000 }, () => {
    const folder = scratchFolder("ci-checks-");
    cpSync("db/sql", folder, { recursive: true });
    const file = join(folder, "app_auth/login_lookup.sql");
    writeFileSync(file, readFileSync(file, "utf8").replace("$function$\n", "$function$\n  -- changed on purpose\n"));
    const result = tsx("scripts/db-check.ts", { DB_CHECK_FUNCTIONS: folder });
    expect(result.status, result.stdout).toBe(1);
    expect(result.stderr).toContain("app_auth.login_lookup(text): db/sql/app_auth/login_lookup.sql differs");
  });

  it("db:lint: a migration that would lock a live table without a timeout", { timeout: 60_000 }, () => {
    const { folder } = migrationsCopy(14);
    const last = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")).entries.at(-1).tag;
    writeFileSync(
      join(folder, `${last}.sql`),
      'ALTER TABLE "items" ADD COLUMN "priority" integer NOT NULL DEFAULT 0;\n',
    );
    const result = tsx("scripts/lint-migrations.ts", { MIGRATIONS_DIR: folder });
    expect(result.status).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/require-lock-timeout|require-statement-timeout/);
  });

  it("check:workflows: a workflow that is not valid for GitHub Actions", () => {
    const folder = scratchFolder("ci-checks-");
    const workflow = join(folder, "broken.yml");
    writeFileSync(workflow, "name: broken\non: push\njobs:\n  test:\n    steps:\n      - run: npm test\n");
    const result = run("node_modules/.bin/action-validator", [workflow]);
    expect(result.status).not.toBe(0);
    expect(run("node_modules/.bin/action-validator", [".github/workflows/ci.yml"]).status).toBe(0);
  });
});
