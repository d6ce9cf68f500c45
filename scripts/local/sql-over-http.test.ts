import { neon, neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay } from "./relay";

// The local SQL-over-HTTP endpoint, driven by @neondatabase/serverless itself: what the driver sends, the
// endpoint must answer as Neon does, or the Worker's production path behaves differently here than there.
// Needs a Postgres server (TEST_DATABASE_URL).

const server = process.env.TEST_DATABASE_URL;

describe.runIf(Boolean(server))("the local SQL-over-HTTP endpoint, through the neon driver", () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let sql: ReturnType<typeof neon>;
  const table = `sql_http_${Date.now()}`;

  beforeAll(async () => {
    relay = await startRelay();
    neonConfig.fetchEndpoint = relay.sqlEndpoint;
    sql = neon(server as string);
    await sql.query(`create table ${table} (id int primary key, note text not null)`);
  });
  afterAll(async () => {
    await sql.query(`drop table if exists ${table}`);
    await relay.close();
  });

  it("returns typed values: timestamptz, uuid, jsonb, arrays, int8, booleans and NULLs", async () => {
    const rows = (await sql.query(
      `select '2026-01-02T03:04:05.123456Z'::timestamptz as at, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as id,
        '{"a": [1, 2]}'::jsonb as doc, array[1, 2, null]::int[] as ints, array['x', 'y,z']::text[] as texts,
        9007199254740993::int8 as big, true as yes, null::text as nothing, $1::int + 1 as param`,
      [41],
    )) as Record<string, unknown>[];
    expect(rows[0]).toEqual({
      at: new Date("2026-01-02T03:04:05.123Z"),
      id: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      doc: { a: [1, 2] },
      ints: [1, 2, null],
      texts: ["x", "y,z"],
      big: "9007199254740993",
      yes: true,
      nothing: null,
      param: 42,
    });
  });

  it("gives full results: fields with type ids, command and rowCount", async () => {
    const result = await sql.query(`insert into ${table} values (1, 'one'), (2, 'two')`, [], { fullResults: true });
    expect(result).toMatchObject({ command: "INSERT", rowCount: 2, fields: [] });
    const selected = await sql.query(`select id, note from ${table} order by id`, [], { fullResults: true });
    expect(selected.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ["id", 23],
      ["note", 25],
    ]);
    expect(selected.rows).toEqual([
      { id: 1, note: "one" },
      { id: 2, note: "two" },
    ]);
  });

  it("answers a Postgres error with its SQLSTATE and fields (HTTP 400), as Neon does", async () => {
    const error = await sql.query(`insert into ${table} values (1, 'again')`).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "NeonDbError", code: "23505", table, severity: "ERROR" });
    expect((error as { detail?: string }).detail).toMatch(/Key \(id\)=\(1\) already exists/);
    expect(await sql.query("select 1; select 2").catch((e: { code?: string }) => e.code)).toBe("42601");
  });

  it("runs a batch as one transaction: all results, or a rollback at the first error", async () => {
    const [inserted, counted] = await sql.transaction([
      sql.query(`insert into ${table} values (3, 'three') returning id`),
      sql.query(`select count(*)::int as n from ${table}`),
    ]);
    expect(inserted).toEqual([{ id: 3 }]);
    expect(counted).toEqual([{ n: 3 }]);

    const failed = await sql
      .transaction([
        sql.query(`insert into ${table} values (4, 'four')`),
        sql.query(`insert into ${table} values (1, 'duplicate')`),
        sql.query(`insert into ${table} values (5, 'five')`),
      ])
      .catch((e: { code?: string }) => e.code);
    expect(failed).toBe("23505");
    expect(await sql.query(`select id from ${table} where id in (4, 5)`)).toEqual([]);
  });

  it("honours the batch options: read-only refuses writes, the isolation level is applied", async () => {
    const refused = await sql
      .transaction([sql.query(`insert into ${table} values (6, 'six')`)], { readOnly: true })
      .catch((e: { code?: string }) => e.code);
    expect(refused).toBe("25006");
    const [[level]] = (await sql.transaction([sql.query("show transaction_isolation")], {
      isolationLevel: "Serializable",
      readOnly: true,
      deferrable: true,
    })) as [{ transaction_isolation: string }[]];
    expect(level).toEqual({ transaction_isolation: "serializable" });
  });

  it("keeps no session state between requests", async () => {
    await sql.query("select set_config('app.leak', 'yes', false)");
    const rows = await Promise.all(
      Array.from({ length: 5 }, () => sql.query("select current_setting('app.leak', true) as v")),
    );
    for (const row of rows) expect(row).toEqual([{ v: expect.not.stringMatching(/^yes$/) }]);
  });

  it("refuses hosts outside the loopback allow-list", async () => {
    const elsewhere = neon("postgres://user:pw@db.example.com:5432/app");
    const error = await elsewhere.query("select 1").catch((e: { message?: string }) => e.message);
    expect(error).toMatch(/host not allowed/);
  });
});
