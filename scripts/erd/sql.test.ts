import { describe, expect, it } from "vitest";
import { readSqlFacts, splitTopLevel, tableKey } from "./sql";

describe("readSqlFacts", () => {
  it("reads role attributes, also inside an idempotent DO block", () => {
    const facts = readSqlFacts([
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
           CREATE ROLE app NOLOGIN NOINHERIT NOBYPASSRLS;
         END IF;
       END $$;
       CREATE ROLE "Admin" WITH NOLOGIN BYPASSRLS;`,
    ]);
    expect(facts.roles.get("app")?.attributes).toEqual(["NOLOGIN", "NOINHERIT", "NOBYPASSRLS"]);
    expect(facts.roles.get("Admin")?.attributes).toEqual(["NOLOGIN", "BYPASSRLS"]);
  });

  it("tracks FORCE and NO FORCE in migration order", () => {
    const facts = readSqlFacts([
      'ALTER TABLE "items" FORCE ROW LEVEL SECURITY;\nALTER TABLE public.users FORCE ROW LEVEL SECURITY;',
      "ALTER TABLE ONLY items NO FORCE ROW LEVEL SECURITY;",
    ]);
    expect([...facts.forcedRls]).toEqual(["public.users"]);
  });

  it("expands a helper function that forces RLS and grants per table", () => {
    const facts = readSqlFacts([
      `CREATE OR REPLACE FUNCTION app_private.secure_user_table(tbl regclass) RETURNS void
       LANGUAGE plpgsql AS $$
       BEGIN
         EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
         EXECUTE format('GRANT SELECT, DELETE ON %s TO app_user', tbl);
       END
       $$;
       --> statement-breakpoint
       SELECT app_private.secure_user_table('public.items');`,
    ]);
    expect(facts.forcedRls.has("public.items")).toBe(true);
    expect([...(facts.tableGrants.get("public.items")?.get("app_user") ?? [])]).toEqual(["SELECT", "DELETE"]);
  });

  it("keeps column privileges and tells them from role membership", () => {
    const facts = readSqlFacts([
      "GRANT SELECT, UPDATE (email, full_name) ON TABLE users TO app_user, admin;\nGRANT app_user, admin TO authenticator;",
    ]);
    expect([...(facts.tableGrants.get("public.users")?.get("admin") ?? [])]).toEqual([
      "SELECT",
      "UPDATE (email, full_name)",
    ]);
    expect(facts.roles.get("app_user")?.grantedTo).toEqual(["authenticator"]);
  });

  it("ignores grants on schemas and functions, and comments", () => {
    const facts = readSqlFacts([
      "-- GRANT SELECT ON users TO ghost;\nGRANT USAGE ON SCHEMA app TO anon;\nGRANT EXECUTE ON FUNCTION f(text) TO anon;",
    ]);
    expect(facts.tableGrants.size).toBe(0);
    expect(facts.roles.size).toBe(0);
  });

  it("reads table and column comments, quotes included", () => {
    const facts = readSqlFacts([
      "COMMENT ON TABLE \"items\" IS 'What users own; it''s theirs';\nCOMMENT ON COLUMN audit.log.at IS 'when';",
    ]);
    expect(facts.tableComments.get("public.items")).toBe("What users own; it's theirs");
    expect(facts.columnComments.get("audit.log.at")).toBe("when");
  });
});

describe("helpers", () => {
  it("qualifies table names like the snapshot keys", () => {
    expect(tableKey('"Items"')).toBe("public.Items");
    expect(tableKey("audit.log")).toBe("audit.log");
  });

  it("splits outside quotes and parentheses only", () => {
    expect(splitTopLevel("a, b (c, d), 'e,f'", ",")).toEqual(["a", " b (c, d)", " 'e,f'"]);
  });
});
