import { count, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertUser, openTestDatabase, pgCodeOf, type TestDatabase } from "../../functions/testing/harness";
import { rowsOf } from "../client";
import { crud } from "../crud";
import { fieldOf } from "../crud/fields";
import { openPg } from "../drivers/node-postgres/open";
import { pipelinedPgRunner } from "../drivers/node-postgres/runner";
import { items, plans, posts, rateLimits, tiers, users } from "../schema";
import { all, andThen, batch, one } from "./plan";
import type { Runner } from "./runner";

// Every runner the app can use on this database: the test driver's own, and node-postgres in pipeline mode
// when a server is at hand. A batch commits as a whole or not at all, and a failure surfaces the first real
// error with its SQLSTATE, never a success.
let t: TestDatabase;
let userId: string;
const runners: [string, () => Runner][] = [];
const closing: (() => Promise<void>)[] = [];

beforeAll(async () => {
  t = await openTestDatabase();
  userId = await insertUser(t, "runner@example.com");
  runners.push([t.driver, t.runner]);
  if (t.appUrl) {
    const pg = openPg(t.appUrl, { pipeline: true });
    const runner = pipelinedPgRunner(pg.pool);
    runners.push(["pg pipeline", () => runner]);
    // As npm start runs it: statements sent as named prepared statements, on a pool of its own.
    const own = openPg(t.appUrl, { pipeline: true, max: 1 });
    const prepared = pipelinedPgRunner(own.pool, undefined, { prepare: true });
    runners.push(["pg pipeline, prepared", () => prepared]);
    closing.push(pg.close, own.close);
  }
});
afterAll(async () => {
  for (const close of closing) await close();
  await t.close();
});

/** The two node-postgres runners of a server run: as npm start sends statements (prepared), and unprepared. */
const pipelined = () => {
  const [, prepared] = runners.find(([name]) => name.endsWith("prepared")) ?? [];
  const [, plain] = runners.find(([name]) => name === "pg pipeline") ?? [];
  if (!prepared || !plain) throw new Error("no pipelined runners");
  return { prepared, plain };
};
const context = () => ({ credentials: { via: "token" as const, userId, tokenVersion: 0 }, readOnly: false });
const itemCount = () => t.asOwner(async (tx) => (await tx.select({ n: count() }).from(items))[0]?.n);

