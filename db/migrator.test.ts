import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsCopy, removeScratchFolders } from "../functions/testing/scratch-files";
import { roundtrip } from "../scripts/db-roundtrip";
import type { Database } from "./client";
import { openPg } from "./drivers/node-postgres/open";
import { openPglite } from "./drivers/pglite/open";
import { migrateUp, readApplied, readMigrations, rollback, statusOf } from "./migrator";

// The migration verbs (npm run db:migrate | db:rollback | db:status | db:history) on a database of their own:
// the embedded one, or a scratch database of the server at TEST_DATABASE_URL.

const server = process.env.TEST_DATABASE_URL;
const scratch = `migrator_${process.pid}_${Date.now()}`;
let db: Database;
let close: () => Promise<void>;

beforeAll(async () => {
  if (server) {
    const admin = openPg(server, { max: 1 });
    await admin.db.execute(sql.raw(`create database ${scratch}`));
    await admin.close();
    const url = new URL(server);
    url.pathname = `/${scratch}`;
    const pg = openPg(url.toString(), { max: 1 });
    db = pg.db;
    close = pg.close;
  } else {
    const pglite = await openPglite(undefined, { migrate: false });
    db = pglite.db;
    close = pglite.close;
  }
});
afterAll(removeScratchFolders);
afterAll(async () => {
  await close();
  if (server) {
    const admin = openPg(server, { max: 1 });
    await admin.db.execute(sql.raw(`drop database ${scratch} with (force)`));
    await admin.close();
  }
});

const copyOfMigrations = (count: number) => migrationsCopy(count).folder;

const status = async (migrations = server ? readMigrations(copyOfMigrations(ROLE_CHANGE)) : readMigrations()) =>
  statusOf(migrations, await readApplied(db));

// On a server, the verbs run the migrations before 0013: undoing 0013 changes role memberships, which belong to
// the whole cluster, and would briefly let the login role of every test database in it reach the maintenance
// role (the suites running beside this one check that it cannot). npm run db:roundtrip undoes it, alone in CI.
const allMigrations = readMigrations();
const ROLE_CHANGE = allMigrations.findIndex((m) => m.tag === "0013_maintenance_login");

describe("migration verbs", () => {
  const migrations = server ? readMigrations(copyOfMigrations(ROLE_CHANGE)) : allMigrations;
  const last = migrations.at(-1)?.tag as string;
  const beforeLast = migrations.at(-2)?.tag as string;

  it("migrate, status, rollback one step, status, migrate, status, history", async () => {
    expect(await migrateUp(db, migrations)).toHaveLength(migrations.length);
    expect(await status()).toMatchObject({ upToDate: true, latest: last });

    expect(await rollback(db, migrations)).toEqual([last]);
    const after = await status();
    expect(after).toMatchObject({ upToDate: false, latest: beforeLast });
    expect(after.rows.filter((row) => row.state === "pending").map((row) => row.migration.tag)).toEqual([last]);

    expect(await migrateUp(db, migrations)).toEqual([last]);
    expect(await status()).toMatchObject({ upToDate: true });
    const history = await readApplied(db);
    expect(history.map((row) => row.when)).toEqual(migrations.map((m) => m.when));
    expect(history.every((row) => row.appliedAt instanceof Date)).toBe(true);
  });

  it("--steps and --to, both ways", async () => {
    expect(await rollback(db, migrations, { steps: 3 })).toEqual(
      migrations
        .slice(-3)
        .map((m) => m.tag)
        .reverse(),
    );
    expect(await migrateUp(db, migrations, { steps: 1 })).toEqual([migrations.at(-3)?.tag]);
    expect(await migrateUp(db, migrations, { to: beforeLast })).toEqual([beforeLast]);
    expect(await migrateUp(db, migrations, { to: beforeLast })).toEqual([]);
    expect(await migrateUp(db, migrations)).toEqual([last]);
    const target = migrations.at(-4)?.tag as string;
    expect(await rollback(db, migrations, { to: target })).toEqual(
      migrations
        .slice(-3)
        .map((m) => m.tag)
        .reverse(),
    );
    expect((await status()).latest).toBe(target);
    await migrateUp(db, migrations);
  });

  it("stops at a migration that cannot be undone, with its reason, and at one without a down file", async () => {
    await expect(rollback(db, migrations, { steps: migrations.length })).rejects.toThrow(
      /0000_roles cannot be undone: roles belong to the Postgres cluster/,
    );
    expect((await status()).latest).toBe("0000_roles");
    await migrateUp(db, migrations);

    const folder = copyOfMigrations(migrations.length);
    rmSync(join(folder, "down", `${last}.sql`));
    await expect(rollback(db, readMigrations(folder))).rejects.toThrow(`${last} has no down migration`);
    expect((await status()).upToDate).toBe(true);
  });

  it("reports drift: a changed migration file, and an applied migration this checkout does not have", async () => {
    const folder = copyOfMigrations(migrations.length);
    writeFileSync(join(folder, `${last}.sql`), `${readFileSync(join(folder, `${last}.sql`), "utf8")}\n-- edited`);
    const changed = await status(readMigrations(folder));
    expect(changed.upToDate).toBe(false);
    expect(changed.rows.filter((row) => row.changed).map((row) => row.migration.tag)).toEqual([last]);

    const older = await status(readMigrations(copyOfMigrations(migrations.length - 1)));
    expect(older.upToDate).toBe(false);
    expect(older.unknown.map((row) => row.when)).toEqual([migrations.at(-1)?.when]);
  });
});

describe.skipIf(!server)("up -> down -> up leaves the schema as plain up (pg_dump)", () => {
  it("fails when a down file misses something, or is missing", { timeout: 120_000 }, async () => {
    const folder = copyOfMigrations(5);
    const downPath = join(folder, "down", "0004_posts_categories_security.sql");
    // The down file forgets to drop a comment 0004 made.
    writeFileSync(
      downPath,
      readFileSync(downPath, "utf8").replace("COMMENT ON TABLE public.users IS NULL;\n--> statement-breakpoint\n", ""),
    );
    rmSync(join(folder, "down", "0003_posts_categories.sql"));
    const { failures, skipped } = await roundtrip(readMigrations(folder));
    expect(skipped).toEqual([expect.stringMatching(/^0000_roles: /)]);
    expect(failures).toEqual([
      "0003_posts_categories: no down migration (drizzle/down/0003_posts_categories.sql)",
      expect.stringMatching(
        /^0004_posts_categories_security: down does not restore the schema before it\n.*COMMENT ON TABLE public\.users/s,
      ),
    ]);
  });
});
