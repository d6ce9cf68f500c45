import { z } from "@hono/zod-openapi";
import { weakPasswordReason } from "./credentials/password-policy";

// Shared HTTP shapes: the error body, pages, path ids. (A list's query is functions/http/list-query.ts.) Feature schemas derive from their tables.

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_error" }),
      message: z.string(),
      details: z
        .array(z.object({ field: z.string(), location: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: "For validation errors: one entry per offending field" }),
    }),
  })
  .openapi("Error");

export const IdParam = z.object({
  // Lowercased: ids compare as strings in code (e.g. "is this the caller?"), and Postgres prints them lowercase.
  id: z
    .uuid()
    .toLowerCase()
    .openapi({ param: { name: "id", in: "path" }, example: "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" }),
});

/** Lowercase letters and digits in hyphen-separated words: the same rule as the chk_*_slug_format checks. */
export const slug = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase letters and digits, separated by single hyphens");

/** Account fields that several features take (registration, profile, password reset). */
// Addresses are stored trimmed and lowercased (a CHECK in the table holds the database to it).
export const email = z.string().trim().toLowerCase().pipe(z.email().max(255)).openapi({ example: "ada@example.com" });
/** A new password: 8-128 characters, and not one that every guessing list starts with. */
export const password = z
  .string()
  .min(8)
  .max(128)
  .superRefine((value, ctx) => {
    const reason = weakPasswordReason(value);
    if (reason) ctx.addIssue({ code: "custom", message: `Too easy to guess: it ${reason}` });
  })
  .openapi({ example: "correct horse battery" });

/**
 * Timestamps travel as ISO 8601 strings: a row's Dates become strings where a response is shaped
 * (functions/lib/expose.ts), so a response body holds no Date for JSON.stringify to call toJSON on.
 */
export const timestamp = () => z.iso.datetime();

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

const error = (description: string) => json(ErrorSchema, description);

/** Every route counts against its caller's rate limit (anonymous callers: per address). */
export const limitedError = {
  429: error("Too many requests for the caller's rate limit: wait as Retry-After says"),
} as const;

/** The error responses most routes share, for the OpenAPI document. */
export const errors = {
  401: error("Missing, invalid or expired token"),
  403: error("Inactive user or not enough privileges"),
  422: error("Validation error; `details` names each offending field"),
  ...limitedError,
} as const;

export const notFoundError = { 404: error("Not found, or not visible to this user") } as const;
export const conflictError = { 409: error("Conflicts with an existing record") } as const;
type Security = Record<string, string[]>[];
export const bearer: Security = [{ bearer: [] }];
/** Routes an API key may call (with the permission its router checks), beside a user's access token. */
export const bearerOrKey: Security = [{ bearer: [] }, { apiKey: [] }];

/** A page by offset (`total_count`, `offset`) or by cursor (`next_cursor`). */
export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      data: z.array(item),
      limit: z.number().int(),
      total_count: z.number().int().nullable().optional().openapi({
        description: "Offset paging only: how many rows match, as total_count_kind says (null with count=none)",
      }),
      total_count_kind: z
        .enum(["exact", "lower_bound", "estimated", "none"])
        .optional()
        .openapi({
          description:
            "Offset paging only: `exact`; `lower_bound` (the default count stops at its cap: at least that many); " +
            "`estimated` (count=estimated: the planner's guess); `none` (count=none)",
        }),
      offset: z.number().int().optional().openapi({ description: "Offset paging only" }),
      next_cursor: z
        .string()
        .nullable()
        .optional()
        .openapi({ description: "Cursor paging only; null on the last page" }),
    })
    .openapi(name);
