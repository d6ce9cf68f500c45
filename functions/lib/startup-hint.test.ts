import { describe, expect, it } from "vitest";
import { startupHint } from "./startup-hint";

const url = "postgres://rls_authenticator:secret@db.example:6543/app";
const pg = (code: string, message = "x") =>
  new Error("Failed query: select 1", { cause: Object.assign(new Error(message), { code }) });

describe("start-up failures name the cause and the fix", () => {
  it("says what to run or set for the usual causes, and never shows the password", () => {
    expect(startupHint(pg("42P01"), url)).toMatch(
      /rls_authenticator@db\.example:6543\/app is not migrated: run .*db:migrate/,
    );
    expect(startupHint(pg("28000", 'role "rls_authenticator" does not exist'), url)).toMatch(/not migrated/);
    expect(startupHint(pg("3D000"), url)).toMatch(/does not exist: create it/);
    expect(startupHint(pg("28P01"), url)).toMatch(/refused the login/);
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:6543"), { code: "ECONNREFUSED" });
    expect(startupHint(new Error("Failed query", { cause: refused }), url)).toMatch(/nothing answers at .*6543/);
    for (const error of [pg("42P01"), pg("3D000"), pg("28P01"), refused]) {
      expect(startupHint(error, url)).not.toContain("secret");
    }
  });

  it("tells a pooler's refusals from a host that does not answer", () => {
    const parameter = startupHint(pg("08P01", "unsupported startup parameter: statement_timeout"), url);
    expect(parameter).toMatch(/refused the startup parameter statement_timeout/);
    expect(parameter).not.toMatch(/nothing answers/);
    expect(startupHint(pg("08P01", "transaction blocks not allowed in statement pooling mode"), url)).toMatch(
      /statement mode.*pool_mode to transaction/,
    );
    expect(startupHint(pg("08P01", "no more connections allowed (max_client_conn)"), url)).toMatch(
      /pooler at .*6543\/app refused the connection/,
    );
  });

  it("stays quiet about anything else", () => {
    expect(startupHint(pg("23505"), url)).toBeUndefined();
    expect(startupHint(new Error("something else"), undefined)).toBeUndefined();
  });
});
