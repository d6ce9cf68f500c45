import { defineConfig } from "vitest/config";

// `npm test` runs every suite on embedded PGlite; with TEST_DATABASE_URL (a Postgres owner URL, e.g.
// postgres://postgres@127.0.0.1:5432/postgres) the same suites run on that server, each file in a fresh
// database, the app connecting as rls_authenticator through the neon driver and the WebSocket relay.
export default defineConfig({
  test: {
    include: ["functions/**/*.test.ts", "db/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["functions/testing/global-setup.ts"],
    env: { LOG_LEVEL: "silent" },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "threads",
  },
});
