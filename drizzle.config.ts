import { mkdirSync } from "node:fs";
import { defineConfig } from "drizzle-kit";
import { lockDataDir } from "./db/drivers/pglite/data-dir-lock";

// Migrations run as the owner of the schema (MIGRATION_DATABASE_URL), never as the app's login role.
// Without a URL they go to the embedded PGlite database the API uses by default.
const url = process.env.MIGRATION_DATABASE_URL;
const dataDir = process.env.PGLITE_DATA_DIR ?? ".data/pglite";
if (!url) {
  mkdirSync(dataDir, { recursive: true });
  // Commands that open the embedded database take its lock, as npm start does: one process per folder.
  if (process.argv.some((arg) => ["migrate", "push", "studio", "pull", "introspect"].includes(arg))) {
    lockDataDir(dataDir, `drizzle-kit ${process.argv.slice(2).join(" ")}`);
  }
}

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  // DRIZZLE_OUT: generate into a copy (npm run db:check compares db/schema with the committed migrations).
  out: process.env.DRIZZLE_OUT ?? "./drizzle",
  ...(url ? { dbCredentials: { url } } : { driver: "pglite", dbCredentials: { url: dataDir } }),
  entities: { roles: true },
  migrations: { schema: "drizzle", table: "__drizzle_migrations" },
  strict: true,
  verbose: true,
});
