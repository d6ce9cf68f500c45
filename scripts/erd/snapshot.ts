import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { z } from "zod";
import { ErdError } from "./errors";

// The shape of drizzle-kit 0.31's PostgreSQL snapshot (version "7"), from its own `pgSchemaInternal`.
// Objects are not strict on purpose: a field a newer drizzle-kit adds must not break the docs, while a
// missing or mistyped field we read is reported with its path.
const identity = z.object({ type: z.enum(["always", "byDefault"]) }).loose();

const column = z.object({
  name: z.string(),
  type: z.string(),
  typeSchema: z.string().optional(),
  primaryKey: z.boolean(),
  notNull: z.boolean(),
  default: z.unknown().optional(),
  isUnique: z.unknown().optional(),
  uniqueName: z.string().optional(),
  nullsNotDistinct: z.boolean().optional(),
  generated: z.object({ type: z.string(), as: z.string() }).optional(),
  identity: identity.optional(),
});

const indexColumn = z.object({
  expression: z.string(),
  isExpression: z.boolean(),
  asc: z.boolean(),
  nulls: z.string().optional(),
  opclass: z.string().optional(),
});

const index = z.object({
  name: z.string(),
  columns: z.array(indexColumn),
  isUnique: z.boolean(),
  method: z.string().default("btree"),
  where: z.string().optional(),
  concurrently: z.boolean().default(false),
});

const foreignKey = z.object({
  name: z.string(),
  tableFrom: z.string(),
  columnsFrom: z.array(z.string()),
  tableTo: z.string(),
  schemaTo: z.string().optional(),
  columnsTo: z.array(z.string()),
  onUpdate: z.string().optional(),
  onDelete: z.string().optional(),
});

const policy = z.object({
  name: z.string(),
  as: z.enum(["PERMISSIVE", "RESTRICTIVE"]).optional(),
  for: z.enum(["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"]).optional(),
  to: z.array(z.string()).optional(),
  using: z.string().optional(),
  withCheck: z.string().optional(),
  on: z.string().optional(),
  schema: z.string().optional(),
});

const table = z.object({
  name: z.string(),
  schema: z.string(),
  columns: z.record(z.string(), column),
  indexes: z.record(z.string(), index),
  foreignKeys: z.record(z.string(), foreignKey),
  compositePrimaryKeys: z.record(z.string(), z.object({ name: z.string(), columns: z.array(z.string()) })),
  uniqueConstraints: z
    .record(z.string(), z.object({ name: z.string(), columns: z.array(z.string()), nullsNotDistinct: z.boolean() }))
    .default({}),
  policies: z.record(z.string(), policy).default({}),
  checkConstraints: z.record(z.string(), z.object({ name: z.string(), value: z.string() })).default({}),
  isRLSEnabled: z.boolean().default(false),
});

const snapshotSchema = z.object({
  id: z.string(),
  prevId: z.string(),
  version: z.literal("7"),
  dialect: z.literal("postgresql"),
  tables: z.record(z.string(), table),
  enums: z.record(z.string(), z.object({ name: z.string(), schema: z.string(), values: z.array(z.string()) })),
  schemas: z.record(z.string(), z.string()),
  views: z
    .record(z.string(), z.object({ name: z.string(), schema: z.string(), materialized: z.boolean() }).loose())
    .default({}),
  sequences: z.record(z.string(), z.object({ name: z.string(), schema: z.string() }).loose()).default({}),
  roles: z
    .record(
      z.string(),
      z.object({
        name: z.string(),
        createDb: z.boolean().optional(),
        createRole: z.boolean().optional(),
        inherit: z.boolean().optional(),
      }),
    )
    .default({}),
  policies: z.record(z.string(), policy).default({}),
});

export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotTable = z.infer<typeof table>;
export type SnapshotColumn = z.infer<typeof column>;
export type SnapshotPolicy = z.infer<typeof policy>;

const journalSchema = z.object({
  dialect: z.string(),
  entries: z.array(z.object({ idx: z.number(), tag: z.string() }).loose()),
});

/** Where the newest snapshot is, and the migrations (oldest first) that led to it. */
export interface SnapshotSource {
  snapshotPath: string;
  migrationPaths: string[];
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ErdError(
      code === "ENOENT" ? `${what} not found: ${path}` : `cannot read ${what} ${path}: ${code ?? error}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ErdError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function describeIssues(error: z.ZodError, limit = 5): string {
  const lines = error.issues.slice(0, limit).map((issue) => {
    const path = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
    return `  - ${path.replace(/^\./, "") || "(root)"}: ${issue.message}`;
  });
  const more = error.issues.length > limit ? [`  - ... and ${error.issues.length - limit} more`] : [];
  return [...lines, ...more].join("\n");
}

export function parseSnapshot(data: unknown, path: string): Snapshot {
  if (typeof data === "object" && data !== null) {
    const { dialect, version } = data as { dialect?: unknown; version?: unknown };
    if (dialect !== "postgresql" || version !== "7") {
      throw new ErdError(
        `${path} is not a drizzle-kit PostgreSQL snapshot of version 7 (found dialect ${JSON.stringify(dialect)}, version ${JSON.stringify(version)})`,
      );
    }
  }
  const result = snapshotSchema.safeParse(data);
  if (!result.success)
    throw new ErdError(`${path} is not a valid drizzle-kit snapshot:\n${describeIssues(result.error)}`);
  return result.data;
}

export async function loadSnapshot(path: string): Promise<Snapshot> {
  return parseSnapshot(await readJson(path, "snapshot"), path);
}

/**
 * drizzle-kit names a snapshot after the prefix of its migration's tag ("0002_security" ->
 * "0002_snapshot.json"); the journal's last entry is the current schema.
 */
export async function resolveLatestSnapshot(drizzleDir: string): Promise<SnapshotSource> {
  const journalPath = join(drizzleDir, "meta", "_journal.json");
  const parsed = journalSchema.safeParse(await readJson(journalPath, "drizzle-kit journal"));
  if (!parsed.success)
    throw new ErdError(`${journalPath} is not a drizzle-kit journal:\n${describeIssues(parsed.error)}`);
  const entries = [...parsed.data.entries].sort((a, b) => a.idx - b.idx);
  const last = entries.at(-1);
  if (!last) throw new ErdError(`${journalPath} lists no migrations yet: run drizzle-kit generate first`);
  const prefix = last.tag.split("_")[0] ?? last.tag;
  return {
    snapshotPath: join(drizzleDir, "meta", `${prefix}_snapshot.json`),
    migrationPaths: entries.map((entry) => join(drizzleDir, `${entry.tag}.sql`)),
  };
}

export function snapshotLabel(path: string): string {
  return basename(path);
}
