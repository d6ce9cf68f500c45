import { fillPlaceholders, type Query, type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { type Database, rowsOf } from "../client";
import { roleNames } from "../schema/roles";

/** An identity provider's verified token: the user it names is found, linked or provisioned by the database. */
export type ProviderIdentity = { issuer: string; subject: string; email: string | null; emailVerified: boolean };

/**
 * The credentials a request presented, checked as far as they can be without the database (a token's signature
 * and expiry; an API key's shape and the hash of its secret). The database checks the rest in the context
 * statement and answers with the Caller.
 */
export type Credentials =
  /** One of our access tokens: `ver` is refused unless still the user's token_version, `sid` unless that session is open. */
  | { via: "token"; userId: string; tokenVersion: number; sessionId?: string }
  | { via: "provider"; identity: ProviderIdentity }
  /** An API key: found by its public prefix, its secret's hash compared by the database. */
  | { via: "api_key"; prefix: string; hash: string };

/**
 * What a request tells its context statement: the credentials presented (none: anonymous), the permission
 * its route needs, whether it is for superusers only, and the route and client address for rate limiting.
 */
export type RequestContext = {
  credentials?: Credentials;
  permission?: string;
  superuserOnly?: boolean;
  ip?: string;
  /** The route's pattern, rate limited per the caller's tier; none: no rate limit. */
  route?: string;
  /** GET and HEAD: the handler's statements run read-only. */
  readOnly: boolean;
  /**
   * The Stripe webhook acts for no user: its transaction runs as rls_billing instead of the caller's role, with no
   * user id. Set only by the webhook, once Stripe's signature over the body checked (functions/billing).
   */
  billing?: boolean;
  /**
   * Read-your-writes: the WAL position of the caller's last write (db/runner/replicas.ts). A read replica that
   * has not replayed that far leaves the read to the primary. Ignored without replicas.
   */
  after?: string;
  /** statement_timeout for the rest of the transaction (every driver, Neon's HTTP API included). */
  statementTimeoutMs?: number;
  /**
   * A write's Idempotency-Key and the fingerprint of its request: claimed for the caller in this transaction
   * (app_auth.claim_idempotency_key), or refused as answered before, in flight, or sent with another request.
   */
  idempotency?: { key: string; fingerprint: string };
};

/**
 * Who the request acts for, as the database resolved the credentials at the start of the transaction (no
 * user: anonymous, or the webhook), and its rate-limit window for this route, if a rule applies.
 */
export type Caller = {
  userId: string | null;
  isSuperuser: boolean;
  /** The API key that called, whose use is recorded after the response. */
  keyId: string | null;
  /** The access token's session. */
  sessionId: string | null;
  /** The user's tier (none: anonymous, or the tier was deleted: the default tier's rules apply). */
  tierId: string | null;
  rateLimit: { limit: number; hits: number; resetAt: Date } | null;
  /** This transaction claimed the request's Idempotency-Key: its answer is to be kept. */
  claimedKey: boolean;
};

/** The context statement's row, as app_auth.begin_request returns it. */
type ContextRow = {
  user_id: string | null;
  is_superuser: boolean;
  key_id: string | null;
  rate_limit: number | null;
  rate_hits: number | null;
  rate_reset: Date | string | null;
  session_id: string | null;
  tier_id: string | null;
  /** Present when the statement claimed an Idempotency-Key. */
  idem?: boolean | null;
};

/**
 * The first statement of every request's transaction, as PostgREST does: app_auth.begin_request checks the
 * caller and counts the rate-limit hit (raising PT401 / PT403 / PT429 to refuse), then the same statement
 * switches to the caller's role (rls_anon, rls_app_user or rls_app_superuser) and sets app.current_user_id,
 * app.is_superuser, app.api_key_id (empty unless an API key calls; credential changes refuse keys) and
 * app.session_id (the access token's session, which a credential change keeps open), all
 * transaction-local: a pooled connection never carries one user's identity into another request. For reads it then makes the transaction read-only: Postgres allows a transaction to become read-only
 * after it wrote (here, the rate-limit counter), never the reverse, so the handler's statements cannot write.
 *
 * `checks: false` only counts the hit (used alone, after a request failed): no activity or permission checks.
 */
export function contextStatement(q: Database, context: RequestContext, checks = true) {
  return q.execute(contextSql(context, checks));
}

/** The values the context statement binds, by name (its text never holds one). */
function contextArguments(context: RequestContext, checks: boolean) {
  const { credentials } = context;
  const token = credentials?.via === "token" ? credentials : undefined;
  const apiKey = credentials?.via === "api_key" ? credentials : undefined;
  const identity = credentials?.via === "provider" ? credentials.identity : undefined;
  return {
    userId: token?.userId ?? null,
    tokenVersion: token?.tokenVersion ?? null,
    keyPrefix: apiKey?.prefix ?? null,
    keyHash: apiKey?.hash ?? null,
    permission: context.permission ?? null,
    superuserOnly: context.superuserOnly ?? false,
    ip: context.ip ?? null,
    route: context.route ?? null,
    checks,
    sessionId: token?.sessionId ?? null,
    issuer: identity?.issuer ?? null,
    subject: identity?.subject ?? null,
    email: identity?.email ?? null,
    emailVerified: identity?.emailVerified ?? null,
    statementTimeout: context.statementTimeoutMs ? String(context.statementTimeoutMs) : null,
    idempotencyKey: context.idempotency?.key ?? null,
    idempotencyFingerprint: context.idempotency?.fingerprint ?? null,
  };
}
type ContextArguments = ReturnType<typeof contextArguments>;

/** What the context statement's text depends on: a handful of shapes, each built once (contextQuery). */
const shapeOf = (context: RequestContext, checks: boolean) => ({
  billing: context.billing ?? false,
  timeout: Boolean(context.statementTimeoutMs),
  readOnly: context.readOnly && checks,
  idempotent: Boolean(context.idempotency) && checks && !context.readOnly,
});
type Shape = ReturnType<typeof shapeOf>;

/** The statement for one shape, each value bound as `argument` says (a parameter, or a named placeholder). */
function contextTemplate(shape: Shape, argument: (name: keyof ContextArguments) => SQL) {
  const role = shape.billing
    ? sql`${roleNames.billing}::text`
    : sql`case when r.user_id is null then ${roleNames.anon}
        when r.is_superuser then ${roleNames.appSuperuser} else ${roleNames.appUser} end`;
  return sql`
    select r.*,
      set_config('role', ${role}, true) as "role",
      set_config('app.current_user_id', ${shape.billing ? sql`''` : sql`coalesce(r.user_id::text, '')`}, true) as "uid",
      set_config('app.is_superuser', r.is_superuser::text, true) as "su",
      set_config('app.api_key_id', coalesce(r.key_id::text, ''), true) as "kid",
      set_config('app.session_id', coalesce(r.session_id::text, ''), true) as "sid"${
        shape.timeout ? sql`, set_config('statement_timeout', ${argument("statementTimeout")}, true) as "st"` : sql``
      }${shape.readOnly ? sql`, set_config('transaction_read_only', 'on', true) as "ro"` : sql``}${
        shape.idempotent
          ? sql`, app_auth.claim_idempotency_key(r.user_id, ${argument("idempotencyKey")}::text,
              ${argument("idempotencyFingerprint")}::text) as "idem"`
          : sql``
      }
    from app_auth.begin_request(${argument("userId")}::uuid, ${argument("tokenVersion")}::integer,
      ${argument("keyPrefix")}::text,
      ${argument("keyHash")}::text, ${argument("permission")}::text, ${argument("superuserOnly")}::boolean,
      ${argument("ip")}::text, ${argument("route")}::text, ${argument("checks")}::boolean,
      ${argument("sessionId")}::uuid, ${argument("issuer")}::text, ${argument("subject")}::text,
      ${argument("email")}::text, ${argument("emailVerified")}::boolean) r`;
}

/** The context statement as Drizzle runs it (contextStatement), every value a parameter. */
export function contextSql(context: RequestContext, checks = true) {
  const values = contextArguments(context, checks);
  return contextTemplate(shapeOf(context, checks), (name) => sql`${values[name]}`);
}

const dialect = new PgDialect();
const templates = new Map<string, Query>();

/**
 * The context statement as text and values, for a driver that sends it itself (node-postgres pipelined): the
 * text is built once per shape and only the values change, the same text and values contextSql gives Drizzle
 * (which is then not asked to build it for every request).
 */
export function contextQuery(context: RequestContext, checks = true): { text: string; values: unknown[] } {
  const shape = shapeOf(context, checks);
  const key = `${shape.billing}/${shape.timeout}/${shape.readOnly}/${shape.idempotent}`;
  let template = templates.get(key);
  if (!template) {
    template = dialect.sqlToQuery(contextTemplate(shape, (name) => sql`${sql.placeholder(name)}`));
    templates.set(key, template);
  }
  return { text: template.sql, values: fillPlaceholders(template.params, contextArguments(context, checks)) };
}

/** The Caller a context statement's result names. */
export function callerOf(result: unknown): Caller {
  const row = rowsOf<ContextRow>(result)[0];
  if (!row) throw new Error("app_auth.begin_request returned no row");
  const { rate_limit: limit, rate_hits: hits, rate_reset: reset } = row;
  return {
    userId: row.user_id,
    isSuperuser: row.is_superuser,
    keyId: row.key_id,
    sessionId: row.session_id,
    tierId: row.tier_id,
    rateLimit: limit !== null && hits !== null && reset !== null ? { limit, hits, resetAt: new Date(reset) } : null,
    claimedKey: row.idem === true,
  };
}
