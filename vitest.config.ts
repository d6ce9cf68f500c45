import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { defineConfig } from "vitest/config";

// Node 24's V8 (13.6) can free a WebAssembly import wrapper twice when its code garbage collector races a
// lookup of the same wrapper, and then aborts the whole process on a failed check ("Check failed:
// jit_page_->allocations_.erase(addr) == 1", exit 133). The test workers are threads of this one process and
// every suite opens and closes embedded PGlite databases (WebAssembly), so a run died this way now and then.
// Without wasm code collection the freed-twice path never runs; dead code is kept until the run ends, which
// costs memory a test run can spare. V8's flags are per process, so setting it here, before any worker starts
// or any database opens, covers every test thread. Node 20 and 22 accept the flag and do not have the bug.
setFlagsFromString("--no-wasm-code-gc");

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
    // vitest's default is one worker per core but one, which on a two-core machine runs the files one after
    // another. Most of a file's time is spent waiting on a database, a spawned server or wrangler dev, so one
    // worker per core, and at least two, finishes sooner: every file has its own database (or PGlite), ports,
    // folders and wrangler state, so files do not meet.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
