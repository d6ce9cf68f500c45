import { createMiddleware } from "hono/factory";
import { laterLsn } from "../../db/runner/replicas";
import { subjectOf } from "../lib/credentials/subject";
import { validationError } from "../lib/errors";
import { recentMap } from "../lib/recent";
import type { CredentialsVariables } from "./authenticate";
import type { ConsistencyVariables, ScopeVariables } from "./request-scope";

export const CONSISTENCY_HEADER = "X-Consistency-Token";

/** A WAL position as Postgres writes it: two hexadecimal halves. */
const POSITION = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

/** How many callers' last writes a process remembers; past it the oldest is forgotten (the header still works). */
const REMEMBERED = 10_000;

/**
 * Read-your-writes with read replicas (db/runner/replicas.ts): a write's answer carries `X-Consistency-Token`,
 * where its commit ended in the primary's WAL; a read presenting it (or, without it, made with the same
 * credentials to the same process, which remembers each caller's last write) is answered by a replica only
 * once that replica has replayed that far, else by the primary. A client behind several API processes sends
 * the newest token it got back. Without replicas, nothing is sent and a token is ignored.
 */
export const consistency = () => {
  const lastWrite = recentMap<string>(REMEMBERED);
  const remember = (key: string | undefined, position: string) => {
    if (key) lastWrite.set(key, laterLsn(lastWrite.get(key), position) as string);
  };
  return createMiddleware<{ Variables: ConsistencyVariables & ScopeVariables & CredentialsVariables }>(
    async (c, next) => {
      const presented = c.req.header(CONSISTENCY_HEADER)?.trim();
      if (presented !== undefined && !POSITION.test(presented)) {
        throw validationError([
          {
            field: CONSISTENCY_HEADER,
            location: "header",
            message: "a position such as 0/3016AA8, as a write sent it",
          },
        ]);
      }
      c.set("readAfter", () => {
        const key = subjectOf(c.get("credentials"));
        return laterLsn(presented, key ? lastWrite.get(key) : undefined);
      });
      await next();
      const { position, caller } = c.get("request").state;
      if (!position) return;
      c.res.headers.set(CONSISTENCY_HEADER, position);
      remember(subjectOf(c.get("credentials")), position);
      if (caller?.userId) remember(`user:${caller.userId}`, position);
    },
  );
};
