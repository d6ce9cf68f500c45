import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { issueAccessToken, verifyAccessToken } from "./tokens";

const config = {
  JWT_SECRET: "a-test-secret-of-at-least-thirty-two-characters",
  JWT_ISSUER: "issuer",
  JWT_AUDIENCE: "audience",
  ACCESS_TOKEN_TTL_SECONDS: 60,
};
const userId = "0b5c3c4e-4d1e-4a8e-9a51-2a2f4c1d9e10";
const sessionId = "5d1f0c7a-95a4-4f43-8d0b-6a3f2d8f1b22";
const verified = { userId, version: 3, sessionId };

/** A token signed with the test secret, for `subject`, with the given extra claims (no `ver` unless given). */
const signed = (subject: string, claims: Record<string, unknown> = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("1m")
    .sign(new TextEncoder().encode(config.JWT_SECRET));

describe("verifyAccessToken and its cache of verified tokens", () => {
  afterEach(() => vi.useRealTimers());

  it("accepts a token again from the cache, and refuses it once it expires", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { access_token } = await issueAccessToken(config, userId, 3, sessionId);
    expect(await verifyAccessToken(config, access_token)).toEqual(verified);
    expect(await verifyAccessToken(config, access_token)).toEqual(verified);
    vi.setSystemTime(Date.now() + 61_000);
    expect(await verifyAccessToken(config, access_token)).toBeNull();
  });

  it("does not accept a token verified under one secret when another is configured", async () => {
    const { access_token } = await issueAccessToken(config, userId, 3, sessionId);
    expect(await verifyAccessToken(config, access_token)).toEqual(verified);
    const rotated = { ...config, JWT_SECRET: "another-secret-of-at-least-thirty-two-chars" };
    expect(await verifyAccessToken(rotated, access_token)).toBeNull();
    expect(await verifyAccessToken({ ...config, JWT_AUDIENCE: "elsewhere" }, access_token)).toBeNull();
  });

  it("never caches a refusal: a token refused once is refused again, an altered one never accepted", async () => {
    const { access_token } = await issueAccessToken(config, userId, 3, sessionId);
    const [header, , signature] = access_token.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: userId, exp: 9e9, iat: 1 })).toString("base64url")}.${signature}`;
    expect(await verifyAccessToken(config, forged)).toBeNull();
    expect(await verifyAccessToken(config, forged)).toBeNull();
    // Well signed and versioned, so it is refused for its subject alone.
    const notUuid = await signed("not-a-uuid", { ver: 3, sid: sessionId });
    expect(await verifyAccessToken(config, notUuid)).toBeNull();
    expect(await verifyAccessToken(config, notUuid)).toBeNull();
  });

  it("refuses a token without its ver or sid claim: every token says which credentials and session it belongs to", async () => {
    expect(await verifyAccessToken(config, await signed(userId, { ver: 3, sid: sessionId }))).toEqual(verified);
    expect(await verifyAccessToken(config, await signed(userId))).toBeNull();
    expect(await verifyAccessToken(config, await signed(userId, { ver: 3 }))).toBeNull();
    expect(await verifyAccessToken(config, await signed(userId, { sid: sessionId }))).toBeNull();
    expect(await verifyAccessToken(config, await signed(userId, { ver: 3, sid: "not-a-uuid" }))).toBeNull();
  });
});
