import { sql } from "drizzle-orm";
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

/** The context statement's SQL, for contextStatement (and for a benchmark's baseline to send as it is). */
export function contextSql(context: RequestContext, checks = true) {
  const { credentials } = context;
  const token = credentials?.via === "token" ? credentials : undefined;
  const apiKey = credentials?.via === "api_key" ? credentials : undefined;
  const identity = credentials?.via === "provider" ? credentials.identity : undefined;
  const role = context.billing
    ? sql`${roleNames.billing}::text`
    : sql`case when r.user_id is null then ${roleNames.anon}
        when r.is_superuser then ${roleNames.appSuperuser} else ${roleNames.appUser} end`;
  return sql`
    select r.*,
      set_config('role', ${role}, true) as "role",
      set_config('app.current_user_id', ${context.billing ? sql`''` : sql`coalesce(r.user_id::text, '')`}, true) as "uid",
      set_config('app.is_superuser', r.is_superuser::text, true) as "su",
      set_config('app.api_key_id', coalesce(r.key_id::text, ''), true) as "kid",
      set_config('app.session_id', coalesce(r.session_id::text, ''), true) as "sid"${
        context.statementTimeoutMs
          ? sql`, set_config('statement_timeout', ${String(context.statementTimeoutMs)}, true) as "st"`
          : sql``
      }${context.readOnly && checks ? sql`, set_config('transaction_read_only', 'on', true) as "ro"` : sql``}
    from app_auth.begin_request(${token?.userId ?? null}::uuid, ${token?.tokenVersion ?? null}::integer,
      ${apiKey?.prefix ?? null}::text,
      ${apiKey?.hash ?? null}::text, ${context.permission ?? null}::text, ${context.superuserOnly ?? false}::boolean,
      ${context.ip ?? null}::text, ${context.route ?? null}::text, ${checks}::boolean,
      ${token?.sessionId ?? null}::uuid, ${identity?.issuer ?? null}::text, ${identity?.subject ?? null}::text,
      ${identity?.email ?? null}::text, ${identity?.emailVerified ?? null}::boolean) r`;
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
  };
}
