import type { z } from "@hono/zod-openapi";

/**
 * The allow-list of a response: a row as the client may see it, reduced to the fields its response schema
 * declares. A column added to a table is private until someone adds it to the schema (drizzle-zod's
 * `.pick`), whatever the query selected.
 */
export function exposing<S extends z.ZodObject>(schema: S) {
  const keys = Object.keys(schema.shape);
  return <R extends object>(row: R): Pick<R, keyof z.infer<S> & keyof R> => {
    const shown: Record<string, unknown> = {};
    for (const key of keys) if (key in row) shown[key] = (row as Record<string, unknown>)[key];
    return shown as Pick<R, keyof z.infer<S> & keyof R>;
  };
}
