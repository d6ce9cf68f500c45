import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors";

const SERVED_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"];
const allow = SERVED_METHODS.join(", ");

/** The methods the API serves. Anything else (TRACE, CONNECT, made-up verbs) is refused with 405 before any work. */
export const servedMethods = () =>
  createMiddleware(async (c, next) => {
    if (!SERVED_METHODS.includes(c.req.method)) {
      throw new ApiError(405, "method_not_allowed", `${c.req.method} is not served here`, undefined, { Allow: allow });
    }
    await next();
  });

/** OPTIONS that CORS did not answer as a preflight: the methods, and nothing else (no database, no rate limit). */
export const answerOptions = () =>
  createMiddleware(async (c, next) => (c.req.method === "OPTIONS" ? c.body(null, 204, { Allow: allow }) : next()));
