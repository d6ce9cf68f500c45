import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { exportSPKI, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { userIdentities, users } from "../../db/schema";
import { ok, readError, startTestApp, type TestApp } from "../testing/harness";
import { type IdentityProvider, startIdentityProvider } from "../testing/identity-provider";

let t: TestApp;
let idp: IdentityProvider;
let other: IdentityProvider;
/** Its own provider: the rotation test moves the clock, which its key set cache remembers. */
let rotating: IdentityProvider;
/** A JWKS URL nothing listens on. */
let deadJwks: string;

beforeAll(async () => {
  idp = await startIdentityProvider();
  await idp.addKey("rsa-1", "RS256");
  await idp.addKey("ec-1", "ES256");
  await idp.addKey("ed-1", "EdDSA");
  idp.publish("rsa-1", "ec-1", "ed-1");
  other = await startIdentityProvider();
  await other.addKey("other-1");
  other.publish("other-1");
  rotating = await startIdentityProvider();
  await rotating.addKey("rsa-1");
  rotating.publish("rsa-1");
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  deadJwks = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  t = await startTestApp({
    AUTH_ISSUERS: JSON.stringify([
      { issuer: idp.issuer, audience: "test-api" },
      { issuer: other.issuer, audience: ["another-api", "test-api"], algorithms: ["RS256"], trust_email: true },
      { issuer: "https://down.example.com", audience: "test-api", jwks_uri: deadJwks },
      { issuer: rotating.issuer, audience: "test-api" },
    ]),
  });
});
afterAll(async () => {
  await t.close();
  await idp.close();
  await other.close();
  await rotating.close();
});
afterEach(() => vi.useRealTimers());

const me = (token: string) => t.request("/api/v1/users/me", { token });
const subject = () => `user-${randomUUID()}`;
const expectRefused = async (token: string) => {
  const response = await me(token);
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
};

describe("identity providers' tokens (AUTH_ISSUERS)", () => {
  it("accept RS256, ES256 and EdDSA tokens; the first one provisions the user, later ones find it", async () => {
    const sub = subject();
    const email = `${sub}@provider.example`;
    const ids = new Set<string>();
    for (const kid of ["rsa-1", "ec-1", "ed-1"]) {
      const token = await idp.sign({ sub, email, email_verified: true }, { kid });
      const user = await ok(await t.api(token).users.me.$get(), 200);
      ids.add(user.id);
      expect(user).toMatchObject({ email, is_verified: true, is_superuser: false });
    }
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const linked = await t.asOwner((tx) =>
      tx
        .select()
        .from(userIdentities)
        .where(eq(userIdentities.owner_id, id ?? "")),
    );
    expect(linked).toMatchObject([{ provider: idp.issuer, subject: sub, email, email_verified: true }]);
  });

  it("then RLS applies as for any user: a provider's user and a password user do not see each other's rows", async () => {
    const token = await idp.sign({ sub: subject() }, { kid: "rsa-1" });
    const item = await ok(await t.api(token).items.$post({ json: { title: "from a provider" } }), 201);
    const neighbour = await t.signUp();
    expect((await t.api(neighbour.token).items[":id"].$get({ param: { id: item.id } })).status).toBe(404);
    const mine = await ok(await t.api(token).items.$get({ query: {} }), 200);
    expect(mine.data.map((row) => row.id)).toEqual([item.id]);
    // The neighbour's list does not show it either.
    const theirs = await ok(await t.api(neighbour.token).items.$get({ query: {} }), 200);
    expect(theirs.data.map((row) => row.id)).not.toContain(item.id);
  });

  it("without an e-mail claim, provision an account with a reserved placeholder address and no password", async () => {
    const sub = subject();
    const user = (await ok(await t.api(await idp.sign({ sub }, { kid: "rsa-1" })).users.me.$get(), 200)) as {
      email: string;
    };
    expect(user.email).toMatch(/^idp-[0-9a-f]{32}@identity\.invalid$/);
    // Nothing signs in with a password to it, whatever is typed.
    const login = await t.request("/api/v1/auth/login", { method: "POST", json: { email: user.email, password: "!" } });
    expect(login.status).toBe(401);
  });

  it("link to an existing account by e-mail only when the provider verified the address", async () => {
    const owner = await t.signUp();
    const unverified = await idp.sign({ sub: subject(), email: owner.email, email_verified: false }, { kid: "rsa-1" });
    const refused = await me(unverified);
    expect(refused.status).toBe(403);
    expect((await readError(refused)).error.message).toContain("account with this e-mail address exists");

    const verified = await idp.sign(
      { sub: subject(), email: owner.email.toUpperCase(), email_verified: true },
      {
        kid: "rsa-1",
      },
    );
    expect(await ok(await t.api(verified).users.me.$get(), 200)).toMatchObject({ id: owner.id, is_verified: true });
    // A provider configured with trust_email vouches for every address it issues.
    const trusted = await t.signUp();
    const viaOther = await other.sign({ sub: subject(), email: trusted.email }, { kid: "other-1" });
    expect(await ok(await t.api(viaOther).users.me.$get(), 200)).toMatchObject({ id: trusted.id });
    // The password account still signs in as before.
    expect((await me(owner.token)).status).toBe(200);
  });

  it("provision one account for concurrent first requests of one identity", async () => {
    const token = await idp.sign({ sub: subject() }, { kid: "ec-1" });
    const answers = await Promise.all(Array.from({ length: 5 }, () => me(token)));
    const ids = await Promise.all(answers.map(async (answer) => ((await answer.json()) as { id: string }).id));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(ids).size).toBe(1);
  });

  it("refuse a wrong audience, an expired token, an unknown key id, another key under a known kid", async () => {
    const sub = subject();
    await expectRefused(await idp.sign({ sub }, { kid: "rsa-1", audience: "someone-else" }));
    await expectRefused(await idp.sign({ sub }, { kid: "rsa-1", expiresIn: Math.floor(Date.now() / 1000) - 120 }));
    // Signed by a key the provider does not publish, under a kid of its own or one the provider uses.
    await idp.addKey("unpublished", "RS256");
    await expectRefused(await idp.sign({ sub }, { kid: "unpublished" }));
    const forged = await other.sign({ sub }, { kid: "other-1", issuer: idp.issuer });
    await expectRefused(forged);
    // No subject.
    await expectRefused(await idp.sign({}, { kid: "rsa-1" }));
  });

  it("refuse a wrong issuer: one not configured, or a configured one's token verified as another's", async () => {
    await expectRefused(await idp.sign({ sub: subject() }, { kid: "rsa-1", issuer: "https://evil.example.com" }));
    // `other` accepts RS256 only: its issuer on an ES256 token of the right key set still fails (no such key).
    await expectRefused(await idp.sign({ sub: subject() }, { kid: "ec-1", issuer: other.issuer }));
  });

  it("refuse alg confusion: an HS256 token keyed with the provider's public key, and alg none", async () => {
    const jwk = (await idp.addKey("confused", "RS256")) as { kid: string };
    idp.publish("rsa-1", "ec-1", "ed-1", "confused");
    const { publicKey } = await import("jose").then(async (jose) =>
      jose.generateKeyPair("RS256", { extractable: true }),
    );
    const pem = await exportSPKI(publicKey);
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const token = await new SignJWT({ sub: subject() })
        .setProtectedHeader({ alg: "HS256", kid: jwk.kid })
        .setIssuer(idp.issuer)
        .setAudience("test-api")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(secret));
      await expectRefused(token);
    }
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: subject(), iss: idp.issuer, aud: "test-api", iat: now, exp: now + 300 };
    await expectRefused(`${encode({ alg: "none", kid: "rsa-1" })}.${encode(claims)}.`);
  });

  it("refuse a deleted account's provider tokens (401) and a deactivated one's (403)", async () => {
    const sub = subject();
    const token = await idp.sign({ sub }, { kid: "rsa-1" });
    const { id } = await ok(await t.api(token).users.me.$get(), 200);
    await t.asOwner((tx) => tx.update(users).set({ is_active: false }).where(eq(users.id, id)));
    expect((await me(token)).status).toBe(403);
    await t.asOwner((tx) => tx.update(users).set({ is_active: true, deleted_at: new Date() }).where(eq(users.id, id)));
    await expectRefused(token);
  });

  // These two move the clock: the key set caches they touch stay ahead of real time for the rest of the file.
  it("follow a key rotation: a new kid fetches the key set again (after the cooldown); a dropped key is refused", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const sub = subject();
    expect((await me(await rotating.sign({ sub }, { kid: "rsa-1" }))).status).toBe(200);
    await rotating.addKey("rsa-2", "RS256");
    rotating.publish("rsa-2");
    const before = rotating.fetches();
    vi.setSystemTime(Date.now() + 31_000);
    expect((await me(await rotating.sign({ sub }, { kid: "rsa-2" }))).status).toBe(200);
    expect(rotating.fetches()).toBe(before + 1);
    await expectRefused(await rotating.sign({ sub }, { kid: "rsa-1" }));
  });

  it("answer 503 with Retry-After when the provider's key set cannot be fetched, never 401 or 500", async () => {
    const issuerDown = await new SignJWT({ sub: subject() })
      .setProtectedHeader({ alg: "RS256", kid: "k" })
      .setIssuer("https://down.example.com")
      .setAudience("test-api")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign((await (await import("jose")).generateKeyPair("RS256")).privateKey);
    const response = await me(issuerDown);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect((await readError(response)).error.code).toBe("identity_provider_unavailable");

    // A provider whose endpoint fails (500, or not a key set) once its cache is stale.
    vi.useFakeTimers({ toFake: ["Date"] });
    await other.addKey("other-2");
    for (const mode of ["error", "garbage"] as const) {
      other.setMode(mode);
      vi.setSystemTime(Date.now() + 11 * 60_000);
      const down = await me(await other.sign({ sub: subject() }, { kid: "other-2" }));
      expect(down.status, mode).toBe(503);
    }
    other.setMode("up");
  });
});

