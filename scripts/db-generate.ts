import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { draftDown } from "./down-draft";

// `npm run db:generate -- --name <name>` (or `-- --custom --name <name>`): drizzle-kit generate, then every
// SQL migration it wrote that has statements gets the two settings a migration on a live table must have
// (docs/migrations.md), so `npm run db:lint` passes a generated migration as it is: how long it may wait for a
// lock (otherwise every request queues behind it), and how long it may run. Each new migration also gets a
// draft of its down migration in drizzle/down/ (scripts/down-draft.ts): derived where the statements say how to
// undo them, a TODO to write where they do not (npm run db:roundtrip refuses a TODO).
const HEADER =
  "SET lock_timeout = '5s';\n--> statement-breakpoint\nSET statement_timeout = '60s';\n--> statement-breakpoint\n";

const journalPath = "drizzle/meta/_journal.json";
const tags = () =>
  (JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] }).entries.map((entry) => entry.tag);

const before = new Set(tags());
const run = spawnSync("node_modules/.bin/drizzle-kit", ["generate", ...process.argv.slice(2)], { stdio: "inherit" });
if (run.status !== 0) process.exit(run.status ?? 1);

for (const tag of tags().filter((t) => !before.has(t))) {
  const path = `drizzle/${tag}.sql`;
  const text = readFileSync(path, "utf8");
  const downPath = `drizzle/down/${tag}.sql`;
  if (!existsSync(downPath)) {
    mkdirSync("drizzle/down", { recursive: true });
    writeFileSync(downPath, draftDown(tag, text));
    console.log(`${downPath}: a draft of its down migration, to review`);
  }
  // A custom migration starts empty (a comment): its author writes the settings where statements need them.
  if (!/^\s*(create|alter|drop)\b/im.test(text) || /^SET lock_timeout/m.test(text)) continue;
  writeFileSync(path, HEADER + text);
  console.log(`${path}: lock_timeout and statement_timeout set first`);
}
