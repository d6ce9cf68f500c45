import pg from "pg";

/**
 * Calls `onNotify` on every NOTIFY on `channel`, over a connection of its own to `url` (LISTEN holds a session:
 * give it a direct URL, not a transaction-mode pooler's). A connection that drops is opened again a second later,
 * and `onNotify` is called then too, for what was sent meanwhile. Resolves once listening; the result stops it.
 */
export async function listenOn(url: string, channel: string, onNotify: () => void) {
  let stopped = false;
  let client: pg.Client | undefined;
  const connect = async () => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    next.on("notification", (message) => {
      if (message.channel === channel) onNotify();
    });
    next.on("error", () => {});
    next.on("end", () => {
      if (!stopped) setTimeout(() => void reconnect(), 1_000);
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = next;
  };
  const reconnect = async () => {
    if (stopped) return;
    try {
      await connect();
      onNotify();
    } catch {
      setTimeout(() => void reconnect(), 1_000);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}
