import { openNodeDatabase } from "../db/node";
import { ensureDefaultTier, ensureFirstSuperuser } from "../db/seed";

// `npm run db:seed`: the default tier with its rate limits, and the first superuser from
// FIRST_SUPERUSER_EMAIL / FIRST_SUPERUSER_PASSWORD, in the database the API would use (DATABASE_URL, else
// the embedded PGlite in PGLITE_DATA_DIR). Idempotent.
const email = process.env.FIRST_SUPERUSER_EMAIL ?? "admin@example.com";
const password = process.env.FIRST_SUPERUSER_PASSWORD ?? "changethis";

const { db, close, description } = await openNodeDatabase({
  databaseUrl: process.env.DATABASE_URL,
  migrationUrl: process.env.MIGRATION_DATABASE_URL,
  dataDir: process.env.PGLITE_DATA_DIR ?? ".data/pglite",
});
try {
  if (await ensureDefaultTier(db)) console.log("created the default tier and its rate limits");
  const created = await ensureFirstSuperuser(db, { email, password });
  console.log(`${created ? "created" : "kept the existing"} superuser ${email} in ${description}`);
  if (created && !process.env.FIRST_SUPERUSER_PASSWORD) console.warn("it has the default password: change it");
} finally {
  await close();
}
