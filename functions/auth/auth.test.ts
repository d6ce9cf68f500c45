import { sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../db/schema";
import { ok, readError, startTestApp, type TestApp, testEnv } from "../testing/harness";
import { TokenSchema } from "./schemas";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const register = (json: unknown) => t.request("/api/v1/auth/register", { method: "POST", json });
const login = (json: unknown) => t.request("/api/v1/auth/login", { method: "POST", json });
const me = (token: string) => t.request("/api/v1/users/me", { token });

describe("register", () => {
  it("creates an account and returns the public user, never the hash", async () => {
    const registered = await t.api().auth.register.$post({
      json: { email: "  Ada@Example.COM ", password: "long enough", full_name: "Ada" },
    });
    const user = await ok(registered, 201);
    expect(Object.keys(user).sort()).toEqual([
      "created_at",
      "email",
      "full_name",
      "id",
      "is_active",
      "is_superuser",
      "is_verified",
      "profile_image_url",
      "tier_id",
      "updated_at",
      "username",
    ]);
    expect(user).toMatchObject({
      email: "ada@example.com",
      full_name: "Ada",
      is_active: true,
      is_superuser: false,
      is_verified: false,
      username: null,
      profile_image_url: null,
    });
  });

  it("refuses the passwords every guessing list starts with, naming the field", async () => {
    for (const password of ["12345678", "password", "PASSWORD", "aaaaaaaaaa", "abcdefghij", "87654321", "changethis"]) {
      const response = await register({ email: `weak-${password}@example.com`, password });
      expect(response.status, password).toBe(422);
      expect((await readError(response)).error.details?.map((d) => d.field)).toEqual(["password"]);
    }
    expect((await register({ email: "strong@example.com", password: "tulip-engine-42" })).status).toBe(201);
  });

  it("answers 409 for an address already taken, whatever its case", async () => {
    await register({ email: "taken@example.com", password: "long enough" });
    const response = await register({ email: "TAKEN@example.com", password: "other password" });
    expect(response.status).toBe(409);
    const body = await readError(response);
    expect(body.error.code).toBe("conflict");
    expect(body.error.details?.[0]?.field).toBe("email");
  });

  it.each([
    [{ email: "not-an-email", password: "long enough" }, ["email"]],
    [{ email: "short@example.com", password: "1234567" }, ["password"]],
    [{ password: "long enough" }, ["email"]],
    [{}, ["email", "password"]],
    [{ email: "x@example.com", password: "long enough", is_superuser: true }, [""]],
  ])("rejects %j with 422 naming %j", async (json, fields) => {
    const response = await register(json);
    expect(response.status).toBe(422);
    const body = await readError(response);
    expect(body.error.code).toBe("validation_error");
    for (const field of fields) {
      if (field) expect(body.error.details?.map((d) => d.field)).toContain(field);
    }
  });

  it("cannot make a superuser, whatever it is sent", async () => {
    const response = await register({ email: "sneaky@example.com", password: "long enough", is_superuser: true });
    expect(response.status).toBe(422);
  });
});

describe("login", () => {
  it("accepts JSON and the OAuth2 password form, and the token opens /users/me", async () => {
    const user = await t.signUp();
    const json = await t.api().auth.login.$post({
      json: { email: user.email, password: user.password },
      form: { username: user.email, password: user.password },
    });
    const token = await ok(json, 200);
    expect(token).toMatchObject({ token_type: "bearer", expires_in: 900, refresh_expires_in: 30 * 24 * 3600 });
    expect(token.refresh_token).toMatch(/^rlsr_[A-Za-z0-9_-]{43}$/);

    const form = await t.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: user.email, password: user.password }).toString(),
    });
    expect(form.status).toBe(200);
    // The form flow as a browser or an OAuth2 client sends it; its answer checked against the documented schema.
    const formToken = TokenSchema.parse(await form.json());

    for (const accessToken of [token.access_token, formToken.access_token]) {
      const response = await me(accessToken);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: user.id, email: user.email });
    }
  });

  it("answers 401 with the same message for a wrong password and an unknown address", async () => {
    const user = await t.signUp();
    const wrongPassword = await login({ email: user.email, password: "wrong password" });
    const unknown = await login({ email: "nobody@example.com", password: "wrong password" });
    expect(wrongPassword.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrongPassword.json()).toEqual(await unknown.json());
  });

  it("answers 403 for an inactive user, and its existing tokens stop working", async () => {
    const user = await t.signUp();
    await t.asOwner((tx) => tx.update(users).set({ is_active: false }).where(sql`id = ${user.id}`));
    const response = await login({ email: user.email, password: user.password });
    expect(response.status).toBe(403);
    expect((await readError(response)).error.message).toBe("Inactive user");
    expect((await me(user.token)).status).toBe(403);
  });

  it("answers 415 for a body that is neither JSON nor a form, and 422 for missing fields", async () => {
    const text = await t.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    expect(text.status).toBe(415);
    expect((await login({ email: "x@example.com" })).status).toBe(422);
  });
});

