// Git pre-commit hook (installed by install-hooks.mjs through simple-git-hooks). Only a commit that touches
// the schema or the migrations can make db/schema and drizzle/ disagree, or the ERD (derived from drizzle-kit's
// snapshots) stale; every other commit pays nothing.
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";

const WATCHED = ["db/", "drizzle/"];

const staged = execFileSync("git", ["diff", "--cached", "--name-only", "--diff-filter=ACMRD"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((file) => WATCHED.some((dir) => file.startsWith(dir)));

if (staged.length > 0) {
  const tsx = join(process.cwd(), "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");
  const drift = spawnSync(tsx, ["scripts/db-check.ts"], { stdio: "inherit" });
  if (drift.status !== 0) {
    console.error("\n[pre-commit] db/schema has changes no migration makes: run `npm run db:generate`.");
    process.exit(1);
  }
  const result = spawnSync(tsx, ["scripts/erd.ts", "--check"], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(
      "\n[pre-commit] docs/database/erd.{mmd,md} do not match the newest drizzle snapshot.\n" +
        "Run `npm run erd` and stage docs/database/, or skip once with SKIP_SIMPLE_GIT_HOOKS=1.",
    );
    process.exit(1);
  }
}
