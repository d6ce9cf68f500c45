import { type SQL, sql } from "drizzle-orm";
import { rowsOf } from "../../../db/client";
import { andThen, one } from "../../../db/runner/plan";
import { currentUserIdValue } from "../../../db/schema/rls";
import type { Config } from "../config";
import { hashSecret, newPrefixedSecret, secretOf } from "../credentials/secrets";
import { seal, unseal } from "../jobs/seal";
import type { Scope } from "../scope";
import { passwordResetEmail, verificationEmail } from "./messages";
import type { Email } from "./sender";

/** One-time tokens sent by e-mail look like `rlsv_...` (confirm an address) and `rlsp_...` (reset a password). */
export const VERIFY_PREFIX = "rlsv_";
export const RESET_PREFIX = "rlsp_";

const addressOf = (result: unknown) => rowsOf<{ email: string }>(result)[0]?.email;
const outcomeOf = (result: unknown) => rowsOf<{ outcome: string }>(result)[0]?.outcome === "ok";

/** A new confirmation token and what to store of it, for a statement that stores it itself (registration). */
export const newVerificationToken = () => newPrefixedSecret(VERIFY_PREFIX);

/** Which message an account e-mail job sends (jobs.ts renders it at send time). */
export type AccountTemplate = "verify_email" | "password_reset";
export const ACCOUNT_EMAIL = "email.account";

/**
 * The INSERT that queues an account e-mail for every row (with `email`) of the CTE `from`, in the request's own
 * transaction: a job whose payload holds the address and the link's token, sealed (lib/jobs/seal.ts). `ownerId`:
 * whose job it is (the caller; none for nobody).
 */
export const queueAccountEmails = (from: SQL, template: AccountTemplate, sealedToken: string, ownerId: SQL) =>
  sql`insert into jobs (kind, payload, owner_id)
    select ${ACCOUNT_EMAIL}, jsonb_build_object('template', ${template}::text, 'to', e.email, 'token', ${sealedToken}::text),
      ${ownerId}
    from ${from} e`;

/**
 * The statement that queues an account e-mail for each address `addresses` (a query returning `email`) gives and
 * answers those addresses. The INSERT is a data-modifying WITH, so it needs no privilege to read jobs back.
 */
function queueAccountEmail(addresses: SQL, template: AccountTemplate, sealedToken: string, ownerId: SQL) {
  return sql`with a as (${addresses}),
    queued as (${queueAccountEmails(sql`a`, template, sealedToken, ownerId)})
    select a.email from a`;
}

/**
 * Queues a confirmation link for `userId`'s address (null: the caller's), in the request's transaction; false
 * when none is due (already verified, too many lately, or not the caller's to ask for). The database decides
 * (app_auth.request_email_verification); one round trip.
 */
export async function verificationFor(scope: Scope, config: Config, userId: string | null): Promise<boolean> {
  const { token, hash } = await newPrefixedSecret(VERIFY_PREFIX);
  const addresses = sql`select email from app_auth.request_email_verification(${userId}::uuid, ${hash},
    ${config.VERIFY_EMAIL_TOKEN_TTL_SECONDS}::integer)`;
  const sealed = await seal(config.JWT_SECRET, token);
  return scope.run((q) =>
    andThen(
      one(q.execute(queueAccountEmail(addresses, "verify_email", sealed, sql`${currentUserIdValue}`))),
      (result) => addressOf(result) !== undefined,
    ),
  );
}

/** Queues a reset link for the account with `email`; false when none (no such active account, or too many lately). */
export async function passwordResetFor(scope: Scope, config: Config, email: string): Promise<boolean> {
  const { token, hash } = await newPrefixedSecret(RESET_PREFIX);
  const addresses = sql`select email from app_auth.request_password_reset(${email}, ${hash},
    ${config.PASSWORD_RESET_TOKEN_TTL_SECONDS}::integer)`;
  const sealed = await seal(config.JWT_SECRET, token);
  return scope.run((q) =>
    andThen(
      one(q.execute(queueAccountEmail(addresses, "password_reset", sealed, sql`null::uuid`))),
      (result) => addressOf(result) !== undefined,
    ),
  );
}

/** The e-mail an account e-mail job sends, its token unsealed and its link made now. */
export async function accountEmailOf(config: Config, payload: Record<string, unknown>): Promise<Email> {
  const { template, to, token } = payload as { template?: string; to?: string; token?: string };
  if (typeof to !== "string" || typeof token !== "string") throw new Error("an account e-mail job without to/token");
  const unsealed = await unseal(config.JWT_SECRET, token);
  if (template === "verify_email") return verificationEmail(config, to, unsealed);
  if (template === "password_reset") return passwordResetEmail(config, to, unsealed);
  throw new Error(`an account e-mail job with template ${String(template)}`);
}

/** Confirms the address a `rlsv_` token was sent to; false when the token is unknown, spent or stale. */
export async function confirmEmail(scope: Scope, token: string): Promise<boolean> {
  const secret = secretOf(VERIFY_PREFIX, token);
  if (!secret) return false;
  const hash = await hashSecret(secret);
  return scope.run((q) => andThen(one(q.execute(sql`select * from app_auth.verify_email(${hash})`)), outcomeOf));
}

/** Sets the password a `rlsp_` token allows (`hashedPassword` already derived); false when the token is bad. */
export async function resetPassword(scope: Scope, token: string, hashedPassword: string): Promise<boolean> {
  const secret = secretOf(RESET_PREFIX, token);
  if (!secret) return false;
  const hash = await hashSecret(secret);
  return scope.run((q) =>
    andThen(one(q.execute(sql`select * from app_auth.reset_password(${hash}, ${hashedPassword})`)), outcomeOf),
  );
}
