import { describe, expect, it } from "vitest";
import { loadConfig } from "../config";

const env = { JWT_SECRET: "a-test-secret-of-at-least-thirty-two-characters" };
const issuers = (value: unknown) => loadConfig({ ...env, AUTH_ISSUERS: JSON.stringify(value) }).AUTH_ISSUERS;
const refusal = (value: string) => {
  try {
    loadConfig({ ...env, AUTH_ISSUERS: value });
  } catch (error) {
    return (error as Error).message;
  }
  return "accepted";
};

describe("AUTH_ISSUERS", () => {
  it("is empty by default: only the API's own tokens are accepted", () => {
    expect(loadConfig({ ...env }).AUTH_ISSUERS).toEqual([]);
  });

  it("fills in the key set URL and the defaults", () => {
    expect(issuers([{ issuer: "https://tenant.example.com/", audience: "api" }])).toEqual([
      {
        issuer: "https://tenant.example.com/",
        audience: "api",
        jwks_uri: "https://tenant.example.com/.well-known/jwks.json",
        algorithms: ["RS256", "ES256", "EdDSA"],
        email_claim: "email",
        email_verified_claim: "email_verified",
        trust_email: false,
      },
    ]);
  });

  it.each([
    ["not json", "must be a JSON array"],
    ['{"issuer":"x"}', "expected array"],
    ['[{"issuer":"https://a.example.com"}]', "audience"],
    ['[{"issuer":"https://a.example.com","audience":"x","algorithms":["HS256"]}]', "algorithms"],
    ['[{"issuer":"http://a.example.com","audience":"x"}]', "https"],
    ['[{"issuer":"https://a.example.com","audience":"x","jwks_uri":"http://a.example.com/k"}]', "https"],
    ['[{"issuer":"https://a.example.com","audience":"x","extra":1}]', "extra"],
  ])("refuses %s at start-up, saying why", (value, reason) => {
    const message = refusal(value);
    expect(message).toMatch(/^Invalid configuration: AUTH_ISSUERS/);
    expect(message).toContain(reason);
  });

  it("allows http only for a key set on this machine (a local issuer)", () => {
    expect(issuers([{ issuer: "http://127.0.0.1:9999", audience: "x" }])[0]?.jwks_uri).toBe(
      "http://127.0.0.1:9999/.well-known/jwks.json",
    );
  });
});
