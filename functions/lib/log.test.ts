import { DrizzleQueryError } from "drizzle-orm/errors";
import { afterEach, describe, expect, it, vi } from "vitest";
import { describeError, log } from "./log";

const secretHash = "pbkdf2_sha256$100000$c2FsdA$bmV3LXBhc3N3b3JkLWhhc2g";

function failedQuery() {
  const cause = Object.assign(new Error('new row for relation "users" violates check constraint'), { code: "23514" });
  return new DrizzleQueryError('update "users" set "hashed_password" = $1 where "id" = $2', [secretHash, "u1"], cause);
}

describe("logging errors", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("never writes a failed query's parameters, in the message or the stack", () => {
    vi.stubEnv("LOG_LEVEL", "error");
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    try {
      log("error", "request failed", { error: failedQuery() });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secretHash);
    expect(lines[0]).not.toContain("params");
    const { error } = JSON.parse(lines[0] as string);
    expect(error.query).toContain('"hashed_password" = $1');
    expect(error.cause).toMatchObject({ code: "23514" });
  });

  it("keeps an ordinary error's message, code and cause", () => {
    const error = new Error("outer", { cause: Object.assign(new Error("inner"), { code: "57P01" }) });
    expect(describeError(error)).toMatchObject({
      name: "Error",
      message: "outer",
      cause: { message: "inner", code: "57P01" },
    });
    expect(describeError("plain")).toEqual({ name: "NonError", message: "plain" });
  });
});
