import { getTableColumns, getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../db/client";
import * as schema from "../db/schema";
import { declaredAccess } from "../db/schema/access";
import { startTestApp, type TestApp } from "./testing/harness";
import { documentedResources } from "./testing/resources";

// Isolation over HTTP for every resource a signed-in user can create, found in the OpenAPI document, not
// listed here: any path with POST (create) and GET, PATCH and DELETE on `{id}`. Alice creates a row with a
// generated valid body; the row is looked up in the user-owned tables of db/schema (declareAccess with an
// owner); Bob then can neither change nor delete it, nor read it where the table says only the owner reads
// (`own`), and the row, read past RLS, is unchanged. A new user-owned resource is covered with no edit here.

let t: TestApp;
let resources: Awaited<ReturnType<typeof documentedResources>>;
let alice: { id: string; headers: Record<string, string> };
let bob: { id: string; headers: Record<string, string> };
let admin: { id: string; headers: Record<string, string> };

const ownedTables = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => ({ table, access: declaredAccess().get(getTableName(table)) }))
  // Rows a resource route creates, found by their id (idempotency_keys, keyed by owner and key, is none).
  .filter(({ table, access }) => access?.owner === "owner_id" && "id" in getTableColumns(table));

beforeAll(async () => {
  t = await startTestApp();
  for (const who of ["alice", "bob"] as const) {
    const user = await t.signUp();
    const actor = { id: user.id, headers: { authorization: `Bearer ${user.token}` } };
    if (who === "alice") alice = actor;
    else bob = actor;
  }
  const superuser = await t.signUp({ superuser: true });
  admin = { id: superuser.id, headers: { authorization: `Bearer ${superuser.token}` } };
  await t.asOwner((tx) => tx.execute(sql`update rate_limits set "limit" = 1000000000`));
  resources = await documentedResources(t);
});
afterAll(() => t.close());

const tableOf = new Map<string, string>();
/** The table a row found by findRow is in. */
const found = (id: string) => tableOf.get(id) as string;

/** Which user-owned table holds the row, and the row as its owner sees it past RLS. */
async function findRow(id: string) {
  for (const { table, access } of ownedTables) {
    const rows = await t.asOwner(async (tx) =>
      rowsOf<Record<string, unknown>>(await tx.execute(sql`select * from ${table} where id = ${id}`)),
    );
    if (rows[0]) {
      tableOf.set(id, getTableName(table));
      return { name: getTableName(table), access, row: rows[0] };
    }
  }
  return undefined;
}

describe("every resource a user creates is isolated from other users", () => {
  it("the document lists the resources this test walks", () => {
    expect(resources.paths).toEqual(expect.arrayContaining(["/api/v1/items", "/api/v1/posts"]));
  });

  it("another user can neither change, delete nor (where only the owner reads) see a user's row", async () => {
    const covered: string[] = [];
    for (const path of resources.paths) {
      const { row, statuses } = await resources.create(path, alice.headers);
      if (!row) {
        // Only superusers create here (categories, tiers): not a user-owned resource.
        expect(statuses, path).toContain(403);
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

describe("every resource that soft-deletes offers restore to its owner and purge to superusers", () => {
  it("restores within the retention period, purges for good, and neither for another user", async () => {
    const covered: string[] = [];
    for (const path of resources.trashPaths) {
      const { row, statuses } = await resources.create(path, alice.headers);
      if (!row) {
        // Superusers only (tiers, rate limits): covered by that feature's tests. Anything else is a failure here.
        expect(statuses.at(-1), `${path} refused Alice's bodies: ${statuses.join(", ")}`).toBe(403);
        continue;
      }
      const item = `${path}/${row.id}`;
      const call = (method: string, suffix: string, headers: Record<string, string>) =>
        t.request(`${item}${suffix}`, { method, headers });
      expect((await call("DELETE", "", alice.headers)).status, `${item} deleted`).toBe(204);
      expect((await call("GET", "", alice.headers)).status).toBe(404);

      // Bob can neither bring Alice's row back nor destroy it; Alice may not purge either (superusers only).
      expect((await call("POST", "/restore", bob.headers)).status, `${item} restored by Bob`).toBe(404);
      expect((await call("DELETE", "/purge", bob.headers)).status, `${item} purged by Bob`).toBe(403);
      expect((await call("DELETE", "/purge", alice.headers)).status, `${item} purged by its owner`).toBe(403);
      expect((await findRow(row.id))?.row.deleted_at, `${item} still deleted`).not.toBeNull();

      const restored = await call("POST", "/restore", alice.headers);
      expect(restored.status, `${item} restored by Alice`).toBe(200);
      expect(((await restored.json()) as { id: string }).id).toBe(row.id);
      expect((await call("GET", "", alice.headers)).status).toBe(200);
      expect((await call("POST", "/restore", alice.headers)).status, `${item} restored twice`).toBe(404);

      // Past the retention period a deleted row is the purge's: not found, as if already purged.
      expect((await call("DELETE", "", alice.headers)).status).toBe(204);
      await t.asOwner((tx) =>
        tx.execute(sql`update ${sql.identifier(found(row.id))} set deleted_at = now() - interval '31 days'
          where id = ${row.id}`),
      );
      expect((await call("POST", "/restore", alice.headers)).status, `${item} restored too late`).toBe(404);

      // A superuser purges it, deleted or not; then it is gone for everyone, restore included.
      expect((await call("DELETE", "/purge", admin.headers)).status, `${item} purged`).toBe(204);
      expect(await findRow(row.id), `${item} after the purge`).toBeUndefined();
      expect((await call("DELETE", "/purge", admin.headers)).status).toBe(404);
      expect((await call("POST", "/restore", alice.headers)).status).toBe(404);
      covered.push(path);
    }
    expect(covered).toEqual(expect.arrayContaining(["/api/v1/items", "/api/v1/posts"]));
  });

  it("purges a live row too, for a superuser only", async () => {
    for (const path of resources.trashPaths) {
      const { row } = await resources.create(path, alice.headers);
      if (!row) continue;
      expect((await t.request(`${path}/${row.id}/purge`, { method: "DELETE", headers: admin.headers })).status).toBe(
        204,
      );
      expect(await findRow(row.id)).toBeUndefined();
    }
  });
});
