import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Database, rowsOf, type Tx } from "../db/client";
import { openPg } from "../db/drivers/node-postgres/open";
import { openPglite } from "../db/drivers/pglite/open";
import { openNodeDatabase } from "../db/node";
import { DEFAULT_LIMITS } from "../db/seed";
import { bootstrap, type DevEnv, initData, main, migrate } from "./dev-migrate";
import { startRelay } from "./local/relay";

type Target = {
  name: string;
  /** Makes an empty database and returns the environment pointing at it, and how to count its rows. */
  open: () => Promise<{ env: DevEnv; asOwner: <T>(fn: (db: Database | Tx) => Promise<T>) => Promise<T> }>;
  close: () => Promise<void>;
};

const pglite = (): Target => {
  const dir = mkdtempSync(join(tmpdir(), "dev-migrate-"));
  return {
    name: "PGlite",
    open: async () => ({
      env: { PGLITE_DATA_DIR: dir },
      asOwner: async (fn) => {
        const embedded = await openPglite(dir);
        try {
          return await embedded.asOwner(fn);
        } finally {
          await embedded.close();
        }
      },
    }),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
};

/** A fresh database on TEST_DATABASE_URL's server, created and dropped here, as functions/testing/harness.ts does. */
const postgres = (serverUrl: string): Target => {
  const name = `rls_devmigrate_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const ownerUrl = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const appUrl = Object.assign(new URL(ownerUrl), { username: "rls_authenticator", password: "unused" }).toString();
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let server: Awaited<ReturnType<typeof openNodeDatabase>>;
  return {
    name: "Postgres",
    open: async () => {
      relay = await startRelay();
      server = await openNodeDatabase({ databaseUrl: serverUrl, wsProxy: relay.proxy });
      await server.db.execute(sql.raw(`create database ${name}`));
      return {
        env: { MIGRATION_DATABASE_URL: ownerUrl, DATABASE_URL: appUrl, NEON_WS_PROXY: relay.proxy },
        asOwner: async (fn) => {
          const owner = openPg(ownerUrl, { max: 1 });
          try {
            return await fn(owner.db);
          } finally {
            await owner.close();
          }
        },
      };
    },
    close: async () => {
      await server.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
      await server.close();
      await relay.close();
    },
  };
};

const targets = [pglite(), ...(process.env.TEST_DATABASE_URL ? [postgres(process.env.TEST_DATABASE_URL)] : [])];

describe.each(targets)("dev-migrate on $name", (target) => {
  let env: DevEnv;
  let counts: () => Promise<Record<string, number>>;
  beforeAll(async () => {
    const opened = await target.open();
    env = { ...opened.env, FIRST_SUPERUSER_EMAIL: "root@example.com", FIRST_SUPERUSER_PASSWORD: "root-password" };
    counts = () =>
      opened.asOwner(async (db) => {
        const [row] = rowsOf<Record<string, number>>(
          await db.execute(sql`select
            (select count(*)::int from tiers) as tiers,
            (select count(*)::int from rate_limits) as rate_limits,
            (select count(*)::int from users) as users,
            (select count(*)::int from users where is_superuser) as superusers,
            (select count(*)::int from users where tier_id is null) as users_without_tier,
            (select count(*)::int from items) as items,
            (select count(*)::int from posts where is_published) as published_posts`),
        );
        return row as Record<string, number>;
      });
  });
  afterAll(() => target.close());

  it("migrate applies every migration, and again is a no-op", async () => {
    const first = await migrate(env);
    expect(first.applied).toBe(first.total);
    expect(first.latest).toMatch(/^\d{4}_/);
    expect(await migrate(env)).toEqual(first);
  });

  it("init-data finds the default tier the migrations made, creates the first superuser and the demo rows, once", async () => {
    const first = await initData(env);
    expect(first).toMatchObject({
      defaultTierCreated: false, // the migrations made it
      superuser: "root@example.com",
      superuserCreated: true,
      usersCreated: 2,
      itemsCreated: 3,
      postsCreated: 1,
    });
    expect(await counts()).toEqual({
      tiers: 1,
      rate_limits: DEFAULT_LIMITS.length,
      users: 3,
      superusers: 1,
      users_without_tier: 0,
      items: 3,
      published_posts: 1,
    });
  });

  it("bootstrap, run twice, changes nothing more", async () => {
    const before = await counts();
    for (let run = 0; run < 2; run++) {
      const { migrated, initialised } = await bootstrap(env);
      expect(migrated.applied).toBe(migrated.total);
      expect(initialised).toMatchObject({
        defaultTierCreated: false,
        superuserCreated: false,
        usersCreated: 0,
        itemsCreated: 0,
        postsCreated: 0,
      });
      expect(await counts()).toEqual(before);
    }
  });
});

describe("dev-migrate command line", () => {
  it("prints usage and exits 2 for an unknown subcommand", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await main(["nope"], {})).toBe(2);
    expect(error).toHaveBeenCalledWith("usage: dev-migrate migrate|init-data|bootstrap");
    error.mockRestore();
  });

  it("exits 1 with a one-line error, no stack, when the database cannot be reached", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await main(["migrate"], { MIGRATION_DATABASE_URL: "postgres://postgres@127.0.0.1:1/nowhere" })).toBe(1);
    const printed = error.mock.calls.map((call) => call.join(" ")).join("\n");
    expect(printed).toMatch(/^dev-migrate migrate failed: \S.*$/);
    expect(printed).not.toMatch(/\n|\bat /);
    error.mockRestore();
  });
});
