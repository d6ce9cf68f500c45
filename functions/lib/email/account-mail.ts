import { sql } from "drizzle-orm";
import { rowsOf } from "../../../db/client";
import { andThen, one } from "../../../db/runner/plan";
import type { Config } from "../config";
import { hashSecret, newPrefixedSecret, secretOf } from "../credentials/secrets";
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

/**
 * A confirmation link for `userId`'s address (null: the caller's), or null when none is due (already verified,
 * too many lately, or not the caller's to ask for). The database decides (app_auth.request_email_verification);
 * one round trip.
 */
export async function verificationFor(scope: Scope, config: Config, userId: string | null): Promise<Email | null> {
  const { token, hash } = await newPrefixedSecret(VERIFY_PREFIX);
  const to = await scope.run((q) =>
    andThen(
      one(
        q.execute(sql`select * from app_auth.request_email_verification(${userId}::uuid, ${hash},
          ${config.VERIFY_EMAIL_TOKEN_TTL_SECONDS}::integer)`),
      ),
      addressOf,
    ),
  );
  return to ? verificationEmail(config, to, token) : null;
}

/** A reset link for the account with `email`, or null (no such active account, or too many lately). */
export async function passwordResetFor(scope: Scope, config: Config, email: string): Promise<Email | null> {
  const { token, hash } = await newPrefixedSecret(RESET_PREFIX);
  const to = await scope.run((q) =>
    andThen(
      one(
        q.execute(sql`select * from app_auth.request_password_reset(${email}, ${hash},
          ${config.PASSWORD_RESET_TOKEN_TTL_SECONDS}::integer)`),
      ),
      addressOf,
    ),
  );
  return to ? passwordResetEmail(config, to, token) : null;
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
