/**
 * The data layer's own refusals. They say what is wrong in the data layer's terms; the app's one error
 * handler (functions/lib/error-handler.ts) decides what each means over HTTP.
 */

/** A field of a request that the data layer refuses, and why (`location`: query, body, path). */
export type FieldProblem = { field: string; location: string; message: string };

/** A list query (filters, sort, paging, cursor) the data layer cannot run: 422, naming each field. */
export class ListQueryError extends Error {
  override name = "ListQueryError";
  constructor(readonly problems: FieldProblem[]) {
    super("Invalid list query");
  }
}

/** Maintenance was asked for where no maintenance login is configured (MAINTENANCE_DATABASE_URL). */
export class MaintenanceUnavailableError extends Error {
  override name = "MaintenanceUnavailableError";
  constructor() {
    super("Maintenance is not configured here: set MAINTENANCE_DATABASE_URL (the rls_maintainer login)");
  }
}
