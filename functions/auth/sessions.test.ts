import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authSessions, refreshTokens, users } from "../../db/schema";
import { ok, readError, startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const me = (token: string) => t.request("/api/v1/users/me", { token });
const refresh = (refreshToken: unknown) =>
  t.request("/api/v1/auth/refresh", { method: "POST", json: { refresh_token: refreshToken } });
const post = (path: string, token: string) => t.request(`/api/v1/auth/${path}`, { method: "POST", token });
const signIn = async (email: string, password: string, userAgent = "test-agent") =>
  ok(
    await t.api(undefined, { "user-agent": userAgent }).auth.login.$post({
      json: { email, password },
      form: { username: email, password },
    }),
    200,
  );
const renewed = async (refreshToken: string) =>
  ok(await t.api().auth.refresh.$post({ json: { refresh_token: refreshToken } }), 200);
const expectRefused = async (response: Response, message?: string) => {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  if (message) expect((await readError(response)).error.message).toContain(message);
};
const sessionsOf = async (userId: string) =>
  t.asOwner((tx) => tx.select().from(authSessions).where(eq(authSessions.owner_id, userId)));

describe("refresh tokens (POST /auth/refresh)", () => {
  it("exchange once for a new pair; the new access token works and the refresh token rotates", async () => {
    const user = await t.signUp();
    const next = await renewed(user.refreshToken);
    expect(next.refresh_token).not.toBe(user.refreshToken);
    expect((await me(next.access_token)).status).toBe(200);
    const third = await renewed(next.refresh_token);
    expect((await me(third.access_token)).status).toBe(200);
    // One session all along, its tokens stored as hashes only.
    const sessions = await sessionsOf(user.id);
    expect(sessions).toHaveLength(1);
    const stored = await t.asOwner((tx) => tx.select().from(refreshTokens).where(eq(refreshTokens.owner_id, user.id)));
    expect(stored).toHaveLength(3);
    for (const row of stored) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(third.refresh_token.slice(5));
  });

  it("a rotated token used again revokes the whole session: the thief's and the owner's newer tokens die", async () => {
    const user = await t.signUp();
    const next = await renewed(user.refreshToken);
    await expectRefused(await refresh(user.refreshToken), "already used");
    await expectRefused(await refresh(next.refresh_token), "Session ended");
    await expectRefused(await me(next.access_token));
    await expectRefused(await me(user.token));
    // Other sessions of the same user are not touched; a new sign-in works.
    expect((await me((await signIn(user.email, user.password)).access_token)).status).toBe(200);
  });

  it("of two concurrent uses of one token, exactly one wins and the session is revoked", async () => {
    const user = await t.signUp();
    const answers = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    const winner = (await answers.find((answer) => answer.status === 200)?.json()) as { refresh_token: string };
    await expectRefused(await refresh(winner.refresh_token));
  });

  it("refuses unknown, expired and malformed tokens; a deleted or deactivated account cannot refresh", async () => {
    await expectRefused(await refresh(`rlsr_${"A".repeat(43)}`), "Unknown");
    for (const malformed of ["", "rlsr_short", `rlsk_${"A".repeat(43)}`, 42, null]) {
      const response = await refresh(malformed);
      expect(response.status, String(malformed)).toBe(422);
      expect((await readError(response)).error.details?.[0]?.field).toBe("refresh_token");
    }
    const expired = await t.signUp();
    await t.asOwner((tx) =>
      tx
        .update(refreshTokens)
        .set({ expires_at: sql`now() - interval '1 second'` })
        .where(eq(refreshTokens.owner_id, expired.id)),
    );
    await expectRefused(await refresh(expired.refreshToken), "expired");

    const inactive = await t.signUp();
    await t.asOwner((tx) => tx.update(users).set({ is_active: false }).where(eq(users.id, inactive.id)));
    await expectRefused(await refresh(inactive.refreshToken));

    const deleted = await t.signUp();
    const gone = await t.api(deleted.token).users.me.$delete({ json: { current_password: deleted.password } });
    expect(gone.status).toBe(204);
    await expectRefused(await refresh(deleted.refreshToken));
  });

  it("ignores credentials sent along: refreshing acts for nobody but the refresh token's owner", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const pair = await ok(
      await t.api(bob.token).auth.refresh.$post({ json: { refresh_token: alice.refreshToken } }),
      200,
    );
    expect(await (await me(pair.access_token)).json()).toMatchObject({ id: alice.id });
  });
});

