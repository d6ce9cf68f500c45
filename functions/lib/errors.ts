import type { ContentfulStatusCode } from "hono/utils/http-status";

export type FieldError = { field: string; location: string; message: string };

/**
 * The one error type handlers and services throw. functions/lib/error-handler.ts turns it (and database
 * errors) into the single JSON shape `{"error": {"code", "message", "details"?}}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError(400, "bad_request", message, details);

/**
 * RFC 6750: a 401 names the scheme, and says `invalid_token` when a token was sent but refused,
 * `invalid_request` when the Authorization header is not a bearer token at all.
 */
export const unauthorized = (message = "Not authenticated", bearerError?: "invalid_token" | "invalid_request") =>
  new ApiError(401, bearerError === "invalid_request" ? "invalid_request" : "unauthorized", message, undefined, {
    "WWW-Authenticate": bearerError ? `Bearer error="${bearerError}"` : "Bearer",
  });

export const forbidden = (message = "Not enough privileges") => new ApiError(403, "forbidden", message);

export const notFound = (what = "Resource") => new ApiError(404, "not_found", `${what} not found`);

export const conflict = (message: string, details?: unknown) => new ApiError(409, "conflict", message, details);

export const unsupportedMediaType = (message: string) => new ApiError(415, "unsupported_media_type", message);

export const validationError = (details: FieldError[]) =>
  new ApiError(422, "validation_error", "Request validation failed", details);

export const serviceUnavailable = (message: string, retryAfterSeconds = 5) =>
  new ApiError(503, "service_unavailable", message, undefined, { "Retry-After": String(retryAfterSeconds) });

/** Over a rate limit: the window's limit and when it ends, as headers the client can wait on. */
export function tooManyRequests(limit: number, resetAt: Date) {
  const reset = Math.max(0, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
  return new ApiError(429, "rate_limited", "Too many requests", undefined, {
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": String(reset),
    "Retry-After": String(Math.max(1, reset)),
  });
}
