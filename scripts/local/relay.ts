import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import net from "node:net";
import { WebSocketServer } from "ws";
import { createSqlHandler } from "./sql-over-http";

/** The `host:port` of a database URL, as a relay target (Postgres's port when the URL names none). */
export const targetsOf = (databaseUrl: string | undefined) => {
  if (!databaseUrl) return undefined;
  const url = new URL(databaseUrl);
  return [`${url.hostname.replace(/^\[|\]$/g, "")}:${url.port || "5432"}`];
};

/** Where the relay may connect: exact `host:port` targets, or (without targets) any port of `hosts`. */
export type RelayTargets = { targets?: string[]; hosts?: string[] };

const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

export function relayAllows({ targets, hosts }: RelayTargets) {
  const exact = targets && new Set(targets.map((target) => target.toLowerCase()));
  const anyPort = new Set(hosts ?? LOOPBACK);
  return (host: string, port: number) =>
    Number.isInteger(port) && port > 0 && (exact ? exact.has(`${host}:${port}`.toLowerCase()) : anyPort.has(host));
}

/**
 * Neon's proxy, for a plain local Postgres, on one port:
 * - `ws://host:port/<secret>/v1?address=pg-host:pg-port`: a WebSocket-to-TCP relay for the neon driver's Pool
 *   (configured by useLocalRelay, db/drivers/neon-ws/open.ts), which speaks the Postgres wire protocol through it;
 * - `http://host:port/<secret>/sql`: Neon's SQL-over-HTTP API (scripts/local/sql-over-http.ts) for the HTTP driver,
 *   which the Worker uses for one round trip per request (NEON_HTTP_ENDPOINT).
 *
 * Development and tests only, and bound to whoever started it: it listens on loopback; its paths start with a
 * random secret, handed only to the process that uses it (`proxy`, `sqlEndpoint`); a request from a browser
 * (any `Origin` header) is refused, so a web page cannot reach the database through it; and it connects only to
 * `targets` (the app's database, `host:port`), or without them to a loopback port (tests).
 */
export async function startRelay(options: { port?: number; host?: string; secret?: string } & RelayTargets = {}) {
  const allows = relayAllows(options);
  const secret = options.secret ?? randomBytes(18).toString("base64url");
  const prefix = `/${secret}`;
  const sql = createSqlHandler({ allows });
  const http = createServer((request, response) => {
    if (request.headers.origin !== undefined) return void response.writeHead(403).end();
    if (new URL(request.url ?? "/", "http://relay").pathname === `${prefix}/sql`) {
      return void sql.handle(request, response);
    }
    response.writeHead(404).end();
  });
  const server = new WebSocketServer({
    server: http,
    path: `${prefix}/v1`,
    verifyClient: ({ origin }: { origin?: string }) => !origin,
  });
  server.on("connection", (socket, request) => {
    const address = new URL(request.url ?? "", "http://relay").searchParams.get("address") ?? "";
    const separator = address.lastIndexOf(":");
    const host = address.slice(0, separator).replace(/^\[|\]$/g, "");
    const port = Number(address.slice(separator + 1));
    if (!allows(host, port)) {
      socket.close(1008, "address not allowed");
      return;
    }
    const tcp = net.connect(port, host);
    tcp.setNoDelay(true);
    socket.on("message", (data: Buffer) => tcp.write(data));
    tcp.on("data", (data) => socket.send(data));
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.terminate());
  });
  await new Promise<void>((resolve, reject) => {
    http.once("listening", resolve);
    http.once("error", reject);
    http.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  });
  const { port } = http.address() as net.AddressInfo;
  return {
    port,
    proxy: `127.0.0.1:${port}${prefix}/v1`,
    sqlEndpoint: `http://127.0.0.1:${port}${prefix}/sql`,
    /** The secret path prefix, for a proxy put in front of the relay (bench/lib/delay-proxy.ts). */
    prefix,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await sql.close();
    },
  };
}
