import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { withAnon } from "../../db/session";
import { createRouter } from "../lib/openapi";
import { json } from "../lib/schemas";

const Health = z.object({ status: z.enum(["ok", "error"]), database: z.enum(["ok", "unavailable"]) }).openapi("Health");

const health = createRoute({
  method: "get",
  path: "/",
  tags: ["health"],
  summary: "Liveness and a real round trip to the database",
  responses: { 200: json(Health, "Up"), 503: json(Health, "The database does not answer") },
});

export const healthRoutes = createRouter().openapi(health, async (c) => {
  try {
    await withAnon(c.var.db, (tx) => tx.execute(sql`select 1`), { readOnly: true });
    return c.json({ status: "ok" as const, database: "ok" as const }, 200);
  } catch {
    return c.json({ status: "error" as const, database: "unavailable" as const }, 503);
  }
});
