import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { relayAllows, startRelay, targetsOf } from "./relay";

// The relay hands a Postgres session to whoever can reach it, so it must be reachable only by the process that
// started it: secret paths, no browsers, and only the app's own database as a target.
describe("the local relay is bound to its starter", () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let target: Server;
  let targetPort: number;
  beforeAll(async () => {
    target = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    targetPort = (target.address() as { port: number }).port;
    relay = await startRelay({ targets: [`127.0.0.1:${targetPort}`] });
  });
  afterAll(async () => {
    await relay.close();
    await new Promise((resolve) => target.close(resolve));
  });

  const base = () => `127.0.0.1:${relay.port}`;
  const sqlPost = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: { "neon-connection-string": `postgres://u@127.0.0.1:${targetPort}/db`, ...headers },
      body: JSON.stringify({ query: "select 1", params: [] }),
    });
  /** Whether a WebSocket to `url` (with `origin`, if any) opens. */
  const opens = (url: string, origin?: string) =>
    new Promise<boolean>((resolve) => {
      const socket = new WebSocket(url, origin ? { origin } : {});
      socket.once("open", () => {
        socket.close();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });

  it("serves its endpoints only under a random secret path", async () => {
    expect(relay.prefix).toMatch(/^\/[A-Za-z0-9_-]{20,}$/);
    expect((await sqlPost(`http://${base()}/sql`)).status).toBe(404);
    expect(await opens(`ws://${base()}/v1?address=127.0.0.1:${targetPort}`)).toBe(false);
    expect(await opens(`ws://${relay.proxy}?address=127.0.0.1:${targetPort}`)).toBe(true);
  });

  it("refuses browsers: any request with an Origin header", async () => {
    expect((await sqlPost(relay.sqlEndpoint, { origin: "https://evil.example" })).status).toBe(403);
    expect(await opens(`ws://${relay.proxy}?address=127.0.0.1:${targetPort}`, "https://evil.example")).toBe(false);
  });

  it("connects to its targets only", async () => {
    const refused = await sqlPost(relay.sqlEndpoint, { "neon-connection-string": "postgres://u@127.0.0.1:22/db" });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ message: "host not allowed" });
    const allows = relayAllows({ targets: targetsOf("postgres://u@db.internal/app") });
    expect([allows("db.internal", 5432), allows("db.internal", 5433), allows("127.0.0.1", 5432)]).toEqual([
      true,
      false,
      false,
    ]);
    const loopback = relayAllows({});
    expect([loopback("127.0.0.1", 5432), loopback("::1", 6543), loopback("10.0.0.1", 5432)]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