describe("tokens", () => {
  const secret = new TextEncoder().encode(testEnv.JWT_SECRET);
  type Claims = { sub?: string; iss?: string; aud?: string; exp?: number; ver?: number; sid?: string };
  const sign = (claims: Claims, key = secret) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ ver: claims.ver ?? 0, sid: claims.sid ?? "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(now);
    if (claims.sub) jwt.setSubject(claims.sub);
    jwt.setIssuer(claims.iss ?? testEnv.JWT_ISSUER).setAudience(claims.aud ?? testEnv.JWT_AUDIENCE);
    jwt.setExpirationTime(claims.exp ?? now + 600);
    return jwt.sign(key);
  };
  const expectRefused = async (token: string) => {
    const response = await me(token);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect((await readError(response)).error.code).toBe("unauthorized");
  };

  /** The session an access token of ours belongs to. */
  const sessionOf = (token: string) =>
    (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { sid: string }).sid;

  it("accepts a token we signed (control)", async () => {
    const user = await t.signUp();
    expect((await me(await sign({ sub: user.id, sid: sessionOf(user.token) }))).status).toBe(200);
  });

  it("refuses a well-signed token whose session is not the user's open session", async () => {
    const user = await t.signUp();
    const other = await t.signUp();
    await expectRefused(await sign({ sub: user.id, sid: sessionOf(other.token) }));
    await expectRefused(await sign({ sub: user.id }));
  });

  it("refuses a tampered token", async () => {
    const user = await t.signUp();
    const [header, , signature] = user.token.split(".");
    const other = await t.signUp();
    const payload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(user.token.split(".")[1] ?? "", "base64url").toString()),
        sub: other.id,
      }),
    ).toString("base64url");
    await expectRefused(`${header}.${payload}.${signature}`);
  });

  it("refuses an expired token", async () => {
    const user = await t.signUp();
    await expectRefused(
      await sign({ sub: user.id, sid: sessionOf(user.token), exp: Math.floor(Date.now() / 1000) - 120 }),
    );
  });

  it("refuses alg: none", async () => {
    const user = await t.signUp();
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.id, iss: testEnv.JWT_ISSUER, aud: testEnv.JWT_AUDIENCE, iat: now, exp: now + 600 };
    await expectRefused(`${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`);
  });

  it("refuses a wrong audience, a wrong issuer and another key", async () => {
    const user = await t.signUp();
    await expectRefused(await sign({ sub: user.id, sid: sessionOf(user.token), aud: "someone-else" }));
    await expectRefused(await sign({ sub: user.id, sid: sessionOf(user.token), iss: "someone-else" }));
    await expectRefused(
      await sign(
        { sub: user.id, sid: sessionOf(user.token) },
        new TextEncoder().encode("another-secret-another-secret-another-secret"),
      ),
    );
  });

  it("refuses a token without a subject, or for a user that does not exist", async () => {
    await expectRefused(await sign({}));
    await expectRefused(await sign({ sub: "not-a-uuid" }));
    await expectRefused(await sign({ sub: "0b9a3a8e-8f5d-4a55-9a6b-1f6c7e1d2c3b" }));
  });

  it("refuses a token issued under another token_version (credentials changed since)", async () => {
    const user = await t.signUp();
    await expectRefused(await sign({ sub: user.id, ver: 1, sid: sessionOf(user.token) }));
  });

  it("answers 401 with WWW-Authenticate: Bearer when no credentials are sent", async () => {
    const response = await t.request("/api/v1/users/me");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("answers 401 invalid_request to an Authorization header that is not a bearer token, on any route", async () => {
    const malformed = ["Basic YTpi", "Bearer", "Bearer a b", "Token abc", "bearer"];
    for (const authorization of malformed) {
      for (const path of ["/api/v1/users/me", "/api/v1/health", "/api/v1/auth/login"]) {
        const response = await t.request(path, {
          method: path.endsWith("login") ? "POST" : "GET",
          headers: { authorization },
        });
        expect(response.status, `${authorization} on ${path}`).toBe(401);
        expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_request"');
        expect((await readError(response)).error.code).toBe("invalid_request");
      }
    }
  });
});
