import { pgRole } from "drizzle-orm/pg-core";

// Roles are cluster-wide, and drizzle-kit's CREATE ROLE is not idempotent: a second database in the same
// cluster (tests, previews) would fail to migrate. So they are `.existing()` here and created idempotently
// by drizzle/0000_roles.sql. The login role (rls_authenticator) holds no table privileges of its own.

/** Every request of a signed-in user runs as this role. No BYPASSRLS. */
export const appUser = pgRole("rls_app_user").existing();
/** Requests of users with `is_superuser`: permissive `USING (true)` policies, still no BYPASSRLS. */
export const appSuperuser = pgRole("rls_app_superuser").existing();
/** Requests nobody has signed in to: may only execute the narrow auth functions. */
export const anon = pgRole("rls_anon").existing();
/**
 * The Stripe webhook, once its signature checked: no user, no BYPASSRLS. Its own policies reach billing's
 * tables and, through column grants, only users' id and tier_id (drizzle/0029).
 */
export const billing = pgRole("rls_billing").existing();
/** Maintenance jobs and the auth SECURITY DEFINER functions: BYPASSRLS. */
export const maintenanceAdmin = pgRole("rls_maintenance_admin").existing();

export const roleNames = {
  authenticator: "rls_authenticator",
  anon: "rls_anon",
  appUser: "rls_app_user",
  appSuperuser: "rls_app_superuser",
  billing: "rls_billing",
  maintenanceAdmin: "rls_maintenance_admin",
  /** The maintenance login (drizzle/0013): may switch to rls_maintenance_admin, and to nothing else. */
  maintainer: "rls_maintainer",
} as const;
