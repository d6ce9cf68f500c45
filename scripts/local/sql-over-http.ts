import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import { resilientPool } from "../../db/drivers/node-postgres/open";

/**
 * A local stand-in for Neon's SQL-over-HTTP endpoint (`POST /sql`), on a plain Postgres, speaking what
 * `@neondatabase/serverless` sends and expects: so the Worker's production path (one HTTP request per
 * transaction) runs under `wrangler dev`, in tests and in CI without Neon.
 *
 * - The database and credentials come from the `Neon-Connection-String` header; a server the relay may not
 *   reach (`allows`: the app's database, or loopback in tests) is refused, like the WebSocket relay beside it.
 * - `{"query", "params"}` runs one statement (autocommit); `{"queries": [...]}` runs them in order in one
 *   transaction opened per the `Neon-Batch-Isolation-Level`, `Neon-Batch-Read-Only` and `Neon-Batch-Deferrable`
 *   headers (a boolean header counts only when exactly `true`), and rolls back at the first error.
 * - Values travel as Postgres text with each field's `dataTypeID` (the driver parses them); with
 *   `Neon-Array-Mode: true` rows are arrays, else objects. `Neon-Raw-Text-Output` other than `true` gets JSON
 *   values for numbers, booleans and json (the driver always asks for raw text).
 * - Errors answer 400 with the Postgres error's fields (`code` = SQLSTATE), so the app maps them as on Neon.
 * - No session state survives a request: the connection is reset (DISCARD ALL) before it is reused.
 */
export function createSqlHandler(options: { allows: (host: string, port: number) => boolean; maxBodyBytes?: number }) {
  const pools = new Map<string, pg.Pool>();
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const poolFor = (connectionString: string) => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = resilientPool({ connectionString, max: 20 });
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        "content-type": "application/json",
        "access-control-allow-origin": "*",
        "neon-request-id": crypto.randomUUID(),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    const fail = (status: number, message: string) => send(status, { message, code: "", severity: "" });

    if (request.method !== "POST") return fail(405, "use POST");
    const header = (name: string) => {
      const value = request.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    const connectionString = header("Neon-Connection-String");
    let url: URL;
    try {
      url = new URL(connectionString ?? "");
    } catch {
      return fail(400, "missing or invalid Neon-Connection-String header");
    }
    if (!options.allows(url.hostname.replace(/^\[|\]$/g, ""), Number(url.port || 5432))) {
      return fail(400, "host not allowed");
    }

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > maxBody) return fail(413, "request body too large");
      chunks.push(chunk as Buffer);
    }
    let body: { query?: unknown; params?: unknown; queries?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return fail(400, "request body is not JSON");
    }
    const arrayMode = header("Neon-Array-Mode") === "true";
    const rawText = header("Neon-Raw-Text-Output") === "true";
    const statements = Array.isArray(body.queries) ? body.queries : [body];
    for (const statement of statements) {
      const { query, params = [] } = (statement ?? {}) as { query?: unknown; params?: unknown };
      if (typeof query !== "string" || !Array.isArray(params)) return fail(400, "each query needs query and params");
    }

    let client: pg.PoolClient;
    try {
      client = await poolFor(url.toString()).connect();
    } catch (error) {
      return send(400, errorBody(error));
    }
    let broken: Error | undefined;
    try {
      if (!Array.isArray(body.queries)) {
        const { query, params = [] } = body as { query: string; params?: unknown[] };
        return send(200, resultBody(await run(client, query, params), arrayMode, rawText));
      }
      const echoed: Record<string, string> = {};
      const modes: string[] = [];
      const isolation = header("Neon-Batch-Isolation-Level");
      const levels: Record<string, string> = {
        ReadUncommitted: "READ UNCOMMITTED",
        ReadCommitted: "READ COMMITTED",
        RepeatableRead: "REPEATABLE READ",
        Serializable: "SERIALIZABLE",
      };
      if (isolation && levels[isolation]) {
        modes.push(`ISOLATION LEVEL ${levels[isolation]}`);
        echoed["neon-batch-isolation-level"] = isolation;
      }
      if (header("Neon-Batch-Read-Only") === "true") {
        modes.push("READ ONLY");
        echoed["neon-batch-read-only"] = "true";
      }
      if (header("Neon-Batch-Deferrable") === "true") {
        modes.push("DEFERRABLE");
        echoed["neon-batch-deferrable"] = "true";
      }
      await client.query(["START TRANSACTION", modes.join(", ")].join(" ").trim());
      try {
        const results = [];
        for (const { query, params = [] } of body.queries as { query: string; params?: unknown[] }[]) {
          results.push(resultBody(await run(client, query, params), arrayMode, rawText));
        }
        await client.query("COMMIT");
        return send(200, { results }, echoed);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    } catch (error) {
      if (!(error as { code?: unknown }).code) broken = error as Error; // the connection, not the SQL
      return send(400, errorBody(error));
    } finally {
      if (broken) client.release(broken);
      else
        client.query("DISCARD ALL").then(
          () => client.release(),
          (error: Error) => client.release(error),
        );
    }
  };

  return {
    handle: (request: IncomingMessage, response: ServerResponse) =>
      handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      }),
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.end()));
      pools.clear();
    },
  };
}

/** Every value back as Postgres sends it: text (the driver parses by dataTypeID). */
const textTypes = { getTypeParser: () => (value: string) => value };

const run = (client: pg.PoolClient, text: string, values: unknown[]) =>
  // Extended protocol always, as Neon does: one statement per query, even without parameters.
  client.query({ text, values, rowMode: "array", types: textTypes, queryMode: "extended" } as pg.QueryConfig);

const JSON_NUMBER = new Set([20, 21, 23, 700, 701, 1700]);
const JSON_TYPES = new Set([114, 3802]);

function jsonValue(value: string | null, typeId: number) {
  if (value === null) return null;
  if (typeId === 16) return value === "t";
  if (JSON_NUMBER.has(typeId)) return Number(value);
  if (JSON_TYPES.has(typeId)) return JSON.parse(value);
  return value;
}

function resultBody(result: pg.QueryResult<unknown[]>, arrayMode: boolean, rawText: boolean) {
  const fields = result.fields.map(
    ({ name, tableID, columnID, dataTypeID, dataTypeSize, dataTypeModifier, format }) => ({
      name,
      tableID,
      columnID,
      dataTypeID,
      dataTypeSize,
      dataTypeModifier,
      format,
    }),
  );
  const rows = result.rows.map((row) => {
    const values = rawText
      ? row
      : row.map((value, i) => jsonValue(value as string | null, fields[i]?.dataTypeID ?? 25));
    return arrayMode ? values : Object.fromEntries(fields.map((field, i) => [field.name, values[i]]));
  });
  return {
    fields,
    rows,
    command: result.command?.split(" ")[0] ?? "",
    rowCount: result.rowCount ?? null,
    rowAsArray: arrayMode,
  };
}

const ERROR_FIELDS = [
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "severity",
  "where",
  "table",
  "column",
  "schema",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

function errorBody(error: unknown) {
  const source = error as Record<string, unknown>;
  const body: Record<string, unknown> = { message: error instanceof Error ? error.message : String(error) };
  for (const field of ERROR_FIELDS) {
    const value = source?.[field];
    body[field] =
      value === undefined || value === null
        ? field === "code" || field === "severity"
          ? ""
          : undefined
        : String(value);
  }
  return body;
}
