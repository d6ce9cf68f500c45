/**
 * Where a statement's text and duration go when SQL logging is on (LOG_SQL=true): what was sent, never with
 * its parameters, which carry password hashes, tokens and e-mail addresses.
 */
export type SqlLog = (statement: { sql: string; ms: number }) => void;

type Queryable = { query: (...args: never[]) => unknown };

/** The text of a query as a pg-style client takes it: a string, or a config object's `text`. */
const textOf = (first: unknown) =>
  typeof first === "string" ? first : ((first as { text?: unknown } | undefined)?.text as string | undefined);

/**
 * Times every `query` call of a pg-style client (node-postgres's Client, the neon driver's Client, PGlite and a
 * PGlite transaction: they share the shape `query(text | {text}, values?, callback?)`) and tells `sqlLog` the
 * text and how long the answer took. Only the first argument is read; the values never are. A driver's own
 * entry points, so every path (the pipelined batch, an interactive transaction, maintenance) is covered alike.
 */
export function timeQueries<C extends Queryable>(client: C, sqlLog: SqlLog | undefined): C {
  if (!sqlLog) return client;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const timed = (...args: unknown[]) => {
    const sql = textOf(args[0]);
    if (sql === undefined) return query(...args);
    const started = performance.now();
    const done = () => sqlLog({ sql, ms: Math.round((performance.now() - started) * 100) / 100 });
    const callback = args.at(-1);
    if (typeof callback === "function") {
      return query(...args.slice(0, -1), (...results: unknown[]) => {
        done();
        return (callback as (...r: unknown[]) => unknown)(...results);
      });
    }
    const result = query(...args);
    if (result && typeof (result as PromiseLike<unknown>).then === "function") {
      (result as PromiseLike<unknown>).then(done, done);
    }
    return result;
  };
  Object.defineProperty(client, "query", { value: timed, configurable: true, writable: true });
  return client;
}
