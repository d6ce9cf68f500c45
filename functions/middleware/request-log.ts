import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { log } from "../lib/log";

/** One log line per request: its id, method, path, status and duration. */
export const requestLog = () =>
  createMiddleware<{ Variables: RequestIdVariables }>(async (c, next) => {
    const started = performance.now();
    await next();
    log("info", "request", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
