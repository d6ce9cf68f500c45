import { z } from "zod";
import { issuersSetting } from "./credentials/issuers";

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** Every setting the API reads, from Worker bindings or process.env. Unknown keys are ignored. */
export const configSchema = z
  .object({
    /** Login role URL (rls_authenticator). Required on Workers; on Node, unset means embedded PGlite. */
    DATABASE_URL: z.string().url().optional(),
    /**
     * The maintenance login (rls_maintainer, drizzle/0013): the cron, maintenance on demand and, on Node, seeding.
     * The request login cannot reach the BYPASSRLS maintenance role; without this, maintenance is off.
     */
    MAINTENANCE_DATABASE_URL: z.string().url().optional(),
    /** `host:port/<secret>/v1` of scripts/local/relay.ts, to reach a plain local Postgres with the neon driver. */
    NEON_WS_PROXY: z.string().optional(),
    /** A Neon-compatible SQL-over-HTTP endpoint (`http://127.0.0.1:8788/<secret>/sql` locally); Neon's own when unset. */
    NEON_HTTP_ENDPOINT: z.string().url().optional(),
    /** Workers: `http` (one HTTP request per transaction) or `ws` (a WebSocket Pool per request, for comparison). */
    NEON_DRIVER: z.enum(["http", "ws"]).default("http"),
    JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters"),
    JWT_ISSUER: z.string().min(1).default("hono-drizzle-rls"),
    JWT_AUDIENCE: z.string().min(1).default("hono-drizzle-rls-api"),
    /**
     * Identity providers whose access tokens are accepted beside the API's own: a JSON array of
     * `{issuer, audience, jwks_uri?, algorithms?, email_claim?, email_verified_claim?, trust_email?}` (docs/auth.md).
     */
    AUTH_ISSUERS: issuersSetting,
    /** Short: a signed-out session's access tokens are refused at once anyway, but a stolen one lives this long. */
    ACCESS_TOKEN_TTL_SECONDS: int(900, 60, 60 * 60 * 24),
    /** How long a refresh token may wait unused; each refresh issues a new one with this lifetime. */
    REFRESH_TOKEN_TTL_SECONDS: int(60 * 60 * 24 * 30, 300, 60 * 60 * 24 * 365),
    /** Where e-mail goes: `console` writes it to the log (development: the links are credentials), `resend` sends it. */
    EMAIL_PROVIDER: z.enum(["console", "resend"]).default("console"),
    EMAIL_FROM: z.string().min(3).default("Accounts <accounts@example.com>"),
    RESEND_API_KEY: z.string().min(1).optional(),
    /** Resend's API; another base URL only for a local fake of it (tests). */
    RESEND_API_URL: z.string().url().default("https://api.resend.com"),
    /** The web app whose pages take the e-mailed tokens: `<APP_URL>/verify-email?token=`, `/reset-password?token=`. */
    APP_URL: z.string().url().default("http://localhost:5173"),
    VERIFY_EMAIL_TOKEN_TTL_SECONDS: int(60 * 60 * 24, 300, 60 * 60 * 24 * 7),
    PASSWORD_RESET_TOKEN_TTL_SECONDS: int(60 * 30, 300, 60 * 60 * 24),
    /** Comma-separated origins allowed by CORS; `*` for any; empty for none. */
    CORS_ORIGINS: z.string().default(""),
    /** Stripe's secret API key (`sk_live_...`, `sk_test_...`, or a restricted `rk_...`); unset, billing answers 503. */
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    /** The signing secret of the webhook endpoint (`whsec_...`), from Stripe's dashboard or `stripe listen`. */
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
    /** Stripe's API; another base URL only for a local fake of it (tests). */
    STRIPE_API_URL: z.string().url().default("https://api.stripe.com"),
    /** Opening a database connection, and one statement at the server; past either the request answers 503. */
    DATABASE_CONNECT_TIMEOUT_MS: int(5_000, 100, 120_000),
    DATABASE_STATEMENT_TIMEOUT_MS: int(5_000, 100, 120_000),
    /**
     * The Node server's connection pool to DATABASE_URL: at most this many requests hold a connection at once (the
     * rest wait). Keep it under the server's max_connections divided by the API processes sharing it.
     */
    DATABASE_POOL_MAX: int(10, 1, 1000),
    /**
     * Development: every statement's text and how long it took, as `debug` lines, whatever LOG_LEVEL says.
     * Never the parameters: they carry password hashes, tokens and e-mail addresses.
     */
    LOG_SQL: z
      .union([z.boolean(), z.enum(["true", "false"], { message: "LOG_SQL must be true or false" })])
      .default(false)
      .transform((value) => value === true || value === "true"),
    /**
     * npm start on a server: send statements as named prepared statements (parsed, and planned when a generic
     * plan is as good, once per connection). `false` behind a transaction-mode pooler that does not keep them
     * for its clients (PgBouncer before 1.21, or with max_prepared_statements = 0).
     */
    DATABASE_PREPARE: z
      .union([z.boolean(), z.enum(["true", "false"], { message: "DATABASE_PREPARE must be true or false" })])
      .default(true)
      .transform((value) => value === true || value === "true"),
    /**
     * Where rate-limit hits are counted: `postgres` (the default; each request's context statement counts its
     * hit, so every request writes on the primary), `redis` (the Node server, REDIS_URL) or `durable_object`
     * (Workers: one Durable Object per counter, the RATE_LIMIT_COUNTERS binding). Counted outside Postgres,
     * reads write nothing and may run on replicas. docs/scaling.md compares them.
     */
    RATE_LIMIT_STORE: z.enum(["postgres", "redis", "durable_object"]).default("postgres"),
    /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS), for RATE_LIMIT_STORE=redis. */
    REDIS_URL: z.string().url().optional(),
    /** Counting outside Postgres: how long the rules read from the database are used before being read again. */
    RATE_LIMIT_RULES_TTL_MS: int(10_000, 0, 3_600_000),
    /**
     * Read replicas of DATABASE_URL (comma-separated login-role URLs; the Node server, a Worker has Hyperdrive
     * bindings instead): GET and HEAD run there, read-only, unless a replica lags or has not replayed the caller's
     * last write (docs/scaling.md). Needs rate limits counted outside Postgres: there, every request writes.
     */
    DATABASE_REPLICA_URLS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((url) => url.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().url("DATABASE_REPLICA_URLS: each must be a postgres:// URL"))),
    /** A replica further behind the primary than this is left out; its reads go to the primary. */
    DATABASE_REPLICA_MAX_LAG_MS: int(5_000, 100, 600_000),
    /**
     * npm start runs the jobs requests queue (e-mails) in its own process; `false` where `npm run worker` runs
     * them instead (docs/jobs.md).
     */
    JOBS_IN_PROCESS: z
      .union([z.boolean(), z.enum(["true", "false"], { message: "JOBS_IN_PROCESS must be true or false" })])
      .default(true)
      .transform((value) => value === true || value === "true"),
    /**
     * How long a runner holds a job it took: one whose runner died runs again after this (docs/jobs.md). A
     * handler gets half of it.
     */
    JOBS_LEASE_MS: int(60_000, 1_000, 3_600_000),
    MAINTENANCE_RETENTION_DAYS: int(30, 0, 3650),
    KEY_USAGE_RETENTION_DAYS: int(90, 1, 3650),
    MAINTENANCE_BATCH_SIZE: int(500, 1, 10_000),
    MAINTENANCE_MAX_BATCHES: int(20, 1, 1000),
  })
  .refine((config) => config.EMAIL_PROVIDER !== "resend" || config.RESEND_API_KEY, {
    message: "EMAIL_PROVIDER=resend needs RESEND_API_KEY",
    path: ["RESEND_API_KEY"],
  })
  .refine((config) => config.RATE_LIMIT_STORE !== "redis" || config.REDIS_URL, {
    message: "RATE_LIMIT_STORE=redis needs REDIS_URL",
    path: ["REDIS_URL"],
  })
  .refine((config) => config.DATABASE_REPLICA_URLS.length === 0 || config.RATE_LIMIT_STORE !== "postgres", {
    message:
      "read replicas need RATE_LIMIT_STORE=redis (or durable_object on Workers): counting hits in Postgres writes on every request, reads too",
    path: ["DATABASE_REPLICA_URLS"],
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

const cache = new WeakMap<object, Config>();

/** Parses once per environment object (Workers hand the same `env` to every request of an isolate). */
export function loadConfig(env: object): Config {
  let config = cache.get(env);
  if (!config) {
    const result = configSchema.safeParse(env);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
    }
    config = result.data;
    cache.set(env, config);
  }
  return config;
}

/** The database timeouts a configuration asks for (db/timeouts.ts). */
export const timeoutsOf = (config: Config) => ({
  connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
});
