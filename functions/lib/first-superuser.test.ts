import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../db/schema";
import { insertUser, openTestDatabase, type TestDatabase } from "../testing/harness";
import { ensureFirstSuperuserFrom } from "./first-superuser";

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
});
afterAll(() => t.close());

const superusers = () =>
  t.asOwner((tx) => tx.select({ email: users.email }).from(users).where(eq(users.is_superuser, true)));

describe("the first superuser", () => {
  it("is not created on a server without FIRST_SUPERUSER_PASSWORD, and never with a well-known password", async () => {
    expect((await ensureFirstSuperuserFrom(t.maintenance, {})).outcome).toBe("no-password");
    await expect(ensureFirstSuperuserFrom(t.maintenance, { FIRST_SUPERUSER_PASSWORD: "changethis" })).rejects.toThrow(
      /too easy to guess/,
    );
    expect(await superusers()).toEqual([]);
  });

  it("never promotes an ordinary account that holds the address", async () => {
    await insertUser(t, "taken-root@example.com");
    const result = await ensureFirstSuperuserFrom(t.maintenance, {
      FIRST_SUPERUSER_EMAIL: "taken-root@example.com",
      FIRST_SUPERUSER_PASSWORD: "a long root password",
    });
    expect(result.outcome).toBe("taken");
    expect(await superusers()).toEqual([]);
  });

  it("is created once, and not again under another address once any superuser exists", async () => {
    const env = { FIRST_SUPERUSER_EMAIL: "Root@Example.com", FIRST_SUPERUSER_PASSWORD: "a long root password" };
    expect((await ensureFirstSuperuserFrom(t.maintenance, env)).outcome).toBe("created");
    expect(await superusers()).toEqual([{ email: "root@example.com" }]);
    const other = { FIRST_SUPERUSER_EMAIL: "admin@example.com", FIRST_SUPERUSER_PASSWORD: "another root password" };
    expect((await ensureFirstSuperuserFrom(t.maintenance, other)).outcome).toBe("exists");
    expect((await ensureFirstSuperuserFrom(t.maintenance, {})).outcome).toBe("exists");
    expect(await superusers()).toEqual([{ email: "root@example.com" }]);
  });
});
