import { createMiddleware } from "hono/factory";

/** Answers are per caller and may hold private data: no shared or browser cache keeps them. */
export const noStore = () =>
  createMiddleware(async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });
