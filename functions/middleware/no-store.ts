import { createMiddleware } from "hono/factory";

/**
 * Answers are per caller and may hold private data: no shared or browser cache keeps them. The header goes on
 * the response's own headers: `c.header` after the handler would copy the whole response to add one.
 */
export const noStore = () =>
  createMiddleware(async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });
