import net from "node:net";

/**
 * A TCP proxy that holds every chunk for half the round trip in each direction: between the Worker and the
 * database endpoint it turns "how many sequential round trips" into latency one can measure. Connection
 * setup is not delayed (the handshake is answered by the proxy itself), so only request/response exchanges
 * pay; `rttMs` can change between measurements.
 *
 * `pooled`: in front of Postgres, a connection's startup (authentication, parameters, up to the first
 * ReadyForQuery) is not delayed either, as a pooler near the database (Hyperdrive) has done it before the
 * request comes: only the request's own exchanges pay.
 */
export async function startDelayProxy(target: { host: string; port: number }, options: { pooled?: boolean } = {}) {
  const state = { rttMs: 0 };
  const sockets = new Set<net.Socket>();
  // ReadyForQuery: 'Z', length 5 (then one status byte).
  const READY = Buffer.from([0x5a, 0, 0, 0, 5]);
  const delayed = (from: net.Socket, to: net.Socket, started: { ready: boolean }, fromServer: boolean) => {
    from.on("data", (chunk: Buffer) => {
      if (!started.ready) {
        if (fromServer && chunk.includes(READY)) started.ready = true;
        to.write(chunk);
        return;
      }
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
    const started = { ready: !options.pooled };
    delayed(client, upstream, started, false);
    delayed(upstream, client, started, true);
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
