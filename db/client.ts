import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import type * as schema from "./schema";

export type Schema = typeof schema;
/** Any Drizzle Postgres database of this schema, whatever the driver (db/drivers/). */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** Rows of a raw `tx.execute(sql...)`: both drivers return `{ rows }`, Drizzle types it per driver. */
export const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
