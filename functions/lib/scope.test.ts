import { describe, expect, it } from "vitest";
import type { Runner } from "../../db/runner/runner";
import { ApiError } from "./errors";
import { createScope } from "./scope";

// A runner that fails the test if the scope reaches it: the refusal must come before any statement is sent.
const unreachable = new Proxy({} as Runner, {
  get: (_target, name) => () => {
    throw new Error(`the database was reached (${String(name)})`);
  },
});

describe("the request's scope", () => {
  it("refuses an API key on a route that names no permission, before any statement", async () => {
    const { scope } = createScope(unreachable, () => ({
      ip: "198.51.100.7",
      readOnly: true,
      credentials: { via: "api_key", prefix: "p", hash: "h" },
    }));
    const refused = await scope
      .run(() => {
        throw new Error("the plan was built");
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403 });
  });
});
