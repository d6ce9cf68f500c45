// `npm run new:resource -- notes title:string body:text? done:boolean`: a user-owned resource, end to end, as
// docs/adding-a-table.md describes it. Writes the table (userScoped, owner-only access), its two migrations and
// their down files (npm run db:generate), the feature folder (schemas, routes, a test), its entry in the
// features list (functions/features.ts), then regenerates the ERD and the OpenAPI document. It edits no file by
// pattern: it adds whole lines (the schema index's export, the features list's import and entry). The isolation tests
// cover the new resource with no edit (they walk db/schema and the OpenAPI document).
//
// Field types: string (varchar 255), text, boolean, integer, number, timestamp, uuid; a trailing `?` makes the
// field optional (nullable). Run it on a clean tree: it edits files and runs generators.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Kind = "string" | "text" | "boolean" | "integer" | "number" | "timestamp" | "uuid";
type Field = { name: string; kind: Kind; optional: boolean };

const KINDS: Record<Kind, { column: string; builder: string; zod: string }> = {
  string: { column: 'varchar("$", { length: 255 })', builder: "varchar", zod: "z.string().trim().min(1).max(255)" },
  text: { column: 'text("$")', builder: "text", zod: "z.string().max(100_000)" },
  boolean: { column: 'boolean("$")', builder: "boolean", zod: "z.boolean()" },
  integer: { column: 'integer("$")', builder: "integer", zod: "z.number().int()" },
  number: { column: 'doublePrecision("$")', builder: "doublePrecision", zod: "z.number()" },
  timestamp: {
    column: 'timestamp("$", { withTimezone: true, mode: "date" })',
    builder: "timestamp",
    zod: "z.coerce.date()",
  },
  uuid: { column: 'uuid("$")', builder: "uuid", zod: "z.uuid()" },
};

const fail = (message: string): never => {
  console.error(`new:resource: ${message}`);
  process.exit(1);
};

const [name, ...specs] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9_]*s$/.test(name)) {
  fail("usage: npm run new:resource -- <plural_snake_name> field:type[?] ... (e.g. notes title:string body:text?)");
}
const table = name as string;
const fields: Field[] = specs.map((spec) => {
  const match = /^([a-z][a-z0-9_]*):([a-z]+)(\?)?$/.exec(spec);
  if (!match) return fail(`"${spec}" is not field:type or field:type?`);
  const [, field, kind, optional] = match as unknown as [string, string, string, string | undefined];
  if (!(kind in KINDS)) return fail(`${kind}: the types are ${Object.keys(KINDS).join(", ")}`);
  if (["id", "owner_id", "created_at", "updated_at", "deleted_at"].includes(field)) {
    return fail(`${field} is there already: every resource has it`);
  }
  return { name: field, kind: kind as Kind, optional: Boolean(optional) };
});
if (fields.length === 0) fail("name at least one field");

const pascal = (snake: string) => snake.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
const singular = table.endsWith("ies") ? `${table.slice(0, -3)}y` : table.slice(0, -1);
const many = pascal(table);
const one = pascal(singular);
const camel = many.charAt(0).toLowerCase() + many.slice(1);
const path = table.replace(/_/g, "-");
const schemaFile = `db/schema/${path}.ts`;
const feature = `functions/${path}`;
if (existsSync(schemaFile) || existsSync(feature)) fail(`${schemaFile} or ${feature} exists already`);

const run = (command: string, args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) fail(`${command} ${args.join(" ")} failed`);
};
const edit = (file: string, change: (text: string) => string) =>
  writeFileSync(file, change(readFileSync(file, "utf8")));

// 1. The table and its access declaration.
const builders = [...new Set(fields.map((field) => KINDS[field.kind].builder))].sort();
const columns = fields
  .map((field) => {
    const column = KINDS[field.kind].column.replace("$", field.name);
    const required = field.optional ? "" : field.kind === "boolean" ? ".notNull().default(false)" : ".notNull()";
    return `  ${field.name}: ${column}${required},`;
  })
  .join("\n");
