import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { and, inArray, sql } from "drizzle-orm";
import { withAdmin } from "../db/admin";
import { type Database, rowsOf, type Tx } from "../db/client";
import { openPglite } from "../db/drivers/pglite/open";
import { migrationConfig } from "../db/migrations";
import { openNodeDatabase } from "../db/node";
import { items, posts, tiers, users } from "../db/schema";
import { ensureDefaultTier } from "../db/seed";
import { hashPassword } from "../functions/lib/credentials/password";
import { describeFirstSuperuser, ensureFirstSuperuserFrom } from "../functions/lib/first-superuser";
import { findPgError } from "../functions/lib/pg-errors";

// `npm run dev:migrate | dev:init-data | dev:bootstrap`: a development database from nothing, in one
// command, as many times as you like. Every step is idempotent.

export type DevEnv = Partial<
  Record<
    | "MIGRATION_DATABASE_URL"
    | "MAINTENANCE_DATABASE_URL"
    | "DATABASE_URL"
    | "PGLITE_DATA_DIR"
    | "NEON_WS_PROXY"
    | "FIRST_SUPERUSER_EMAIL"
    | "FIRST_SUPERUSER_PASSWORD"
    | "DEMO_PASSWORD",
    string
  >
>;

const dataDirOf = (env: DevEnv) => env.PGLITE_DATA_DIR ?? ".data/pglite";

