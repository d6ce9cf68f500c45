import { eq, getTableName, is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertUser, openTestDatabase, pgCodeOf, type TestDatabase } from "../functions/testing/harness";
import { withAdmin } from "./admin";
import { rowsOf, type Tx } from "./client";
import * as schema from "./schema";
import { items, users } from "./schema";

// The same isolation the HTTP tests show, asserted at the SQL layer: whatever query the code runs, the
// database refuses. Each expectation on a refusal names the Postgres error code.

let t: TestDatabase;
let alice: string;
let bob: string;
let admin: string;
let aliceItem: string;

const newUser = (email: string, superuser = false) => insertUser(t, email, { superuser });
const codeOf = pgCodeOf;

beforeAll(async () => {
  t = await openTestDatabase();
  alice = await newUser("alice@example.com");
  bob = await newUser("bob@example.com");
  admin = await newUser("admin@example.com", true);
  aliceItem = await t.asUser(alice, async (tx) => {
    const [row] = await tx.insert(items).values({ title: "alice's" }).returning();
    return row?.id as string;
  });
});
afterAll(() => t.close());

describe("fail closed", () => {
  it("the login role alone reads and writes nothing", async () => {
    expect(await codeOf(t.db.select().from(items))).toBe("42501");
    expect(await codeOf(t.db.select().from(users))).toBe("42501");
    expect(await codeOf(t.db.insert(items).values({ title: "x", owner_id: alice }))).toBe("42501");
    expect(await codeOf(t.db.delete(items))).toBe("42501");
  });

  it("an anonymous transaction reads no table", async () => {
    expect(await codeOf(t.asAnon((tx) => tx.select().from(users)))).toBe("42501");
    expect(await codeOf(t.asAnon((tx) => tx.select().from(items)))).toBe("42501");
  });

  it("leaves no identity on the connection after the transaction", async () => {
    await t.asUser(alice, (tx) => tx.select().from(items));
    const [state] = rowsOf<{ role: string; uid: string | null }>(
      await t.db.execute(sql`select current_user as role, current_setting('app.current_user_id', true) as uid`),
    );
    expect(state?.role).toBe("rls_authenticator");
    expect(state?.uid ?? "").toBe("");
  });

  it("the request login, and every role it switches to, cannot reach a role that bypasses RLS", async () => {
    const reach = async (tx: Tx, role: string) => {
      await tx.execute(sql`select set_config('role', ${role}, true)`);
    };
    // As the login role itself, and from inside a user's transaction (SET ROLE checks the session user).
    expect(await codeOf(t.db.transaction((tx) => reach(tx, "rls_maintenance_admin")))).toBe("42501");
    expect(await codeOf(t.asUser(alice, (tx) => reach(tx, "rls_maintenance_admin")))).toBe("42501");
    const [member] = rowsOf<{ n: number }>(
      await t.db.execute(sql`select count(*)::int as n from pg_roles b
        where b.rolbypassrls and pg_has_role(current_user, b.oid, 'MEMBER')`),
    );
    expect(member?.n).toBe(0);
    // The maintenance login reaches it: that is what it is for.
    expect(
      await withAdmin(t.maintenance, async (tx) => rowsOf(await tx.execute(sql`select current_user as u`))),
    ).toEqual([{ u: "rls_maintenance_admin" }]);
  });

  it("every table is under forced RLS and the login role holds no table privilege", async () => {
    const tables = await t.asOwner(async (tx) =>
      rowsOf<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; login_can: boolean }>(
        await tx.execute(sql`
          select c.relname, c.relrowsecurity, c.relforcerowsecurity,
            has_table_privilege('rls_authenticator', c.oid, 'SELECT, INSERT, UPDATE, DELETE') as login_can
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r'`),
      ),
    );
    // The tables of db/schema, no more and no fewer: a table made outside it would escape these checks.
    const declared = (Object.values(schema) as unknown[])
      .filter((value): value is PgTable => is(value, PgTable))
      .map((table) => getTableName(table));
    expect(tables.map((table) => table.relname).sort()).toEqual(declared.sort());
    for (const table of tables) {
      expect(table, table.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true, login_can: false });
    }
  });
});