writeFileSync(
  schemaFile,
  `import { ${builders.join(", ")} } from "drizzle-orm/pg-core";
import { declareAccess, ownedTable } from "./access";
import { softDelete } from "./columns";
import { userScoped } from "./user-scoped";

/**
 * ${many}: rows owned by a user; RLS shows each user only its own (superusers every row). DELETE is soft
 * (deleted_at): the owner may restore a row within the retention period, a superuser may purge it for good,
 * and maintenance purges it after the retention period.
 */
export const ${camel} = userScoped("${table}", {
${columns}
  ...softDelete,
});

declareAccess(${camel}, ownedTable());
`,
);
edit(
  "db/schema/index.ts",
  (text) => `${[...text.trim().split("\n"), `export * from "./${path}";`].sort().join("\n")}\n`,
);

// 2. The migrations: drizzle-kit's, then the one line it cannot write (FORCE RLS and the GRANTs), with downs.
const scratch = mkdtempSync(join(tmpdir(), "new-resource-"));
const generateEnv = { MIGRATION_DATABASE_URL: "", PGLITE_DATA_DIR: scratch };
const journal = () =>
  (JSON.parse(readFileSync("drizzle/meta/_journal.json", "utf8")) as { entries: { tag: string }[] }).entries.map(
    (entry) => entry.tag,
  );
run("npm", ["run", "--silent", "db:generate", "--", "--name", table], generateEnv);
run("npm", ["run", "--silent", "db:generate", "--", "--custom", "--name", `${table}_security`], generateEnv);
rmSync(scratch, { recursive: true, force: true });
const securityTag = journal().at(-1) as string;
writeFileSync(`drizzle/${securityTag}.sql`, `SELECT app_private.secure_user_table('public.${table}');\n`);
rmSync(`drizzle/down/${securityTag}.sql`, { force: true });
run("npm", ["run", "--silent", "db:draft-down", "--", securityTag]);

// 3. The feature folder: schemas, routes, and a test of what the isolation tests do not cover.
mkdirSync(feature, { recursive: true });
const picked = ["id: true", "owner_id: true", ...fields.map((field) => `${field.name}: true`)];
const zodFields = fields
  .map((field) => `  ${field.name}: ${KINDS[field.kind].zod}${field.optional ? ".nullable().optional()" : ""},`)
  .join("\n");
const filterable = ["id", "owner_id", ...fields.map((field) => field.name), "created_at", "updated_at"];
// Every timestamp a client sees is an ISO 8601 string in the response schema (functions/lib/schemas.ts).
const timestamps = ["created_at", "updated_at", ...fields.filter((f) => f.kind === "timestamp").map((f) => f.name)];
writeFileSync(
  `${feature}/schemas.ts`,
  `import { z } from "@hono/zod-openapi";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { ${camel} } from "../../db/schema";
import { listOf, timestamp } from "../lib/schemas";

/** What a client sees of ${singular === table ? "a row" : `a ${singular.replace(/_/g, " ")}`}: these fields and no other. */
export const ${one}Schema = createSelectSchema(${camel}, { ${timestamps.map((field) => `${field}: timestamp`).join(", ")} })
  .pick({ ${picked.join(", ")}, created_at: true, updated_at: true })
  .openapi("${one}");

export const ${one}CreateSchema = createInsertSchema(${camel}, {
${zodFields}
})
  .pick({ ${fields.map((field) => `${field.name}: true`).join(", ")} })
  .strict()
  .openapi("${one}Create");

export const ${one}UpdateSchema = ${one}CreateSchema.partial().strict().openapi("${one}Update");

export const ${one}PageSchema = listOf(${one}Schema, "${one}Page");

/** What GET /${path} may filter and sort on (docs/crud.md). */
export const ${camel}ListSpec = {
  fields: fieldsOf(${camel}, [${filterable.map((field) => `"${field}"`).join(", ")}]),
  defaultSort: "-created_at",
};

export const ${camel}Resource = {
  tag: "${path}",
  names: { one: "${one}", many: "${many}" },
  schemas: { item: ${one}Schema, page: ${one}PageSchema, create: ${one}CreateSchema, update: ${one}UpdateSchema },
  list: ${camel}ListSpec,
  summaries: {
    list: "List your ${table.replace(/_/g, " ")}, newest first; filter, sort, page",
    create: "Create one, owned by you",
    get: "Read one",
    update: "Change one",
    remove: "Delete one (soft: restore undoes it within the retention period)",
  },
};
`,
);
writeFileSync(
  `${feature}/service.ts`,
  `import { ${camel} } from "../../db/schema";
import { resourceService } from "../lib/resource-service";
import { ${one}Schema } from "./schemas";

// RLS decides whose rows these are: the service never filters by owner. Beyond the CRUD of resourceService,
// a service adds its own operations here, as functions/posts/service.ts does.
export const ${camel}Service = resourceService(${camel}, { name: "${one}", expose: ${one}Schema });
`,
);
writeFileSync(
  `${feature}/routes.ts`,
  `import { resourceRouter } from "../http/resource-routes";
import { requireUser } from "../middleware/access";
import { ${camel}Resource } from "./schemas";
import { ${camel}Service } from "./service";

// API keys are refused here (403) until "${path}:read" and "${path}:write" are in functions/lib/permissions.ts
// and the router names them (apiKeys: "${path}").
export const ${camel}Routes = resourceRouter({ ...${camel}Resource, service: ${camel}Service, guards: [requireUser] });
`,
);
const sample = (field: Field): string =>
  ({
    string: '"a value"',
    text: '"some text"',
    boolean: "true",
    integer: "7",
    number: "1.5",
    timestamp: '"2026-01-02T03:04:05.000Z"',
    uuid: '"0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b"',
  })[field.kind];
