import { mkdirSync } from "node:fs";
import { defineConfig } from "drizzle-kit";

// Migrations run as the owner of the schema (MIGRATION_DATABASE_URL), never as the app's login role.
// Without a URL they go to the embedded PGlite database the API uses by default.
const url = process.env.MIGRATION_DATABASE_URL;
const dataDir = process.env.PGLITE_DATA_DIR ?? ".data/pglite";
if (!url) mkdirSync(dataDir, { recursive: true });

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./drizzle",
  ...(url ? { dbCredentials: { url } } : { driver: "pglite", dbCredentials: { url: dataDir } }),
  entities: { roles: true },
  migrations: { schema: "drizzle", table: "__drizzle_migrations" },
  strict: true,
  verbose: true,
});
