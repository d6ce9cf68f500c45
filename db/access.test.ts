import { is, sql } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../functions/testing/harness";
import { documentedResources } from "../functions/testing/resources";
import { rowsOf, type Tx } from "./client";
import { findPgError } from "./pg-error";
import * as schema from "./schema";
import { type AccessRole, type Command, declaredAccess, type Reach } from "./schema/access";
import { roleNames } from "./schema/roles";

// The policy matrix, generated: every table of db/schema x every role x every command, run at the SQL level
// and compared with what the table declares next to its definition (declareAccess). A table with no
// declaration fails, so a new table cannot ship without saying who may do what with it.

let t: TestApp;
let alice: string;
let superuser: string;
const ROLES: AccessRole[] = ["login", "anon", "user", "superuser", "maintenance", "billing"];
const COMMANDS: Command[] = ["select", "insert", "update", "delete"];

const tables = (Object.values(schema) as unknown[]).filter((value): value is PgTable => is(value, PgTable));

class Rollback extends Error {}

/** Runs `probe` as `role` (alice for the user role) in a transaction that is always rolled back. */
async function as<T>(role: AccessRole, probe: (tx: Tx) => Promise<T>): Promise<T | { code: string }> {
  let result: T | { code: string } = { code: "none" };
  try {
    // Maintenance through its own login (rls_maintainer): the request login cannot switch to it.
    await (role === "maintenance" ? t.maintenance : t.db).transaction(async (tx) => {
      const [name, userId, isSuperuser] =
        role === "anon"
          ? [roleNames.anon, "", "false"]
          : role === "user"
            ? [roleNames.appUser, alice, "false"]
            : role === "superuser"
              ? [roleNames.appSuperuser, superuser, "true"]
              : role === "maintenance"
                ? [roleNames.maintenanceAdmin, "", "false"]
                : role === "billing"
                  ? [roleNames.billing, "", "false"]
                  : [undefined, "", "false"];
      if (name) {
        await tx.execute(sql`select set_config('role', ${name}, true), set_config('app.current_user_id', ${userId}, true),
          set_config('app.is_superuser', ${isSuperuser}, true)`);
      }
      result = await probe(tx);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) {
      const code = findPgError(error)?.code;
      if (!code) throw error;
      result = { code };
    }
  }
  return result;
}

type Facts = { total: number; own: number; published: number; ownOrPublished: number };

/** The reach a probe's answer shows: the owners of the rows it saw or touched, or its error. */
function classify(answer: { owners: (string | null)[] } | { code: string }, facts: Facts, command: Command): Reach {
  if ("code" in answer) {
    if (answer.code === "42501") return "denied";
    throw new Error(`unexpected error ${answer.code}`);
  }
  if (command === "insert") return "allowed";
  const n = answer.owners.length;
  if (n === 0) return "none";
  if (n === facts.total) return "all";
  if (answer.owners.every((owner) => owner === alice) && n === facts.own) return "own";
  if (n === facts.ownOrPublished) return "own+published";
  return `unexpected ${n} of ${facts.total} rows` as Reach;
}

beforeAll(async () => {
  t = await startTestApp();
  const a = await t.signUp();
  const b = await t.signUp();
  const s = await t.signUp({ superuser: true });
  alice = a.id;
  superuser = s.id;
  // Rows of two users (and shared rows) in every table, made through the API as a client would: one of each
  // user in every resource the API documents (so a new resource needs no fixture here), then what is special.
  const resources = await documentedResources(t);
  for (const path of resources.paths) {
    for (const user of [a, b]) await resources.create(path, { authorization: `Bearer ${user.token}` });
  }
  for (const user of [a, b]) {
    // With an Idempotency-Key: each user keeps one (idempotency_keys).
    const call = (path: string, json: object) =>
      t.request(`/api/v1${path}`, {
        method: "POST",
        token: user.token,
        json,
        headers: { "Idempotency-Key": `matrix ${path}` },
      });
    await call("/posts", { title: "draft", content: "c", slug: `d-${user.id}` });
    const key = (await (await call("/api-keys", { name: "k", permissions: ["items:read"] })).json()) as { key: string };
    await t.request("/api/v1/items", { headers: { "x-api-key": key.key } });
  }
  await t.request("/api/v1/posts", {
    method: "POST",
    token: b.token,
    json: { title: "public", content: "c", slug: `p-${b.id}`, is_published: true },
  });
  await t.request("/api/v1/categories", { method: "POST", token: s.token, json: { name: "C", slug: "c" } });
  const tier = (await (
    await t.request("/api/v1/admin/tiers", {
      method: "POST",
      token: s.token,
      json: { name: "matrix", is_default: true },
    })
  ).json()) as { id: string };
  await t.request(`/api/v1/admin/tiers/${tier.id}/rate-limits`, {
    method: "POST",
    token: s.token,
    json: { name: "all", path: "/api/v1/*", limit: 1000, period: 60 },
  });
  await t.request("/api/v1/items", { token: a.token }); // a counter row
  // Plans, subscriptions and Stripe events (functions/billing/billing.test.ts makes them through the webhook).
  await t.asOwner(async (tx) => {
    await tx.insert(schema.plans).values({ name: "matrix", stripe_price_id: "price_matrix", tier_id: tier.id });
    await tx.insert(schema.subscriptions).values(
      [a, b].map((user) => ({
        owner_id: user.id,
        stripe_subscription_id: `sub_${user.id}`,
        stripe_customer_id: `cus_${user.id}`,
        stripe_price_id: "price_matrix",
        status: "active" as const,
        stripe_updated_at: new Date(),
      })),
    );
    await tx
      .insert(schema.stripeEvents)
      .values({ id: "evt_matrix", type: "invoice.paid", stripe_created_at: new Date(), outcome: "ignored" });
  });
  // Jobs of both users and of nobody (functions/lib/jobs/runner.test.ts enqueues them as requests do).
  await t.asOwner((tx) =>
    tx
      .insert(schema.jobs)
      .values([...[a, b].map((user) => ({ kind: "matrix.job", owner_id: user.id })), { kind: "matrix.job" }]),
  );
  // Linked provider identities (functions/auth/providers.test.ts links them through real provider tokens).
  await t.asOwner((tx) =>
    tx
      .insert(schema.userIdentities)
      .values([a, b].map((user) => ({ owner_id: user.id, provider: "https://idp.example", subject: user.id }))),
  );
}, 120_000);
afterAll(() => t.close());

describe("the policy matrix", () => {
  it("has a declaration for every table in db/schema, and for no table that is not there", () => {
    const names = tables.map((table) => getTableConfig(table).name).sort();
    expect([...declaredAccess().keys()].sort()).toEqual(names);
  });

  for (const table of tables) {
    const { name } = getTableConfig(table);
    it(`${name}: every role x command reaches what the table declares`, async () => {
      const access = declaredAccess().get(name);
      if (!access) throw new Error(`no declareAccess for ${name}`);
      const owner = access.owner ? sql.identifier(access.owner) : sql`null::uuid`;
      const [facts] = await t.asOwner(async (tx) =>
        rowsOf<Facts>(
          await tx.execute(sql`select count(*)::int as total,
            count(*) filter (where ${owner} = ${alice}::uuid)::int as own,
            ${name === "posts" ? sql`count(*) filter (where is_published and deleted_at is null)::int` : sql`0`} as published,
            ${name === "posts" ? sql`count(*) filter (where ${owner} = ${alice}::uuid or (is_published and deleted_at is null))::int` : sql`0`} as "ownOrPublished"
            from ${table}`),
        ),
      );
      if (!facts || facts.total === 0 || (access.owner && facts.own === facts.total)) {
        throw new Error(`${name}: the fixtures need rows of more than one user`);
      }
      const probes: Record<Command, (tx: Tx) => Promise<{ owners: (string | null)[] }>> = {
        select: async (tx) => ({
          owners: rowsOf<{ o: string | null }>(await tx.execute(sql`select ${owner} as o from ${table}`)).map(
            (r) => r.o,
          ),
        }),
        insert: async (tx) => {
          // No row, and nothing read: the INSERT privilege alone is checked (the row type's null reads no table).
          await tx.execute(sql`insert into ${table} select (null::${table}).* where false`);
          return { owners: [] };
        },
        update: async (tx) => {
          const column = sql.identifier(access.probe);
          const rows = await tx.execute(sql`update ${table} set ${column} = ${column} returning ${owner} as o`);
          return { owners: rowsOf<{ o: string | null }>(rows).map((r) => r.o) };
        },
        delete: async (tx) => ({
          owners: rowsOf<{ o: string | null }>(await tx.execute(sql`delete from ${table} returning ${owner} as o`)).map(
            (r) => r.o,
          ),
        }),
      };
      const measured: Record<string, Record<string, Reach>> = {};
      for (const role of ROLES) {
        measured[role] = {};
        for (const command of COMMANDS) {
          (measured[role] as Record<string, Reach>)[command] = classify(
            await as(role, probes[command]),
            facts,
            command,
          );
        }
      }
      expect(measured, name).toEqual(access.roles);
    });
  }
});
