import net from "node:net";

export type ProxyMode = "pass" | "refuse" | "black-hole";

/**
 * A TCP proxy in front of Postgres whose behaviour the fault run switches: `pass` forwards; `refuse` drops
 * every open connection and resets new ones at once (a database that is down); `black-hole` accepts new
 * connections and never answers (a dead host behind a load balancer), while open ones hang too.
 */
export async function startFaultProxy(target: { host: string; port: number }) {
  let mode: ProxyMode = "pass";
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode === "refuse") return void client.resetAndDestroy();
    if (mode === "black-hole") return;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.on("data", (chunk) => mode === "pass" && upstream.write(chunk));
    upstream.on("data", (chunk) => mode === "pass" && client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    setMode(next: ProxyMode) {
      mode = next;
      if (next === "refuse") for (const socket of sockets) socket.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
