import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { one } from "../../db/runner/plan";
import { idempotencyKeys } from "../../db/schema";
import { currentUserId } from "../../db/schema/rls";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { findPgError } from "../lib/pg-errors";
import type { Scope } from "../lib/scope";
import type { IdempotencyVariables, ScopeVariables } from "./request-scope";

/** The request header (IETF httpapi's Idempotency-Key, as Stripe has it) and the one a replayed answer carries. */
export const IDEMPOTENCY_KEY = "Idempotency-Key";
export const REPLAYED = "Idempotent-Replayed";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const MAX_KEY_LENGTH = 255;
/** The answer's headers a replay repeats: what it is, and where what it made lives. */
const KEPT_HEADERS = ["content-type", "location"];
/** How long a request whose key another request is answering waits for that answer, before a 409. */
const WAIT_FOR_ANSWER_MS = 2_000;

const badKey = (message: string) =>
  new ApiError(400, "invalid_idempotency_key", `${IDEMPOTENCY_KEY} ${message}`, [
    { field: IDEMPOTENCY_KEY, location: "header", message },
  ]);

/**
 * The key a client sent: any printable ASCII text of 1 to 255 characters, bare (as most clients send it) or as a
 * structured-field string (`"..."`, as the IETF draft writes it).
 */
export function parseKey(raw: string) {
  const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(raw);
  const key = quoted ? (quoted[1] as string).replace(/\\(["\\])/g, "$1") : raw;
  if (key.length === 0) throw badKey("must not be empty");
  if (key.length > MAX_KEY_LENGTH) throw badKey(`must be at most ${MAX_KEY_LENGTH} characters`);
  if (/[^\x20-\x7e]/.test(key)) throw badKey("must be printable ASCII");
  return key;
}

/** SHA-256 of what makes the request this request: method, path and query, body. */
async function fingerprintOf(c: Context) {
  const url = new URL(c.req.url);
  const text = `${c.req.method} ${url.pathname}${url.search}\n${await c.req.text()}`;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const mine = (key: string) => and(eq(idempotencyKeys.owner_id, currentUserId), eq(idempotencyKeys.key, key));

/** The answer kept for the caller's key, waiting up to `waitMs` for one still being given. */
async function keptAnswer(scope: Scope, key: string, waitMs: number) {
  const until = Date.now() + waitMs;
  for (;;) {
    const [kept] = await scope.run((q) =>
      one(
        q
          .select({
            status: idempotencyKeys.response_status,
            headers: idempotencyKeys.response_headers,
            body: idempotencyKeys.response_body,
          })
          .from(idempotencyKeys)
          .where(mine(key)),
      ),
    );
    if (kept?.status != null || Date.now() >= until) return kept?.status == null ? undefined : kept;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Keeps the answer of the request that claimed the key, for its retries. */
async function keep(scope: Scope, key: string, response: Response) {
  const headers = Object.fromEntries(
    KEPT_HEADERS.flatMap((name) => {
      const value = response.headers.get(name);
      return value === null ? [] : [[name, value]];
    }),
  );
  const body = await response.clone().text();
  await scope.run((q) =>
    one(
      q
        .update(idempotencyKeys)
        .set({ response_status: response.status, response_headers: headers, response_body: body })
        .where(and(mine(key), isNull(idempotencyKeys.response_status))),
    ),
  );
}

/**
 * `Idempotency-Key` on writes (POST, PUT, PATCH, DELETE): a client that did not get an answer (a timeout, a
 * dropped connection, a 503 after the write committed) sends the same request again with the same key, and
 * the write happens once. The key and the request's fingerprint are claimed by the write's own transaction, in
 * its context statement (db/runner/context.ts), so they commit or roll back with the write; the answer is kept
 * right after. A retry then gets the kept answer, marked `Idempotent-Replayed: true`, without writing again; one
 * sent while the first is still being answered waits for its answer (up to 2 s, then 409); the same key with
 * another request is a 422. A request that failed before committing (a 4xx, a rollback) kept nothing: its
 * retry runs afresh. Keys are the signed-in caller's own; anonymous writes are not replayed.
 */
export const idempotency = createMiddleware<{ Variables: IdempotencyVariables & ScopeVariables }>(async (c, next) => {
  const raw = c.req.header(IDEMPOTENCY_KEY);
  if (raw === undefined || !WRITES.has(c.req.method)) return next();
  const key = parseKey(raw);
  c.set("idempotency", { key, fingerprint: await fingerprintOf(c) });
  await next();
  const scope = c.get("scope");
  const refusal = findPgError(c.error);
  if (refusal?.code === "PT200" || (refusal?.code === "PT409" && refusal.detail === "in_progress")) {
    const kept = await keptAnswer(scope, key, refusal.code === "PT409" ? WAIT_FOR_ANSWER_MS : 0);
    if (!kept) return;
    const headers = { ...kept.headers, [REPLAYED]: "true" };
    const replay = kept.body
      ? c.body(kept.body, kept.status as 200, headers)
      : c.body(null, kept.status as 204, headers);
    // The refusal's own headers (Retry-After) are not the answer's.
    replay.headers.delete("retry-after");
    c.res = undefined as unknown as Response;
    c.res = replay;
    return;
  }
  if (!c.get("request").state.claimedKey) return;
  await keep(scope, key, c.res).catch((error: unknown) =>
    // The write committed and its answer goes out; a retry will hear that the answer was lost (409).
    log("warn", "the answer to an Idempotency-Key could not be kept", { error, requestId: c.get("requestId") }),
  );
});
