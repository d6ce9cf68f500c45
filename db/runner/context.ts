import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../client";
import { roleNames } from "../schema/roles";

/**
 * Who a request acts for and what it may do, as the API knows it before touching the database: a user id
 * from a token it verified, or an API key's prefix and secret hash (checked by the database), the permission
 * the route needs, whether it is for superusers only, and the route and client address for rate limiting.
 */
export type RequestContext = {
  userId?: string;
  /** The token's `ver` claim: refused unless it is still the user's token_version. */
  tokenVersion?: number;
  /** The token's `sid` claim: refused unless that session of the user is still open. */
  sessionId?: string;
  apiKey?: { prefix: string; hash: string };
  /** An identity provider's verified token: the user it names is found, linked or provisioned by the database. */
  identity?: { issuer: string; subject: string; email: string | null; emailVerified: boolean };
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
  /** statement_timeout for the rest of the transaction (every driver, Neon's HTTP API included). */
  statementTimeoutMs?: number;
};

/** What the context statement found: the caller, and its rate-limit window for this route (if any rule). */
export type ContextRow = {
  user_id: string | null;
  is_superuser: boolean;
  key_id: string | null;
  rate_limit: number | null;
  rate_hits: number | null;
  rate_reset: Date | string | null;
  session_id: string | null;
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
  const { apiKey, identity } = context;
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
    from app_auth.begin_request(${context.userId ?? null}::uuid, ${context.tokenVersion ?? null}::integer,
      ${apiKey?.prefix ?? null}::text,
      ${apiKey?.hash ?? null}::text, ${context.permission ?? null}::text, ${context.superuserOnly ?? false}::boolean,
      ${context.ip ?? null}::text, ${context.route ?? null}::text, ${checks}::boolean,
      ${context.sessionId ?? null}::uuid, ${identity?.issuer ?? null}::text, ${identity?.subject ?? null}::text,
      ${identity?.email ?? null}::text, ${identity?.emailVerified ?? null}::boolean) r`;
}

export function contextRowOf(result: unknown): ContextRow {
  const row = rowsOf<ContextRow>(result)[0];
  if (!row) throw new Error("app_auth.begin_request returned no row");
  return row;
}
