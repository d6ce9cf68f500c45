import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

type Algorithm = "RS256" | "ES256" | "EdDSA";
type Key = { kid: string; alg: Algorithm; privateKey: CryptoKey; jwk: JWK };

/**
 * An identity provider in the test process: a JWKS endpoint over real HTTP and a token signer. Keys are added,
 * published and withdrawn as a provider rotating them would; `mode` makes the endpoint fail.
 */
export async function startIdentityProvider() {
  const keys = new Map<string, Key>();
  let published: string[] = [];
  let mode: "up" | "error" | "garbage" = "up";
  let fetches = 0;
  const server: Server = createServer((_request, response) => {
    fetches++;
    if (mode === "error") {
      response.writeHead(500).end("down");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    if (mode === "garbage") response.end("<html>not a key set</html>");
    else response.end(JSON.stringify({ keys: published.map((kid) => keys.get(kid)?.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addKey = async (kid: string, alg: Algorithm = "RS256") => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
    keys.set(kid, { kid, alg, privateKey, jwk });
    return jwk;
  };

  type Claims = { sub?: string; email?: string; email_verified?: boolean; [claim: string]: unknown };
  type SignOptions = { kid: string; issuer?: string; audience?: string; expiresIn?: string | number };
  const sign = (claims: Claims, options: SignOptions) => {
    const key = keys.get(options.kid);
    if (!key) throw new Error(`no key ${options.kid}`);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? "test-api")
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "5m")
      .sign(key.privateKey);
  };

  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    addKey,
    sign,
    /** Publishes exactly these keys (a rotation adds the new one, later drops the old). */
    publish: (...kids: string[]) => {
      published = kids;
    },
    setMode: (next: typeof mode) => {
      mode = next;
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type IdentityProvider = Awaited<ReturnType<typeof startIdentityProvider>>;
