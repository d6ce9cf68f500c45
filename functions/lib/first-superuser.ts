import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { withAdmin } from "../../db/admin";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { defaultTierId } from "../../db/seed";
import { hashPassword } from "./credentials/password";
import { weakPasswordReason } from "./credentials/password-policy";
import { readOrCreateSecret } from "./private-file";

export type FirstSuperuserEnv = { FIRST_SUPERUSER_EMAIL?: string; FIRST_SUPERUSER_PASSWORD?: string };

/**
 * The first superuser, made only when the database has none. Its password is FIRST_SUPERUSER_PASSWORD, which
 * must not be one of the passwords every guessing list starts with; on the embedded database (`dataDir`)
 * without it, a random one is generated and kept in `<dataDir>/first-superuser-password`, readable by this OS
 * user alone. On a server without it nothing is created, and the answer says so. Never a fixed default.
 */
export async function ensureFirstSuperuserFrom(db: Database, env: FirstSuperuserEnv, dataDir?: string) {
  const email = env.FIRST_SUPERUSER_EMAIL ?? "admin@example.com";
  const given = env.FIRST_SUPERUSER_PASSWORD;
  const weak = given === undefined ? undefined : weakPasswordReason(given);
  if (weak || (given !== undefined && given.length < 8)) {
    throw new Error(`FIRST_SUPERUSER_PASSWORD is too easy to guess (it ${weak ?? "is shorter than 8 characters"})`);
  }
  const file = dataDir ? join(dataDir, "first-superuser-password") : undefined;
  const password =
    given !== undefined
      ? () => given
      : file
        ? () => readOrCreateSecret(file, () => randomBytes(18).toString("base64url")).value
        : undefined;
  const outcome = await ensureFirstSuperuser(db, { email, password });
  return { outcome, email, passwordFile: outcome === "created" && given === undefined ? file : undefined };
}

/** One line for the log or the terminal about what ensureFirstSuperuserFrom did, or undefined if nothing to say. */
export function describeFirstSuperuser(result: Awaited<ReturnType<typeof ensureFirstSuperuserFrom>>) {
  const { outcome, email, passwordFile } = result;
  if (outcome === "created") {
    return passwordFile
      ? `created the first superuser ${email}; its generated password is in ${passwordFile} (readable by you only)`
      : `created the first superuser ${email}`;
  }
  if (outcome === "no-password") {
    return "there is no superuser yet: set FIRST_SUPERUSER_EMAIL and FIRST_SUPERUSER_PASSWORD to create one";
  }
  if (outcome === "taken") return `there is no superuser yet, and ${email} is an ordinary account: not promoted`;
  return undefined;
}

/**
 * Creates the first superuser (the FastAPI template's FIRST_SUPERUSER) when there is **no superuser at all**,
 * in the default tier if there is one: a deployment that already has one (or renamed it) never gets a second
 * account it did not ask for. `password` is only asked for when the account is created; without one, nothing
 * is created. Says what happened: `created`, `exists` (a superuser is there), `no-password`, or `taken`
 * (the address belongs to an ordinary account, which is never promoted here).
 */
async function ensureFirstSuperuser(
  db: Database,
  account: { email: string; password: (() => string) | undefined },
): Promise<"created" | "exists" | "no-password" | "taken"> {
  const email = account.email.trim().toLowerCase();
  return withAdmin(db, async (tx) => {
    const superusers = await tx.select({ id: users.id }).from(users).where(eq(users.is_superuser, true)).limit(1);
    if (superusers.length > 0) return "exists";
    const taken = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (taken.length > 0) return "taken";
    if (!account.password) return "no-password";
    const hashed = await hashPassword(account.password());
    await tx.insert(users).values({
      email,
      hashed_password: hashed,
      full_name: "Administrator",
      is_superuser: true,
      tier_id: defaultTierId,
    });
    return "created";
  });
}
