// The baseline for bench/node.bench.ts: a bare Hono handler on node-postgres that runs the statements a list
// request needs and nothing else (no auth, no validation, no rate limit): begin read only, the RLS context,
// the page, the count, commit. PORT, DATABASE_URL (the login role) and USER_ID from the environment.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = new Hono().get("/api/v1/items", async (c) => {
  const client = await pool.connect();
  try {
    await client.query("begin read only");
    await client.query("select set_config('role', 'rls_app_user', true), set_config('app.current_user_id', $1, true)", [
      process.env.USER_ID,
    ]);
    const page = await client.query(
      "select id, owner_id, title, description, created_at, updated_at from items where deleted_at is null order by created_at desc, id limit 20",
    );
    const total = await client.query("select count(*)::int as n from items where deleted_at is null");
    await client.query("commit");
    return c.json({ data: page.rows, total_count: total.rows[0].n, offset: 0, limit: 20 });
  } finally {
    client.release();
  }
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" }, () => console.log("ready"));
