import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapDatabaseError } from "../functions/lib/pg-errors";
import { openTestDatabase, type TestDatabase } from "../functions/testing/harness";
import { withAdmin } from "./admin";
import { users } from "./schema";

let t: TestDatabase;
let userId: string;
beforeAll(async () => {
  t = await openTestDatabase();
  const [row] = await t.asOwner((tx) =>
    tx.insert(users).values({ email: "s@example.com", hashed_password: "x" }).returning({ id: users.id }),
  );
  userId = row?.id as string;
});
afterAll(() => t.close());

const serializationFailure = () => Object.assign(new Error("could not serialize access"), { code: "40001" });

describe("transactions", () => {
  it("retry a serialization failure or deadlock, running the whole transaction again", async () => {
    let attempts = 0;
    const result = await t.asUser(userId, async () => {
      attempts++;
      if (attempts < 3)
        throw attempts === 1 ? serializationFailure() : Object.assign(new Error("deadlock"), { code: "40P01" });
      return "done";
    });
    expect(result).toBe("done");
    expect(attempts).toBe(3);
  });

  it("give up after three attempts, and the error maps to 503 with Retry-After", async () => {
    let attempts = 0;
    const failing = withAdmin(t.maintenance, async () => {
      attempts++;
      throw serializationFailure();
    });
    const error = await failing.catch((e: unknown) => e);
    expect(attempts).toBe(3);
    expect(mapDatabaseError(error)).toMatchObject({ status: 503, headers: { "Retry-After": "1" } });
  });

  it("do not retry other errors", async () => {
    let attempts = 0;
    await expect(
      t.asUser(userId, async () => {
        attempts++;
        throw Object.assign(new Error("unique"), { code: "23505" });
      }),
    ).rejects.toThrow("unique");
    expect(attempts).toBe(1);
  });
});
