import { sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { afterResponse, type DatabaseVariables } from "./database";
import type { ScopeVariables } from "./request-scope";

/**
 * Every request an API key made is recorded (key_usage, and the key's last_used_at) after the response is
 * sent, with the answer's final status: registered outside rateLimits, which may still turn it into a 429.
 */
export const keyUsage = createMiddleware<{ Variables: DatabaseVariables & ScopeVariables }>(async (c, next) => {
  await next();
  const keyId = c.get("request").state.caller?.keyId;
  if (!keyId) return;
  const path = c.req.path.slice(0, 255);
  afterResponse(
    c,
    c
      .get("runner")
      .statement(sql`select app_auth.record_key_use(${keyId}::uuid, ${c.req.method}, ${path}, ${c.res.status})`),
  );
});
