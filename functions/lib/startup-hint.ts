import { findPgError } from "./pg-errors";

/**
 * What to do about a failure to open the database at start-up, in one sentence, when the cause is one of the
 * usual ones: not migrated, no such database, wrong password, nothing listening. `databaseUrl` names the
 * server (never its password).
 */
export function startupHint(error: unknown, databaseUrl: string | undefined): string | undefined {
  const where = (() => {
    if (!databaseUrl) return "the embedded database";
    const url = new URL(databaseUrl);
    return `${url.username}@${url.hostname}:${url.port || 5432}${url.pathname}`;
  })();
  const pg = findPgError(error);
  const code = pg?.code;
  // A role that does not exist yet (28000) comes from the first migration, like the tables.
  const missingRole = code === "28000" && /role .* does not exist/.test(pg?.message ?? "");
  if (code === "42P01" || code === "3F000" || code === "42883" || missingRole) {
    return `${where} is not migrated: run MIGRATION_DATABASE_URL=<the schema owner's URL> npm run db:migrate`;
  }
  // A connection pooler's own refusals (PgBouncer, Supavisor) come as protocol violations.
  if (code === "08P01") {
    const message = pg?.message ?? "";
    if (/statement pooling/i.test(message)) {
      return `${where} is a connection pooler in statement mode, which runs no transaction, and every request is one: set the pooler's pool_mode to transaction (or session)`;
    }
    const parameter = message.match(/unsupported startup parameter:?\s*(\S+)/i)?.[1];
    if (parameter) {
      return `the pooler at ${where} refused the startup parameter ${parameter}: take it out of DATABASE_URL (or list it in the pooler's ignore_startup_parameters)`;
    }
    return `the pooler at ${where} refused the connection: see its log, and docs/deploy.md on poolers`;
  }
  if (code === "3D000") return `${where} does not exist: create it (createdb), then migrate it`;
  if (code === "28P01" || code === "28000") {
    return `${where} refused the login: set the role's password (ALTER ROLE ... PASSWORD) to the one in DATABASE_URL`;
  }
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code: sys, message } = e as { code?: unknown; message?: unknown };
    if (sys === "ECONNREFUSED" || sys === "ENOTFOUND" || sys === "ETIMEDOUT" || /timeout/i.test(String(message))) {
      return `nothing answers at ${where} (${String(message)}): is Postgres running, and is the host and port right?`;
    }
  }
  return undefined;
}
