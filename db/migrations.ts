import { fileURLToPath } from "node:url";
import type { MigrationConfig } from "drizzle-orm/migrator";

/** Where drizzle-kit writes migrations, and the table it records them in (same as drizzle.config.ts). */
export const migrationConfig: MigrationConfig = {
  migrationsFolder: fileURLToPath(new URL("../drizzle", import.meta.url)),
  migrationsSchema: "drizzle",
  migrationsTable: "__drizzle_migrations",
};
