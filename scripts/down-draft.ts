/** How to undo one statement, or undefined when it needs nothing of its own (it goes with a dropped table). */
type Rule = [RegExp, (m: RegExpMatchArray, created: Set<string>) => string[] | undefined];

const RULES: Rule[] = [
  [/^SET /i, () => []],
  [
    /^CREATE TABLE "(\w+)"/i,
    (m, created) => {
      created.add(m[1] as string);
      return [`DROP TABLE "${m[1]}";`];
    },
  ],
  [
    /^ALTER TABLE "(\w+)" ADD CONSTRAINT "(\w+)"/i,
    (m, created) => (created.has(m[1] as string) ? [] : [`ALTER TABLE "${m[1]}" DROP CONSTRAINT "${m[2]}";`]),
  ],
  [
    /^ALTER TABLE "(\w+)" ENABLE ROW LEVEL SECURITY/i,
    (m, created) => (created.has(m[1] as string) ? [] : [`ALTER TABLE "${m[1]}" DISABLE ROW LEVEL SECURITY;`]),
  ],
  [/^ALTER TABLE "(\w+)" ADD COLUMN "(\w+)"/i, (m) => [`ALTER TABLE "${m[1]}" DROP COLUMN "${m[2]}";`]],
  [
    /^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?"(\w+)" ON "(\w+)"/i,
    (m, created) => (created.has(m[2] as string) ? [] : [`DROP INDEX "${m[1]}";`]),
  ],
  [
    /^CREATE POLICY "(\w+)" ON "(\w+)"/i,
    (m, created) => (created.has(m[2] as string) ? [] : [`DROP POLICY "${m[1]}" ON "${m[2]}";`]),
  ],
  [
    /^SELECT app_private\.secure_user_table\('([\w.]+)'\);?$/i,
    (m) => [
      `REVOKE ALL ON ${m[1]} FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;`,
      `ALTER TABLE ${m[1]} NO FORCE ROW LEVEL SECURITY;`,
    ],
  ],
];

/**
 * A first draft of a migration's down file, from its statements, newest first: a new table is dropped (its
 * indexes, constraints and policies go with it), an added column, index, constraint or policy on an existing
 * table is dropped, a `secure_user_table` call is revoked. Anything else becomes a `-- TODO(down)` line naming
 * the statement: the migrator treats a down file with a TODO as missing, so it cannot be forgotten.
 */
export function draftDown(tag: string, text: string): string {
  const statements = text
    .split("--> statement-breakpoint")
    .map((statement) => statement.replace(/^\s*--.*$/gm, "").trim())
    .filter(Boolean);
  const created = new Set<string>();
  const undo: string[] = [];
  for (const statement of statements) {
    const rule = RULES.find(([pattern]) => pattern.test(statement));
    const match = rule ? statement.match(rule[0]) : null;
    const steps = rule && match ? rule[1](match, created) : undefined;
    undo.push(...(steps ?? [`-- TODO(down): undo ${statement.split("\n")[0]?.slice(0, 100)}`]));
  }
  if (statements.length === 0) {
    return `-- Undoes ${tag}.\n-- TODO(down): write it once the migration has statements.\n`;
  }
  return `-- Undoes ${tag} (drafted by npm run db:generate: review it).\n${undo.reverse().join("\n--> statement-breakpoint\n")}\n`;
}

// `npm run db:draft-down -- <tag>`: drafts drizzle/down/<tag>.sql again from the migration as it is now (after
// writing a custom migration), unless someone already wrote it (no TODO left).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { existsSync, readFileSync, writeFileSync } = await import("node:fs");
  const tag = process.argv[2];
  if (!tag || !existsSync(`drizzle/${tag}.sql`)) {
    console.error("usage: npm run db:draft-down -- <tag of a migration in drizzle/>");
    process.exit(2);
  }
  const downPath = `drizzle/down/${tag}.sql`;
  if (existsSync(downPath) && !/^--\s*TODO\(down\)/m.test(readFileSync(downPath, "utf8"))) {
    console.error(`${downPath} is written already (no TODO left): edit it by hand`);
    process.exit(1);
  }
  writeFileSync(downPath, draftDown(tag, readFileSync(`drizzle/${tag}.sql`, "utf8")));
  console.log(`${downPath}: drafted, to review`);
}
