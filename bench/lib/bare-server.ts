// The baseline for bench/node.bench.ts: a bare Hono handler on node-postgres that runs the statements a list
// request needs and nothing else (no auth, no validation, no Drizzle), each awaited in turn: begin, the
// context, the page, the count, commit. BARE_CONTEXT says which context statement:
//   app      the app's own context statement (app_auth.begin_request: caller checks and the rate-limit count,
//            then the role and settings), text and parameters exactly as the app sends them;
//   minimal  set_config of the role and app.current_user_id alone, as a hand-written handler might.
// PORT, DATABASE_URL (the login role), USER_ID and BARE_CONTEXT from the environment.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import pg from "pg";
import { contextQuery } from "../../db/runner/context";

const userId = process.env.USER_ID as string;
const minimal = process.env.BARE_CONTEXT === "minimal";
const begin = minimal ? "begin read only" : "begin"; // the app's context statement makes it read-only itself
const context = minimal
  ? {
      text: "select set_config('role', 'rls_app_user', true), set_config('app.current_user_id', $1, true)",
      values: [userId] as unknown[],
    }
  : contextQuery({
      credentials: { via: "token", userId, tokenVersion: 0 },
      ip: "127.0.0.1",
      route: "/api/v1/items",
      readOnly: true,
    });

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = new Hono().get("/api/v1/items", async (c) => {
  const client = await pool.connect();
  try {
    await client.query(begin);
    await client.query(context.text, context.values);
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
// Exit on SIGINT (the bench's stop) rather than be killed by it, so that a CPU profile (--cpu-prof) is written.
process.on("SIGINT", () => process.exit(0));
