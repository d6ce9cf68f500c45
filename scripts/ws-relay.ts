import net from "node:net";
import { pathToFileURL } from "node:url";
import { WebSocketServer } from "ws";

/**
 * A WebSocket-to-TCP relay: what Neon's proxy does in production, for a plain local Postgres. The neon
 * driver (configured by db/client.ts useLocalRelay) opens `ws://host:port/v1?address=pg-host:pg-port`
 * and speaks the Postgres wire protocol through it. Development and tests only: it relays to loopback
 * addresses unless RELAY_ALLOW_HOSTS names more.
 */
export async function startRelay(options: { port?: number; host?: string; allowHosts?: string[] } = {}) {
  const allowed = new Set(options.allowHosts ?? ["127.0.0.1", "localhost", "::1"]);
  const server = new WebSocketServer({ host: options.host ?? "127.0.0.1", port: options.port ?? 0, path: "/v1" });
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
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    proxy: `127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const relay = await startRelay({
    port: Number(process.env.RELAY_PORT ?? 8788),
    allowHosts: process.env.RELAY_ALLOW_HOSTS?.split(","),
  });
  console.log(`ws relay listening on ws://${relay.proxy} (set NEON_WS_PROXY=${relay.proxy})`);
}
