import { sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { afterResponse } from "../lib/background";

/**
 * Records every request made with an API key (key_usage, and the key's last_used_at) once the response is
 * known, without delaying it: one statement, app_auth.record_key_use, after the response is sent.
 */
export const recordKeyUsage = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const auth = c.get("auth");
  if (auth?.via !== "api_key") return;
  const path = c.req.path.slice(0, 255);
  afterResponse(
    c,
    c.var.db.execute(
      sql`select app_auth.record_key_use(${auth.keyId}::uuid, ${c.req.method}, ${path}, ${c.res.status})`,
    ),
  );
});
