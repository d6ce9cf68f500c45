import net from "node:net";

/**
 * A TCP proxy that holds every chunk for half the round trip in each direction: between the Worker and the
 * database endpoint it turns "how many sequential round trips" into latency one can measure. Connection
 * setup is not delayed (the handshake is answered by the proxy itself), so only request/response exchanges
 * pay; `rttMs` can change between measurements.
 */
export async function startDelayProxy(target: { host: string; port: number }) {
  const state = { rttMs: 0 };
  const sockets = new Set<net.Socket>();
  const delayed = (from: net.Socket, to: net.Socket) => {
    from.on("data", (chunk) => {
      const half = state.rttMs / 2;
      if (half === 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), half);
    });
    from.on("end", () => setTimeout(() => to.end(), state.rttMs / 2));
    from.on("error", () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    }
    delayed(client, upstream);
    delayed(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    setRtt: (ms: number) => {
      state.rttMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
