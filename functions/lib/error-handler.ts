import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { RequestIdVariables } from "hono/request-id";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ListQueryError, MaintenanceUnavailableError } from "../../db/errors";
import { ConfigError } from "./config";
import { ApiError, validationError } from "./errors";
import { log } from "./log";
import { mapDatabaseError } from "./pg-errors";

const HTTP_REFUSALS: Partial<Record<number, { code: string; message?: string }>> = {
  400: { code: "bad_request" },
  415: { code: "unsupported_media_type", message: "Send the body as application/json" },
};

const toApiError = (error: unknown): ApiError | undefined => {
  if (error instanceof ApiError) return error;
  // The data layer's own refusals (db/errors.ts).
  if (error instanceof ListQueryError) return validationError(error.problems);
  if (error instanceof MaintenanceUnavailableError) return new ApiError(503, "maintenance_unavailable", error.message);
  if (error instanceof HTTPException) {
    // Hono's own refusals: a malformed JSON body (400) or a body of another media type (415) in a validator.
    const status = error.status as ContentfulStatusCode;
    const known = HTTP_REFUSALS[status];
    return new ApiError(status, known?.code ?? "http_error", known?.message ?? (error.message || "Bad request"));
  }
  return mapDatabaseError(error);
};

/** The one place errors become responses: `{"error": {"code", "message", "details"?}}`, never a stack. */
export function handleError<E extends { Variables: RequestIdVariables }>(error: unknown, c: Context<E>) {
  let apiError = toApiError(error);
  if (!apiError || apiError.status >= 500) {
    log("error", "request failed", {
      requestId: c.get("requestId"),
      path: c.req.path,
      error,
    });
  }
  if (!apiError) {
    apiError =
      error instanceof ConfigError
        ? new ApiError(500, "misconfigured", "Server is misconfigured")
        : new ApiError(500, "internal_error", "Internal server error");
  }
  const { status, code, message, details, headers } = apiError;
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.json({ error: { code, message, ...(details === undefined ? {} : { details }) } }, status);
}

export const handleNotFound = <E extends { Variables: RequestIdVariables }>(c: Context<E>) =>
  c.json({ error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } }, 404);
