import { createServer } from "node:http";
import net from "node:net";
import { pathToFileURL } from "node:url";
import { WebSocketServer } from "ws";
import { createSqlHandler } from "./sql-over-http";

/**
 * Neon's proxy, for a plain local Postgres, on one port:
 * - `ws://host:port/v1?address=pg-host:pg-port`: a WebSocket-to-TCP relay for the neon driver's Pool (configured
 *   by db/client.ts useLocalRelay), which speaks the Postgres wire protocol through it;
 * - `http://host:port/sql`: Neon's SQL-over-HTTP API (scripts/sql-over-http.ts) for the HTTP driver, which the
 *   Worker uses for one round trip per request (NEON_HTTP_ENDPOINT).
 * Development and tests only: both reach loopback addresses unless RELAY_ALLOW_HOSTS names more.
 */
export async function startRelay(options: { port?: number; host?: string; allowHosts?: string[] } = {}) {
  const allowed = new Set(options.allowHosts ?? ["127.0.0.1", "localhost", "::1"]);
  const sql = createSqlHandler({ allowHosts: allowed });
  const http = createServer((request, response) => {
    if (new URL(request.url ?? "/", "http://relay").pathname === "/sql") return void sql.handle(request, response);
    response.writeHead(404).end();
  });
  const server = new WebSocketServer({ server: http, path: "/v1" });
  server.on("connection", (socket, request) => {
    const address = new URL(request.url ?? "", "http://relay").searchParams.get("address") ?? "";
    const separator = address.lastIndexOf(":");
    const host = address.slice(0, separator).replace(/^\[|\]$/g, "");
    const port = Number(address.slice(separator + 1));
    if (!allowed.has(host) || !Number.isInteger(port)) {
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
    proxy: `127.0.0.1:${port}/v1`,
    sqlEndpoint: `http://127.0.0.1:${port}/sql`,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await sql.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const relay = await startRelay({
    port: Number(process.env.RELAY_PORT ?? 8788),
    allowHosts: process.env.RELAY_ALLOW_HOSTS?.split(","),
  });
  console.log(`ws relay on ws://${relay.proxy} (NEON_WS_PROXY=${relay.proxy}), SQL over HTTP on ${relay.sqlEndpoint}`);
}