describe("statement runners", () => {
  it("batch: Drizzle queries and plans in, their results as a tuple, the answer made only after COMMIT", async () => {
    for (const [name, runner] of runners) {
      let answered = false;
      const ran = await runner().batch(context(), (q) =>
        batch(
          [
            q
              .insert(items)
              .values({ title: `batch ${name}` })
              .returning(),
            andThen(one(q.select({ n: count() }).from(items)), ([row]) => row?.n ?? 0),
          ],
          ([inserted, total]) => {
            answered = true;
            return { title: inserted[0]?.title, total };
          },
        ),
      );
      expect(answered, name).toBe(false);
      const { title, total } = ran.value();
      expect(answered, name).toBe(true);
      expect(title, name).toBe(`batch ${name}`);
      expect(total, name).toBe(await itemCount());
    }
  });

  it("run the context and every statement in one transaction, results in order", async () => {
    for (const [name, runner] of runners) {
      const ran = await runner().batch(context(), (q) =>
        all(
          andThen(
            one(
              q
                .insert(items)
                .values({ title: `first ${name}` })
                .returning(),
            ),
            ([row]) => row?.title,
          ),
          one(q.execute(sql`select current_user as role, current_setting('app.current_user_id') as uid`)),
        ),
      );
      expect(ran.caller.userId, name).toBe(userId);
      const [title, raw] = ran.value();
      expect(title, name).toBe(`first ${name}`);
      expect((raw as { rows: unknown[] }).rows, name).toEqual([{ role: "rls_app_user", uid: userId }]);
    }
  });

  it("surface the first real error of a failing middle statement, and commit nothing", async () => {
    const before = await itemCount();
    for (const [name, runner] of runners) {
      const failing = runner().batch(context(), (q) =>
        all(
          one(q.insert(items).values({ title: "rolled back" })),
          one(q.execute(sql`select 1 / 0`)),
          one(q.insert(items).values({ title: "never" })),
        ),
      );
      expect(await pgCodeOf(failing), name).toBe("22012");
    }
    expect(await itemCount()).toBe(before);
  });

  it("make reads read-only after counting", async () => {
    for (const [name, runner] of runners) {
      const write = runner().batch({ ...context(), readOnly: true }, (q) =>
        one(q.insert(items).values({ title: "x" })),
      );
      expect(await pgCodeOf(write), name).toBe("25006");
    }
  });

  // PGlite runs in-process and has no timer to cancel a statement with; every server driver does.
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "bound every statement after the context by its statement_timeout",
    async () => {
      for (const [name, runner] of runners) {
        const slow = runner().batch({ ...context(), statementTimeoutMs: 200 }, (q) =>
          one(q.execute(sql`select pg_sleep(3)`)),
        );
        expect(await pgCodeOf(slow), name).toBe("57014");
      }
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "run a transaction again on a fresh connection when a migration made a prepared statement stale",
    async () => {
      const [name, runner] = runners.find(([name]) => name.endsWith("prepared")) ?? [];
      if (!runner) throw new Error("no prepared runner");
      const titles = () =>
        runner().batch({ ...context(), readOnly: true }, (q) => one(q.select({ title: items.title }).from(items)));
      await titles();
      await titles(); // prepared on the runner's one connection
      // What an expand step of a migration may do: the statement's result type changes under it (0A000).
      await t.asOwner((tx) => tx.execute(sql`alter table items alter column title type text`));
      try {
        const after = await titles();
        expect(Array.isArray(after.value()), name).toBe(true);
      } finally {
        await t.asOwner((tx) => tx.execute(sql`alter table items alter column title type varchar(255)`));
      }
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "stop naming statements, saying so once, when the server shows it did not keep them, and run the transaction again",
    async () => {
      // What a transaction-mode pooler does to a client: the server connection under it no longer has what the
      // client prepared (here DEALLOCATE ALL on the pool's one connection: node-postgres still thinks it has).
      const own = openPg(t.appUrl as string, { pipeline: true, max: 1 });
      closing.push(own.close);
      const warnings: string[] = [];
      const runner = pipelinedPgRunner(own.pool, undefined, { prepare: true, warn: (m) => warnings.push(m) });
      const titles = async () =>
        (await runner.batch(context(), (q) => one(q.select({ title: items.title }).from(items)))).value();
      const forget = () => runner.batch(context(), (q) => one(q.execute(sql`deallocate all`)));
      const named = async () =>
        rowsOf<{ n: number }>(
          (
            await runner.batch(context(), (q) =>
              one(q.execute(sql`select count(*)::int as n from pg_prepared_statements where name like 'app_%'`)),
            )
          ).value(),
        )[0]?.n;
      const expected = await titles();
      expect(await named()).toBeGreaterThan(0);
      await forget();
      expect(await titles()).toEqual(expected); // 26000 on the first try: run again, unnamed
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/does not keep prepared statements \(26000.*DATABASE_PREPARE=false/);
      await forget();
      expect(await titles()).toEqual(expected);
      expect(await named()).toBe(0);
      expect(warnings).toHaveLength(1);
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "serve a list page from statements prepared once per shape, bound anew for each caller and page",
    async () => {
      const { prepared, plain } = pipelined();
      const other = await insertUser(t, "runner-other@example.com");
      await t.asOwner((tx) =>
        tx
          .insert(items)
          .values([
            ...Array.from({ length: 5 }, (_, i) => ({ owner_id: userId, title: `mine ${i}` })),
            ...Array.from({ length: 3 }, (_, i) => ({ owner_id: other, title: `theirs ${i}` })),
          ]),
      );
      const rows = crud(items);
      const sort = [{ field: fieldOf("title", items.title), descending: true }];
      const page = async (runner: Runner, user: string, offset: number) =>
        (
          await runner.batch({ credentials: { via: "token", userId: user, tokenVersion: 0 }, readOnly: true }, (q) =>
            rows.getMulti(q, { sort, offset, limit: 2 }),
          )
        ).value();
      for (const [user, offset] of [
        [userId, 0],
        [other, 0],
        [userId, 2],
        [other, 2],
        [userId, 4],
      ] as const) {
        expect(await page(prepared(), user, offset)).toEqual(await page(plain(), user, offset));
      }
      // The page and the count were prepared on the runner's one connection, and used again.
      const kept = await prepared().batch(context(), (q) =>
        one(
          q.execute(
            sql`select count(*)::int as n from pg_prepared_statements where name like 'app_%' and statement like '%from "items"%'`,
          ),
        ),
      );
      expect(rowsOf<{ n: number }>(kept.value())[0]?.n).toBeGreaterThanOrEqual(2);
      // A runner told not to prepare (DATABASE_PREPARE=false, behind a pooler that would not keep them) leaves none.
      const none = await plain().batch(context(), (q) =>
        one(q.execute(sql`select count(*)::int as n from pg_prepared_statements`)),
      );
      expect(rowsOf<{ n: number }>(none.value())[0]?.n).toBe(0);
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "map a prepared page's rows and count as Drizzle does, for every column type a listed table has",
    async () => {
      const { prepared, plain } = pipelined();
      const admin = await insertUser(t, "runner-admin@example.com", { superuser: true });
      // Nullable columns both ways: a published post (timestamp, booleans) and a draft (nulls).
      await t.asOwner(async (tx) => {
        await tx.insert(posts).values([
          {
            owner_id: admin,
            title: "out",
            slug: "runner-out",
            content: "c",
            is_published: true,
            // A minute ago: a published post's published_at may not be after its transaction's now().
            published_at: new Date(Date.now() - 60_000),
          },
          { owner_id: admin, title: "draft", slug: "runner-draft", content: "c", excerpt: null },
        ]);
        // A tier with a rule (integers) on a path no request takes, and a plan on it.
        const [tier] = await tx.insert(tiers).values({ name: "runner tier", description: null }).returning();
        const tierId = tier?.id as string;
        await tx
          .insert(rateLimits)
          .values({ tier_id: tierId, name: "runner", path: "/runner-none", limit: 7, period: 60 });
        await tx.insert(plans).values({ name: "runner plan", stripe_price_id: "price_runner", tier_id: tierId });
      });
      const asAdmin = { credentials: { via: "token" as const, userId: admin, tokenVersion: 0 }, readOnly: true };
      // Text, varchar, uuid, booleans, integers, timestamps with and without nulls, across the listed tables.
      for (const table of [items, posts, users, tiers, rateLimits, plans] as const) {
        const page = async (runner: Runner) =>
          (await runner.batch(asAdmin, (q) => crud(table).getMulti(q, { offset: 0, limit: 50 }))).value();
        const fromPrepared = await page(prepared());
        expect(fromPrepared).toEqual(await page(plain()));
        expect(fromPrepared.data.length, "rows of each table").toBeGreaterThan(0);
      }
    },
  );
});