describe("signing out (POST /auth/logout) and sessions (GET, DELETE /auth/sessions)", () => {
  it("logout ends this session at once: its access and refresh tokens; other sessions go on", async () => {
    const user = await t.signUp();
    const laptop = await signIn(user.email, user.password, "laptop");
    expect((await post("logout", user.token)).status).toBe(204);
    await expectRefused(await me(user.token), "Session ended");
    await expectRefused(await refresh(user.refreshToken), "Session ended");
    expect((await me(laptop.access_token)).status).toBe(200);
    expect((await me((await renewed(laptop.refresh_token)).access_token)).status).toBe(200);
  });

  it("lists the caller's open sessions, marks the current one, and ends another by id", async () => {
    const user = await t.signUp();
    const phone = await signIn(user.email, user.password, "phone");
    const listed = await ok(await t.api(user.token).auth.sessions.$get(), 200);
    expect(listed.map((session) => session.user_agent).sort()).toEqual(["phone", null].sort());
    expect(listed.filter((session) => session.current)).toHaveLength(1);
    const phoneSession = listed.find((session) => session.user_agent === "phone");
    expect(phoneSession?.current).toBe(false);

    const ended = await t.api(user.token).auth.sessions[":id"].$delete({ param: { id: phoneSession?.id ?? "" } });
    expect(ended.status).toBe(204);
    await expectRefused(await me(phone.access_token));
    await expectRefused(await refresh(phone.refresh_token));
    expect(await ok(await t.api(user.token).auth.sessions.$get(), 200)).toHaveLength(1);
    // Ending it again: there is no such open session.
    expect(
      (await t.api(user.token).auth.sessions[":id"].$delete({ param: { id: phoneSession?.id ?? "" } })).status,
    ).toBe(404);
  });

  it("isolation: another user, a superuser included, neither sees nor ends someone's session", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const admin = await t.signUp({ superuser: true });
    const [aliceSession] = await sessionsOf(alice.id);
    for (const intruder of [bob, admin]) {
      const listed = await ok(await t.api(intruder.token).auth.sessions.$get(), 200);
      expect(listed.map((session) => session.id)).not.toContain(aliceSession?.id);
      const ended = await t.api(intruder.token).auth.sessions[":id"].$delete({ param: { id: aliceSession?.id ?? "" } });
      expect(ended.status).toBe(404);
    }
    expect((await me(alice.token)).status).toBe(200);
    expect((await sessionsOf(alice.id))[0]?.revoked_at).toBeNull();
  });

  it("needs an access token: anonymous 401, an API key 403", async () => {
    const user = await t.signUp();
    const { key } = await ok(
      await t.api(user.token)["api-keys"].$post({ json: { name: "k", permissions: ["users:write"] } }),
      201,
    );
    for (const [method, path] of [
      ["POST", "logout"],
      ["GET", "sessions"],
      ["POST", "logout-all"],
    ] as const) {
      expect((await t.request(`/api/v1/auth/${path}`, { method })).status, path).toBe(401);
      const viaKey = await t.request(`/api/v1/auth/${path}`, { method, headers: { "x-api-key": key } });
      expect(viaKey.status, path).toBe(403);
    }
  });
});

describe("credential changes end the other sessions", () => {
  it("a password change keeps the caller's session (refresh, go on) and ends every other one", async () => {
    const user = await t.signUp();
    const other = await signIn(user.email, user.password, "other");
    const changed = await t.api(user.token).users.me.$patch({
      json: { password: "a new password 42", current_password: user.password },
    });
    expect(changed.status).toBe(200);
    // Every access token issued before is refused, this one included...
    await expectRefused(await me(user.token));
    await expectRefused(await me(other.access_token));
    // ...but this session continues through its refresh token; the other session is over.
    expect((await me((await renewed(user.refreshToken)).access_token)).status).toBe(200);
    await expectRefused(await refresh(other.refresh_token), "Session ended");
  });

  it("a change made outside any session of the user (maintenance, a superuser) ends them all", async () => {
    const user = await t.signUp();
    await t.asOwner((tx) =>
      tx
        .update(users)
        .set({ email: `moved-${user.email}` })
        .where(eq(users.id, user.id)),
    );
    await expectRefused(await refresh(user.refreshToken), "Session ended");
  });

  it("a change of anything but the e-mail or password (the name) ends no session", async () => {
    const user = await t.signUp();
    await t.asOwner((tx) => tx.update(users).set({ full_name: "Renamed" }).where(eq(users.id, user.id)));
    expect((await me(user.token)).status).toBe(200);
    expect((await me((await renewed(user.refreshToken)).access_token)).status).toBe(200);
  });
});
describe("signing out everywhere (POST /auth/logout-all)", () => {
  it("refuses every access token issued before, the one used included; a new sign-in works", async () => {
    const user = await t.signUp();
    const other = (await signIn(user.email, user.password)).access_token;
    const { key } = await ok(
      await t.api(user.token)["api-keys"].$post({ json: { name: "k", permissions: ["users:read"] } }),
      201,
    );
    expect((await t.request("/api/v1/auth/logout-all", { method: "POST", token: user.token })).status).toBe(204);
    for (const token of [user.token, other]) {
      const response = await me(token);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    }
    // API keys are not access tokens: revoked on their own page.
    expect((await t.request("/api/v1/users/me", { headers: { "x-api-key": key } })).status).toBe(200);
    expect((await me((await signIn(user.email, user.password)).access_token)).status).toBe(200);
  });

  it("ends every session: no refresh token of the user works afterwards", async () => {
    const user = await t.signUp();
    const other = await signIn(user.email, user.password);
    expect((await post("logout-all", user.token)).status).toBe(204);
    await expectRefused(await refresh(user.refreshToken));
    await expectRefused(await refresh(other.refresh_token));
    expect(
      await ok(await t.api((await signIn(user.email, user.password)).access_token).auth.sessions.$get(), 200),
    ).toHaveLength(1);
  });

  it("needs an access token: anonymous 401, an API key 403, and it touches only the caller", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    expect((await t.request("/api/v1/auth/logout-all", { method: "POST" })).status).toBe(401);
    const { key } = await ok(
      await t.api(alice.token)["api-keys"].$post({ json: { name: "k", permissions: ["users:write"] } }),
      201,
    );
    const viaKey = await t.request("/api/v1/auth/logout-all", { method: "POST", headers: { "x-api-key": key } });
    expect(viaKey.status).toBe(403);
    expect((await t.request("/api/v1/auth/logout-all", { method: "POST", token: alice.token })).status).toBe(204);
    expect((await me(bob.token)).status).toBe(200);
  });
});