describe("a provider's account deletes itself", () => {
  it("with the provider's token and no password (it has none); a password account still needs its own", async () => {
    const token = await idp.sign({ sub: subject() }, { kid: "rsa-1" });
    expect((await me(token)).status).toBe(200);
    expect((await t.api(token).users.me.$delete({ json: {} })).status).toBe(204);
    await expectRefused(token);

    const owner = await t.signUp();
    const missing = await t.api(owner.token).users.me.$delete({ json: {} });
    expect(missing.status).toBe(422);
    expect((await readError(missing)).error.details?.[0]?.field).toBe("current_password");
    // Linked to a password account by a verified address: the account has a password, so it is asked for.
    const linked = await idp.sign({ sub: subject(), email: owner.email, email_verified: true }, { kid: "rsa-1" });
    expect((await t.api(linked).users.me.$delete({ json: {} })).status).toBe(422);
    expect((await me(owner.token)).status).toBe(200);
  });
});

describe("linked identities (GET /users/me/identities)", () => {
  it("lists the caller's own identities only, a superuser's list included", async () => {
    const token = await idp.sign({ sub: subject() }, { kid: "rsa-1" });
    const mine = await ok(await t.api(token).users.me.identities.$get(), 200);
    expect(mine).toHaveLength(1);
    const stranger = await t.signUp();
    const admin = await t.signUp({ superuser: true });
    for (const caller of [stranger, admin]) {
      expect(await ok(await t.api(caller.token).users.me.identities.$get(), 200)).toEqual([]);
    }
  });
});
