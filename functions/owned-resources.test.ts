import { getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../db/client";
import * as schema from "../db/schema";
import { declaredAccess } from "../db/schema/access";
import { type JsonSchema, validBody } from "./testing/arbitraries";
import { startTestApp, type TestApp } from "./testing/harness";

// Isolation over HTTP for every resource a signed-in user can create, found in the OpenAPI document, not
// listed here: any path with POST (create) and GET, PATCH and DELETE on `{id}`. Alice creates a row with a
// generated valid body; the row is looked up in the user-owned tables of db/schema (declareAccess with an
// owner); Bob then can neither change nor delete it, nor read it where the table says only the owner reads
// (`own`), and the row, read past RLS, is unchanged. A new user-owned resource is covered with no edit here.

type Operation = { requestBody?: { content: { "application/json": { schema: JsonSchema } } } };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};

let t: TestApp;
let document: Document;
let alice: { id: string; headers: Record<string, string> };
let bob: { id: string; headers: Record<string, string> };

const ownedTables = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => ({ table, access: declaredAccess().get(getTableName(table)) }))
  .filter(({ access }) => access?.owner === "owner_id");

beforeAll(async () => {
  t = await startTestApp();
  for (const who of ["alice", "bob"] as const) {
    const user = await t.signUp();
    const actor = { id: user.id, headers: { authorization: `Bearer ${user.token}` } };
    if (who === "alice") alice = actor;
    else bob = actor;
  }
  await t.asOwner((tx) => tx.execute(sql`update rate_limits set "limit" = 1000000000`));
  document = (await (await t.request("/openapi.json")).json()) as Document;
});
afterAll(() => t.close());

const resources = () =>
  Object.keys(document.paths)
    .filter((path) => {
      const one = document.paths[`${path}/{id}`];
      return document.paths[path]?.post?.requestBody && one?.get && one.patch && one.delete;
    })
    .map((path) => path.replace(/\/$/, ""));

/** The first generated body the API accepts from Alice, or none if she may not create here at all. */
async function createAsAlice(path: string) {
  const bodySchema = document.paths[path]?.post?.requestBody?.content["application/json"].schema as JsonSchema;
  const statuses = new Set<number>();
  for (const body of fc.sample(validBody(bodySchema, document.components.schemas), 30)) {
    const response = await t.request(path, { method: "POST", headers: alice.headers, json: body });
    statuses.add(response.status);
    if (response.status === 201) return { row: (await response.json()) as { id: string }, statuses };
    // Refused for who she is (403: superusers only), not for the body: no body will do.
    if (response.status === 403) return { row: undefined, statuses };
  }
  return { row: undefined, statuses };
}

/** Which user-owned table holds the row, and the row as its owner sees it past RLS. */
async function findRow(id: string) {
  for (const { table, access } of ownedTables) {
    const rows = await t.asOwner(async (tx) =>
      rowsOf<Record<string, unknown>>(await tx.execute(sql`select * from ${table} where id = ${id}`)),
    );
    if (rows[0]) return { name: getTableName(table), access, row: rows[0] };
  }
  return undefined;
}

describe("every resource a user creates is isolated from other users", () => {
  it("the document lists the resources this test walks", () => {
    expect(resources()).toEqual(expect.arrayContaining(["/api/v1/items", "/api/v1/posts"]));
  });

  it("another user can neither change, delete nor (where only the owner reads) see a user's row", async () => {
    const covered: string[] = [];
    for (const path of resources()) {
      const { row, statuses } = await createAsAlice(path);
      if (!row) {
        // Only superusers create here (categories, tiers): not a user-owned resource.
        expect([...statuses], path).toContain(403);
        continue;
      }
      const found = await findRow(row.id);
      expect(found, `${path}: the row Alice created is in a user-owned table`).toBeDefined();
      if (!found) continue;
      expect(found.row.owner_id, path).toBe(alice.id);
      covered.push(`${path} (${found.name})`);

      const item = `${path}/${row.id}`;
      if (found.access?.roles.user.select === "own") {
        expect((await t.request(item, { headers: bob.headers })).status, `${item} read by Bob`).toBe(404);
        const page = (await (await t.request(`${path}?limit=100`, { headers: bob.headers })).json()) as {
          data: { id: string }[];
        };
        expect(page.data.map((r) => r.id)).not.toContain(row.id);
      }
      const patch = await t.request(item, { method: "PATCH", headers: bob.headers, json: {} });
      expect(patch.status, `${item} changed by Bob`).toBe(404);
      const removed = await t.request(item, { method: "DELETE", headers: bob.headers });
      expect(removed.status, `${item} deleted by Bob`).toBe(404);
      expect((await findRow(row.id))?.row, `${item} after Bob's attempts`).toEqual(found.row);
    }
    expect(covered.length).toBeGreaterThanOrEqual(2);
  });
});
