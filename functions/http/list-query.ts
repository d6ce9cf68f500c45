import { z } from "@hono/zod-openapi";
import { COUNT_MODES, type ListSpec, PAGING_BOUNDS, parseListQuery } from "../../db/crud";
import { ListQueryError } from "../../db/errors";

const offset = {
  type: "integer",
  minimum: 0,
  maximum: PAGING_BOUNDS.maxOffset,
  default: 0,
  example: 0,
  description: `Offset paging; past ${PAGING_BOUNDS.maxOffset} a 422 asks for cursor paging instead`,
} as const;
const count = {
  type: "string" as const,
  enum: [...COUNT_MODES],
  default: "capped",
  description:
    `How total_count is counted (offset paging): capped (exact up to ${PAGING_BOUNDS.countCap}, then that number ` +
    "as a lower bound), exact, estimated (the planner's guess, constant time), none",
};
const limit = {
  type: "integer",
  minimum: 1,
  maximum: PAGING_BOUNDS.maxLimit,
  default: PAGING_BOUNDS.defaultLimit,
  example: PAGING_BOUNDS.defaultLimit,
} as const;

/**
 * A list route's query, as its validator: paging by `offset`/`limit` (counted as `count` asks) or
 * `cursor`/`limit`, `sort`, `expand` (where the spec offers relations), and any
 * `field__op=value` filter of the resource's ListSpec (docs/crud.md). db/crud's parseListQuery reads it, once;
 * what it refuses is a 422 naming each parameter, like every other validation. The handler receives the
 * parsed ListQuery from `c.req.valid("query")`. The parameters are declared here for the OpenAPI document;
 * a parameter given twice is refused by the string check before parsing.
 */
export const listQuery = (spec: ListSpec) =>
  z
    .object({
      offset: z.string().optional().openapi(offset),
      limit: z.string().optional().openapi(limit),
      sort: z.string().optional().openapi({ example: spec.defaultSort, description: "Fields, `-` for descending" }),
      count: z.string().optional().openapi(count),
      cursor: z
        .string()
        .optional()
        .openapi({ description: "Keyset paging: empty for the first page, then the previous page's next_cursor" }),
      ...(spec.expand && {
        expand: z
          .string()
          .optional()
          .openapi({
            example: Object.keys(spec.expand).join(","),
            description:
              `Related rows to include in each entry, comma-separated: ${Object.keys(spec.expand).join(", ")}. ` +
              "Read in the same statement as the page, whatever its size",
          }),
      }),
    })
    .loose()
    .openapi({ description: "Filters: `field=value`, `field__op=value`, `field__or=op:value`, `field__not=op:value`" })
    .transform((raw, ctx) => {
      try {
        return parseListQuery(raw as Record<string, string | string[]>, spec);
      } catch (error) {
        if (!(error instanceof ListQueryError)) throw error;
        for (const problem of error.problems)
          ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
        return z.NEVER;
      }
    });