const journal = JSON.parse(readFileSync(join(migrationConfig.migrationsFolder, "meta/_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};

async function appliedMigrations(db: Database | Tx) {
  const table = sql.identifier(migrationConfig.migrationsTable ?? "__drizzle_migrations");
  const schema = sql.identifier(migrationConfig.migrationsSchema ?? "drizzle");
  const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${schema}.${table}`));
  const applied = row?.n ?? 0;
  return { applied, total: journal.entries.length, latest: journal.entries[applied - 1]?.tag ?? null };
}

/**
 * Applies drizzle/ to MIGRATION_DATABASE_URL (the schema owner's URL) with drizzle-orm's node-postgres migrator,
 * or, without it, to the embedded PGlite in PGLITE_DATA_DIR.
 */
export async function migrate(env: DevEnv) {
  if (env.MIGRATION_DATABASE_URL) {
    const owner = await openNodeDatabase({
      databaseUrl: env.MIGRATION_DATABASE_URL,
      migrationUrl: env.MIGRATION_DATABASE_URL,
    });
    try {
      return { database: owner.description, ...(await appliedMigrations(owner.db)) };
    } finally {
      await owner.close();
    }
  }
  const embedded = await openPglite(dataDirOf(env)); // migrates as it opens
  try {
    return { database: `PGlite (${dataDirOf(env)})`, ...(await embedded.asOwner(appliedMigrations)) };
  } finally {
    await embedded.close();
  }
}

/** Two demo accounts with a few items, and one published post: enough to try the API by hand. */
export const DEMO = {
  users: [
    { email: "demo.ada@example.com", full_name: "Ada (demo)", items: ["Buy milk", "Write the report"] },
    { email: "demo.bob@example.com", full_name: "Bob (demo)", items: ["Fix the bike"] },
  ],
  post: {
    slug: "hello-from-the-demo-data",
    title: "Hello from the demo data",
    content: "Published by Ada, readable by every signed-in user.",
  },
};

/** The demo rows that are missing, as rls_maintenance_admin; rows already there are left as they are. */
export function ensureDemoData(db: Database, password: string) {
  const emails = DEMO.users.map((user) => user.email);
  return withAdmin(db, async (tx) => {
    const existing = await tx.select({ email: users.email }).from(users).where(inArray(users.email, emails));
    const missing = DEMO.users.filter((user) => !existing.some((row) => row.email === user.email));
    let usersCreated = 0;
    if (missing.length > 0) {
      const hashed = await hashPassword(password);
      const defaultTier = sql`(select ${tiers.id} from ${tiers} where ${tiers.is_default})`;
      const created = await tx
        .insert(users)
        .values(
          missing.map(({ email, full_name }) => ({ email, full_name, hashed_password: hashed, tier_id: defaultTier })),
        )
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id });
      usersCreated = created.length;
    }
    const owners = await tx
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(inArray(users.email, emails));
    const idOf = (email: string) => owners.find((row) => row.email === email)?.id as string;

    // An item counts as there when its owner has one with that title, deleted or not.
    const wanted = DEMO.users.flatMap((user) => user.items.map((title) => ({ owner_id: idOf(user.email), title })));
    const have = await tx
      .select({ owner_id: items.owner_id, title: items.title })
      .from(items)
      .where(
        and(
          inArray(
            items.owner_id,
            owners.map((row) => row.id),
          ),
          inArray(
            items.title,
            wanted.map((item) => item.title),
          ),
        ),
      );
    const newItems = wanted.filter(
      (item) => !have.some((row) => row.owner_id === item.owner_id && row.title === item.title),
    );
    if (newItems.length > 0) await tx.insert(items).values(newItems);

    const author = idOf(DEMO.users[0]?.email as string);
    const post = await tx
      .insert(posts)
      .values({ ...DEMO.post, owner_id: author, is_published: true, published_at: sql`now()` })
      .onConflictDoNothing({ target: posts.slug })
      .returning({ id: posts.id });
    return { usersCreated, itemsCreated: newItems.length, postsCreated: post.length };
  });
}

/**
 * The default tier and its limits, the first superuser (FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD),
 * and the demo rows, written as rls_maintenance_admin through a login that may switch to it:
 * MAINTENANCE_DATABASE_URL, else MIGRATION_DATABASE_URL (the owner), else the embedded PGlite. (The request
 * login, DATABASE_URL, cannot reach that role.)
 */
export async function initData(env: DevEnv) {
  const email = env.FIRST_SUPERUSER_EMAIL ?? "admin@example.com";
  const url = env.MAINTENANCE_DATABASE_URL ?? env.MIGRATION_DATABASE_URL;
  const opened = await openNodeDatabase({ databaseUrl: url, dataDir: dataDirOf(env) });
  const { close, description } = opened;
  const db = opened.maintenance ?? opened.db;
  try {
    const defaultTierCreated = await ensureDefaultTier(db);
    const embedded = !url;
    const superuser = await ensureFirstSuperuserFrom(db, env, embedded ? dataDirOf(env) : undefined);
    const superuserCreated = superuser.outcome === "created";
    const demo = await ensureDemoData(db, env.DEMO_PASSWORD ?? "demo-password");
    const superuserNote = describeFirstSuperuser(superuser);
    return { database: description, defaultTierCreated, superuser: email, superuserCreated, superuserNote, ...demo };
  } finally {
    await close();
  }
}

export async function bootstrap(env: DevEnv) {
  return { migrated: await migrate(env), initialised: await initData(env) };
}

type Migrated = Awaited<ReturnType<typeof migrate>>;
type Initialised = Awaited<ReturnType<typeof initData>>;

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const describeMigrated = (m: Migrated) =>
  `migrate: ${m.database} has ${m.applied} of ${m.total} migrations applied (latest ${m.latest ?? "none"})`;
const describeInitialised = (i: Initialised) =>
  [
    `init-data: ${i.database}`,
    `  default tier: ${i.defaultTierCreated ? "created" : "already there"}`,
    `  superuser ${i.superuser}: ${i.superuserNote ?? (i.superuserCreated ? "created" : "already there")}`,
    `  demo data created: ${count(i.usersCreated, "user")}, ${count(i.itemsCreated, "item")}, ${count(i.postsCreated, "post")}`,
  ].join("\n");

const commands = {
  migrate: async (env: DevEnv) => describeMigrated(await migrate(env)),
  "init-data": async (env: DevEnv) => describeInitialised(await initData(env)),
  bootstrap: async (env: DevEnv) => {
    const done = await bootstrap(env);
    return `${describeMigrated(done.migrated)}\n${describeInitialised(done.initialised)}`;
  },
};

/** One line, never a stack: the database's own message, else the innermost cause's (not "Failed query: ..."). */
function oneLine(error: unknown) {
  const messages: string[] = [];
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const text = (e as { message?: unknown }).message;
    if (typeof text === "string" && text) messages.push(text);
  }
  return (findPgError(error)?.message ?? messages.at(-1) ?? String(error)).split("\n")[0];
}

export async function main(args: string[], env: DevEnv): Promise<number> {
  const name = args[0] ?? "";
  const command = commands[name as keyof typeof commands];
  if (!command || args.length > 1) {
    console.error(`usage: dev-migrate ${Object.keys(commands).join("|")}`);
    return 2;
  }
  try {
    console.log(await command(env));
    return 0;
  } catch (error) {
    console.error(`dev-migrate ${name} failed: ${oneLine(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(await main(process.argv.slice(2), process.env));
}
