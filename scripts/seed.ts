import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier } from "../db/seed";
import { describeFirstSuperuser, ensureFirstSuperuserFrom } from "../functions/lib/first-superuser";

// `npm run db:seed`: the default tier with its rate limits, and the first superuser from
// FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD when there is no superuser yet, in the database the API
// would use (DATABASE_URL, else the embedded PGlite in PGLITE_DATA_DIR, where a missing password is generated
// into the data directory). Idempotent.
const embedded = !process.env.DATABASE_URL;
const dataDir = process.env.PGLITE_DATA_DIR ?? ".data/pglite";
// Seeding runs as rls_maintenance_admin, which only the maintenance login (or the owner) may switch to.
const maintenanceUrl = process.env.MAINTENANCE_DATABASE_URL ?? process.env.MIGRATION_DATABASE_URL;
if (!embedded && !maintenanceUrl) {
  console.error("Set MAINTENANCE_DATABASE_URL (the rls_maintainer login) or MIGRATION_DATABASE_URL to seed.");
  process.exit(1);
}
const { db, maintenance, close, description } = await openNodeDatabase({
  databaseUrl: process.env.DATABASE_URL,
  migrationUrl: process.env.MIGRATION_DATABASE_URL,
  dataDir,
  maintenanceUrl,
});
try {
  const target = maintenance ?? db;
  if (await ensureDefaultTier(target)) console.log("created the default tier and its rate limits");
  const result = await ensureFirstSuperuserFrom(target, process.env, embedded ? dataDir : undefined);
  console.log(describeFirstSuperuser(result) ?? `a superuser exists already in ${description}`);
} finally {
  await close();
}