const body = `{ ${fields.map((field) => `${field.name}: ${sample(field)}`).join(", ")} }`;
const firstRequired = fields.find((field) => !field.optional);
writeFileSync(
  `${feature}/${path}.test.ts`,
  `import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readError, startTestApp, type TestApp } from "../testing/harness";

// Isolation between users is proven for every resource by functions/owned-resources.test.ts; this is the rest.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const call = (token: string, method: string, path = "", json?: unknown) =>
  t.request(\`/api/v1/${path}\${path}\`, { method, token, json });

describe("${path}", () => {
  it("creates, reads, lists, changes and deletes its owner's rows", async () => {
    const owner = await t.signUp();
    const created = await call(owner.token, "POST", "", ${body});
    expect(created.status).toBe(201);
    const row = (await created.json()) as { id: string; owner_id: string };
    expect(row.owner_id).toBe(owner.id);
    expect((await call(owner.token, "GET", \`/\${row.id}\`)).status).toBe(200);
    const page = (await (await call(owner.token, "GET")).json()) as { data: { id: string }[] };
    expect(page.data.map((item) => item.id)).toEqual([row.id]);
    expect((await call(owner.token, "PATCH", \`/\${row.id}\`, ${body})).status).toBe(200);
    expect((await call(owner.token, "DELETE", \`/\${row.id}\`)).status).toBe(204);
    expect((await call(owner.token, "GET", \`/\${row.id}\`)).status).toBe(404);
    expect((await call(owner.token, "POST", \`/\${row.id}/restore\`)).status).toBe(200);
    expect((await call(owner.token, "GET", \`/\${row.id}\`)).status).toBe(200);
  });

  it("refuses unknown fields with 422 naming the body", async () => {
    const owner = await t.signUp();
    const response = await call(owner.token, "POST", "", { ...${body}, owner_id: owner.id });
    expect(response.status).toBe(422);
    expect((await readError(response)).error.code).toBe("validation_error");
  });
${
  firstRequired
    ? `
  it("refuses a missing ${firstRequired.name} with 422 naming it", async () => {
    const owner = await t.signUp();
    const { ${firstRequired.name}: _omitted, ...rest } = ${body};
    const response = await call(owner.token, "POST", "", rest);
    expect(response.status).toBe(422);
    expect((await readError(response)).error.details?.map((detail) => detail.field)).toContain("${firstRequired.name}");
  });
`
    : ""
}});
`,
);

// 4. The mount: an import and the last entry of the features list (the formatter puts the import in order).
edit("functions/features.ts", (text) => {
  const lines = text.split("\n");
  const lastImport = lines.findLastIndex((line) => line.startsWith("import "));
  const end = lines.lastIndexOf("] as const;");
  if (lastImport === -1 || end === -1) fail("functions/features.ts has no imports or no features list");
  lines.splice(end, 0, `  ["/api/v1/${path}", ${camel}Routes],`);
  lines.splice(lastImport + 1, 0, `import { ${camel}Routes } from "./${path}/routes";`);
  return lines.join("\n");
});

// 5. What is derived: the ERD, the OpenAPI document and its client types; the formatter over the new files.
run("npm", ["run", "--silent", "erd"]);
run("npm", ["run", "--silent", "openapi"]);
run("npx", ["biome", "check", "--write", schemaFile, feature, "functions/features.ts", "db/schema/index.ts"]);
console.log(`new:resource: ${table} written. Read the migrations and their down files, then run npm test.`);