describe("items under RLS", () => {
  it("another user sees none of the owner's rows", async () => {
    const seen = await t.asUser(bob, (tx) => tx.select().from(items));
    expect(seen).toEqual([]);
    const byId = await t.asUser(bob, (tx) => tx.select().from(items).where(eq(items.id, aliceItem)));
    expect(byId).toEqual([]);
  });

  it("another user's UPDATE and DELETE hit no row, and the row is unchanged", async () => {
    const updated = await t.asUser(bob, (tx) =>
      tx.update(items).set({ title: "pwned" }).where(eq(items.id, aliceItem)).returning(),
    );
    const deleted = await t.asUser(bob, (tx) => tx.delete(items).where(eq(items.id, aliceItem)).returning());
    expect(updated).toEqual([]);
    expect(deleted).toEqual([]);
    const [row] = await t.asUser(alice, (tx) => tx.select().from(items).where(eq(items.id, aliceItem)));
    expect(row?.title).toBe("alice's");
  });

  it("a user can neither insert a row for someone else nor hand its row over", async () => {
    expect(await codeOf(t.asUser(bob, (tx) => tx.insert(items).values({ title: "x", owner_id: alice })))).toBe("42501");
    expect(
      await codeOf(t.asUser(alice, (tx) => tx.update(items).set({ owner_id: bob }).where(eq(items.id, aliceItem)))),
    ).toBe("42501");
  });

  it("owner_id defaults to the current user", async () => {
    const [row] = await t.asUser(bob, (tx) => tx.insert(items).values({ title: "bob's" }).returning());
    expect(row?.owner_id).toBe(bob);
  });

  it("a superuser sees every row through its own role; the maintenance role bypasses RLS", async () => {
    const asSuperuser = await t.asUser(admin, async (tx, caller) => {
      expect(caller.isSuperuser).toBe(true);
      return tx.select().from(items);
    });
    expect(asSuperuser.map((item) => item.id)).toContain(aliceItem);
    const asAdmin = await withAdmin(t.maintenance, (tx) => tx.select().from(items));
    expect(asAdmin.map((item) => item.id)).toContain(aliceItem);
  });
});

describe("users under RLS", () => {
  it("a user sees only its own row", async () => {
    const seen = await t.asUser(bob, (tx) => tx.select({ id: users.id }).from(users));
    expect(seen).toEqual([{ id: bob }]);
  });

  it("a user cannot change another user's row, nor its own privileges", async () => {
    const updated = await t.asUser(bob, (tx) =>
      tx.update(users).set({ full_name: "pwned" }).where(eq(users.id, alice)).returning(),
    );
    expect(updated).toEqual([]);
    expect(
      await codeOf(t.asUser(bob, (tx) => tx.update(users).set({ is_superuser: true }).where(eq(users.id, bob)))),
    ).toBe("42501");
    expect(
      await codeOf(t.asUser(bob, (tx) => tx.update(users).set({ is_active: true }).where(eq(users.id, bob)))),
    ).toBe("42501");
    expect(await codeOf(t.asUser(bob, (tx) => tx.delete(users).where(eq(users.id, bob))))).toBe("42501");
  });

  it("anonymous requests may only call the auth functions", async () => {
    const [found] = await t.asAnon(async (tx) =>
      rowsOf<{ id: string }>(await tx.execute(sql`select id from app_auth.login_lookup('ALICE@example.com')`)),
    );
    expect(found?.id).toBe(alice);
    expect(await codeOf(t.asAnon((tx) => tx.execute(sql`select app_auth.sign_out_everywhere()`)))).toBe("42501");
  });

  it("a read-only transaction refuses writes", async () => {
    expect(await codeOf(t.asUser(alice, (tx) => tx.insert(items).values({ title: "x" }), { readOnly: true }))).toBe(
      "25006",
    );
  });
});

describe("credential changes", () => {
  const versionOf = async (id: string) =>
    (await t.asOwner((tx) => tx.select({ v: users.token_version }).from(users).where(eq(users.id, id))))[0]?.v;

  it("bump token_version when the e-mail or password changes, whoever changes them; not for the name", async () => {
    const carol = await newUser("carol@example.com");
    const start = await versionOf(carol);
    await t.asUser(carol, (tx) => tx.update(users).set({ full_name: "Carol" }).where(eq(users.id, carol)));
    expect(await versionOf(carol)).toBe(start);
    await t.asUser(carol, (tx) => tx.update(users).set({ hashed_password: "new" }).where(eq(users.id, carol)));
    expect(await versionOf(carol)).toBe((start ?? 0) + 1);
    await t.asUser(admin, (tx) => tx.update(users).set({ email: "carol2@example.com" }).where(eq(users.id, carol)));
    expect(await versionOf(carol)).toBe((start ?? 0) + 2);
    // The column is not the user's to set: no UPDATE grant on it.
    expect(
      await codeOf(t.asUser(carol, (tx) => tx.update(users).set({ token_version: 0 }).where(eq(users.id, carol)))),
    ).toBe("42501");
  });

  it("are refused when an API key is the caller (app.api_key_id set), whatever the role", async () => {
    const dave = await newUser("dave@example.com");
    const asKey = (change: Partial<typeof users.$inferInsert>) =>
      t.asUser(dave, async (tx) => {
        await tx.execute(sql`select set_config('app.api_key_id', '0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b', true)`);
        await tx.update(users).set(change).where(eq(users.id, dave));
      });
    expect(await codeOf(asKey({ hashed_password: "stolen" }))).toBe("42501");
    expect(await codeOf(asKey({ email: "stolen@example.com" }))).toBe("42501");
    await asKey({ full_name: "Dave" });
  });
});

describe("migrations", () => {
  it("applying them again is a no-op", async () => {
    const count = async () =>
      (
        await t.asOwner(async (tx) =>
          rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from users`)),
        )
      )[0]?.n;
    const before = await count();
    expect(before).toBeGreaterThanOrEqual(3);
    await t.migrateAgain();
    expect(await count()).toBe(before);
  });
});
