import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountTokens, tiers } from "../../db/schema";
import { ensureDefaultTier } from "../../db/seed";
import { startFakeResend } from "../testing/fake-resend";
import { readError, startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let resend: Awaited<ReturnType<typeof startFakeResend>>;

beforeAll(async () => {
  resend = await startFakeResend();
  t = await startTestApp({
    EMAIL_PROVIDER: "resend",
    RESEND_API_KEY: "re_test_key",
    RESEND_API_URL: resend.url,
    EMAIL_FROM: "Accounts <accounts@app.example.com>",
    APP_URL: "https://app.example.com",
  });
});
afterAll(async () => {
  await t.close();
  await resend.close();
});

const post = (path: string, json: unknown, init: { token?: string; ip?: string } = {}) =>
  t.request(`/api/v1/auth/${path}`, {
    method: "POST",
    json,
    token: init.token,
    headers: init.ip ? { "cf-connecting-ip": init.ip } : {},
  });
const me = (token: string) => t.request("/api/v1/users/me", { token });
const login = (email: string, password: string) => post("login", { email, password });
const expectBadToken = async (response: Response) => {
  expect(response.status).toBe(400);
  expect((await readError(response)).error.details?.[0]?.field).toBe("token");
};

describe("e-mail verification", () => {
  it("registration e-mails a link through the provider; its token verifies the address once", async () => {
    const user = await t.signUp();
    const [email] = await resend.waitFor(user.email);
    expect(email?.authorization).toBe("Bearer re_test_key");
    expect(email?.body).toMatchObject({
      from: "Accounts <accounts@app.example.com>",
      subject: "Confirm your e-mail address",
    });
    expect(email?.body.text).toMatch(/https:\/\/app\.example\.com\/verify-email\?token=rlsv_[A-Za-z0-9_-]{43}/);
    const token = await resend.tokenFor(user.email);
    expect((await post("verify-email", { token })).status).toBe(204);
    expect(await (await me(user.token)).json()).toMatchObject({ is_verified: true });
    await expectBadToken(await post("verify-email", { token }));
    // Only the hash is stored.
    const stored = await t.asOwner((tx) => tx.select().from(accountTokens).where(eq(accountTokens.email, user.email)));
    expect(JSON.stringify(stored)).not.toContain(token.slice(5));
  });

  it("a signed-in user asks for another link, at most 3 an hour; none once verified", async () => {
    const user = await t.signUp();
    await resend.waitFor(user.email);
    for (let i = 0; i < 3; i++)
      expect((await post("verify-email/request", {}, { token: user.token })).status).toBe(202);
    // Registration's link and two more: the third request sent nothing.
    await resend.waitFor(user.email, 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resend.to(user.email)).toHaveLength(3);
    expect((await post("verify-email", { token: await resend.tokenFor(user.email, 3) })).status).toBe(204);

    const verified = await t.signUp();
    await resend.waitFor(verified.email);
    await post("verify-email", { token: await resend.tokenFor(verified.email) });
    expect((await post("verify-email/request", {}, { token: verified.token })).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resend.to(verified.email)).toHaveLength(1);
  });

  it("a link for an address the user has changed since verifies nothing", async () => {
    const user = await t.signUp();
    const token = await resend.tokenFor(user.email);
    const moved = `moved-${user.email}`;
    const changed = await t
      .api(user.token)
      .users.me.$patch({ json: { email: moved, current_password: user.password } });
    expect(changed.status).toBe(200);
    await expectBadToken(await post("verify-email", { token }));
  });

  it("refuses malformed tokens with 422 naming the field, unknown ones with 400", async () => {
    for (const token of ["", "rlsv_short", `rlsp_${"a".repeat(43)}`, 7]) {
      const response = await post("verify-email", { token });
      expect(response.status, String(token)).toBe(422);
      expect((await readError(response)).error.details?.[0]?.field).toBe("token");
    }
    await expectBadToken(await post("verify-email", { token: `rlsv_${"a".repeat(43)}` }));
    expect((await post("verify-email/request", {})).status).toBe(401);
  });
});

describe("password reset", () => {
  it("answers the same whether or not an account has the address; only a real account gets a link", async () => {
    const user = await t.signUp();
    const known = await post("password-reset/request", { email: user.email.toUpperCase() });
    const unknown = await post("password-reset/request", { email: "nobody-here@example.com" });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await known.json()).toEqual(await unknown.json());
    const emails = await resend.waitFor(user.email, 2); // registration's, then the reset link
    expect(emails[1]?.body.subject).toBe("Reset your password");
    expect(emails[1]?.body.text).toMatch(/https:\/\/app\.example\.com\/reset-password\?token=rlsp_/);
    expect(resend.to("nobody-here@example.com")).toHaveLength(0);
  });

  it("the token sets a new password once and signs the account out everywhere", async () => {
    const user = await t.signUp();
    await post("password-reset/request", { email: user.email });
    const token = await resend.tokenFor(user.email, 2);
    const weak = await post("password-reset", { token, password: "password" });
    expect(weak.status).toBe(422);
    expect((await readError(weak)).error.details?.map((detail) => detail.field)).toEqual(["password"]);

    expect((await post("password-reset", { token, password: "a brand new password 7" })).status).toBe(204);
    expect((await me(user.token)).status).toBe(401);
    expect((await post("refresh", { refresh_token: user.refreshToken })).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(401);
    const signedIn = await login(user.email, "a brand new password 7");
    expect(signedIn.status).toBe(200);
    const { access_token } = (await signedIn.json()) as { access_token: string };
    expect(await (await me(access_token)).json()).toMatchObject({ is_verified: true });
    await expectBadToken(await post("password-reset", { token, password: "yet another password 8" }));
  });

  it("a newer link spends nothing, a used one spends every other; an expired one is refused", async () => {
    const user = await t.signUp();
    await post("password-reset/request", { email: user.email });
    await post("password-reset/request", { email: user.email });
    const first = await resend.tokenFor(user.email, 2);
    const second = await resend.tokenFor(user.email, 3);
    expect((await post("password-reset", { token: second, password: "the second password 9" })).status).toBe(204);
    await expectBadToken(await post("password-reset", { token: first, password: "the first password 10" }));

    const late = await t.signUp();
    await post("password-reset/request", { email: late.email });
    const token = await resend.tokenFor(late.email, 2);
    await t.asOwner((tx) =>
      tx
        .update(accountTokens)
        .set({ expires_at: sql`now() - interval '1 second'` })
        .where(eq(accountTokens.email, late.email)),
    );
    await expectBadToken(await post("password-reset", { token, password: "too late a password 11" }));
  });

  it("sends at most 3 links an hour to one account, answering 202 all the same", async () => {
    const user = await t.signUp();
    for (let i = 0; i < 5; i++) expect((await post("password-reset/request", { email: user.email })).status).toBe(202);
    await resend.waitFor(user.email, 4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resend.to(user.email).filter((email) => email.body.subject === "Reset your password")).toHaveLength(3);
  });

  it("answers 202 while the provider fails, and the link arrives once it is back; 422 for a bad address", async () => {
    const user = await t.signUp();
    await resend.waitFor(user.email);
    resend.setFailing(true);
    try {
      expect((await post("password-reset/request", { email: user.email })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(resend.to(user.email)).toHaveLength(1);
    } finally {
      resend.setFailing(false);
    }
    // The job is retried (after 1-2 s): the link is owed, not lost.
    const [, reset] = await resend.waitFor(user.email, 2);
    expect(reset?.body.subject).toBe("Reset your password");
    const bad = await post("password-reset/request", { email: "not an address" });
    expect(bad.status).toBe(422);
    expect((await readError(bad)).error.details?.[0]?.field).toBe("email");
  });

  it("the default tier limits reset requests per client address", async () => {
    await ensureDefaultTier(t.maintenance);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        statuses.push(
          (await post("password-reset/request", { email: "someone@example.com" }, { ip: "203.0.113.9" })).status,
        );
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(202));
      expect(statuses[10]).toBe(429);
      // Another address is not limited by it.
      expect(
        (await post("password-reset/request", { email: "someone@example.com" }, { ip: "203.0.113.10" })).status,
      ).toBe(202);
    } finally {
      await t.asOwner((tx) => tx.delete(tiers));
    }
  });
});
