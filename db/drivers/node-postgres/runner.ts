import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import type { Database } from "../../client";
import { keepPrepared } from "../../crud/prepared";
import { findPgError, type PgError } from "../../pg-error";
import { callerOf, contextQuery } from "../../runner/context";
import type { Query } from "../../runner/plan";
import { retrying } from "../../runner/retry";
import type { Runner } from "../../runner/runner";
import { transactionRunner } from "../../runner/transaction";
import * as schema from "../../schema";
import {
  preparedStatementsNotKept,
  preparing,
  runPrepared,
  type StatementNames,
  stalePreparedStatement,
  statementNames,
} from "./prepared";

/**
 * A Drizzle instance per pooled connection, made once: drizzle() with a schema builds its relational config.
 * With `names`, the connection's statements go as named prepared statements (prepared.ts).
 */
function builders(names: StatementNames | undefined) {
  const made = new WeakMap<pg.PoolClient, Database>();
  return (client: pg.PoolClient) => {
    let q = made.get(client);
    if (!q) {
      q = names
        ? keepPrepared(drizzle(preparing(client, names), { schema }) as unknown as Database, runPrepared(client, names))
        : (drizzle(client, { schema }) as unknown as Database);
      made.set(client, q);
    }
    return q;
  };
}

type Corkable = { connection?: { stream?: { cork?: () => void; uncork?: () => void } } };

/**
 * Runs `write` with the connection's socket corked, so everything it queues leaves in one write. node-postgres
 * writes each query (or each extended-protocol query's messages) on its own otherwise, and a syscall per
 * statement is most of what a pipelined batch costs the Node process. `client.connection.stream` is the
 * socket node-postgres itself corks; a client without one (another runtime's socket) just writes unbatched.
 */
function corked<T>(client: pg.PoolClient, write: () => T): T {
  const stream = (client as unknown as Corkable).connection?.stream;
  stream?.cork?.();
  try {
    return write();
  } finally {
    stream?.uncork?.();
  }
}

/** Where the WAL ends now: asked right after a write's COMMIT, where its commit record ends (read replicas). */
const WAL_POSITION = "select pg_current_wal_lsn()::text as lsn";

/** Starts a query now: a thenable runs on `then`, and Promise.resolve would call it a tick too late. */
const send = (query: Query) => new Promise<unknown>((resolve, reject) => query.then(resolve, reject));

/**
 * node-postgres in pipeline mode (`pipeline: true`, pg 8.23+): BEGIN, the context statement, the plan's
 * statements and COMMIT are written in one flight, without waiting for each answer: one round trip to any
 * Postgres, over TCP. In pipeline mode a failing statement makes every later one fail with 25P02 and COMMIT
 * answer ROLLBACK, so every result is looked at: the first real error is raised (with its SQLSTATE), and a
 * batch whose COMMIT rolled back never counts as success.
 *
 * With `prepare`, statements go as named prepared statements (prepared.ts) until the server shows it does not
 * keep them (a transaction-mode pooler): then the pool sends them unnamed from then on, `warn` is told once,
 * and the transaction that found out, which failed before anything ran, runs again.
 */
export function pipelinedPgRunner(
  pool: pg.Pool,
  maintenance?: () => Database,
  {
    positions = false,
    prepare = false,
    warn = () => {},
  }: { positions?: boolean; prepare?: boolean; warn?: (message: string) => void } = {},
): Runner {
  // A process that keeps its connections (Node) prepares its statements; a Worker's pool lives for one request.
  const names = prepare ? statementNames() : undefined;
  /** A statement the server did not keep: name nothing more on this pool (the warning said once). */
  const notKept = (error: PgError | undefined) => {
    if (!preparedStatementsNotKept(error)) return false;
    if (names?.abandon()) {
      warn(
        `the server behind this pool does not keep prepared statements (${error?.code}: ${error?.message}), as a pooler in transaction mode does: statements are sent unnamed from now on. Set DATABASE_PREPARE=false to start so, or keep them with PgBouncer 1.21+'s max_prepared_statements`,
      );
    }
    return true;
  };
  const builderFor = builders(names);
  const interactive = transactionRunner(drizzle(pool, { schema }) as unknown as Database, undefined, maintenance);
  /** With read replicas: where a write's commit ends in the WAL, asked right after it (db/runner/replicas.ts). */
  const position = async (client: pg.Pool | pg.PoolClient) =>
    (await client.query<{ lsn: string }>(WAL_POSITION)).rows[0]?.lsn;
  return {
    ...interactive,
    transaction: async (context, fn) => {
      const ran = await interactive.transaction(context, fn);
      return positions && !context.readOnly ? { ...ran, position: await position(pool) } : ran;
    },
    batch: (context, build, checks = true) =>
      retrying(
        async () => {
          const client = await pool.connect();
          let broken: Error | undefined;
          try {
            const q = builderFor(client);
            const plan = build(q);
            // A write reports where its commit ended, in the same flight, when asked (positions).
            const reports = positions && !context.readOnly;
            const contextText = contextQuery(context, checks);
            const statements = corked(client, () => [
              client.query("begin"),
              client.query({ ...contextText, name: names?.(contextText.text) }),
              ...plan.queries.map(send),
              client.query("commit"),
              ...(reports ? [client.query(WAL_POSITION)] : []),
            ]);
            const settled = await Promise.allSettled(statements);
            const errors = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
            const first = errors.find((error) => findPgError(error)?.code !== "25P02") ?? errors[0];
            if (first) {
              const pgError = findPgError(first);
              if (!pgError || stalePreparedStatement(pgError) || notKept(pgError)) broken = first as Error;
              throw first;
            }
            const values = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
            const reported = reports ? (values.pop() as pg.QueryResult<{ lsn: string }>).rows[0]?.lsn : undefined;
            const committed = values.at(-1) as pg.QueryResult;
            if (committed.command !== "COMMIT") throw new Error(`the transaction ended with ${committed.command}`);
            const [, contextResult, ...results] = values;
            return {
              caller: callerOf(contextResult),
              value: () => plan.map(results.slice(0, -1)),
              ...(reported ? { position: reported } : {}),
            };
          } finally {
            client.release(broken);
          }
        },
        {
          readOnly: context.readOnly,
          rolledBack: (error) => stalePreparedStatement(error) || preparedStatementsNotKept(error),
        },
      ),
  };
}
