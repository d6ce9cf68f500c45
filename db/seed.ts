import { eq } from "drizzle-orm";
import { hashPassword } from "../functions/auth/password";
import type { Database } from "./client";
import { users } from "./schema";
import { withAdmin } from "./session";

/**
 * Creates the first superuser when no account has that e-mail address yet (FastAPI template's
 * FIRST_SUPERUSER). A setup job, so it runs as rls_maintenance_admin; never from a request.
 */
export async function ensureFirstSuperuser(db: Database, account: { email: string; password: string }) {
  const email = account.email.trim().toLowerCase();
  return withAdmin(db, async (tx) => {
    const existing = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (existing.length > 0) return false;
    const hashed = await hashPassword(account.password);
    await tx
      .insert(users)
      .values({ email, hashed_password: hashed, full_name: "Administrator", is_superuser: true })
      .onConflictDoNothing({ target: users.email });
    return true;
  });
}
