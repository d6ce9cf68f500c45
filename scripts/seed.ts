import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier } from "../db/seed";
import { describeFirstSuperuser, ensureFirstSuperuserFrom } from "../functions/lib/first-superuser";

// `npm run db:seed`: the default tier with its rate limits, and the first superuser from
// FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD when there is no superuser yet, in the database the API
// would use (DATABASE_URL, else the embedded PGlite in PGLITE_DATA_DIR, where a missing password is generated
// into the data directory). Idempotent.
const embedded = !process.env.DATABASE_URL;
const dataDir = process.env.PGLITE_DATA_DIR ?? ".data/pglite";
const { db, close, description } = await openNodeDatabase({
  databaseUrl: process.env.DATABASE_URL,
  migrationUrl: process.env.MIGRATION_DATABASE_URL,
  dataDir,
});
try {
  if (await ensureDefaultTier(db)) console.log("created the default tier and its rate limits");
  const result = await ensureFirstSuperuserFrom(db, process.env, embedded ? dataDir : undefined);
  console.log(describeFirstSuperuser(result) ?? `a superuser exists already in ${description}`);
} finally {
  await close();
}
