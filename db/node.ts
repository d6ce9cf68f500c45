import { neonConfig } from "@neondatabase/serverless";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import ws from "ws";
import { startRelay } from "../scripts/ws-relay";
import { type Database, openNeon, useLocalRelay } from "./client";
import { migrationConfig } from "./migrations";
import { openPglite } from "./pglite";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/**
 * The database for a Node process (npm start, scripts, tests): a real Postgres through the neon driver when
 * `databaseUrl` is given (via an in-process relay when it is local), else embedded PGlite in `dataDir`.
 * With `migrationUrl` (the schema owner's URL), migrations are applied first; PGlite always migrates.
 */
export async function openNodeDatabase(options: {
  databaseUrl?: string;
  migrationUrl?: string;
  dataDir?: string;
  wsProxy?: string;
}): Promise<{ db: Database; close: () => Promise<void>; description: string }> {
  if (!options.databaseUrl) {
    const embedded = await openPglite(options.dataDir);
    return { db: embedded.db, close: embedded.close, description: `PGlite (${options.dataDir ?? "in memory"})` };
  }
  neonConfig.webSocketConstructor = ws;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  if (options.wsProxy) useLocalRelay(options.wsProxy);
  else if (LOCAL_HOSTS.has(new URL(options.databaseUrl).hostname)) {
    relay = await startRelay();
    useLocalRelay(relay.proxy);
  }
  if (options.migrationUrl) {
    const owner = openNeon(options.migrationUrl, { max: 1 });
    try {
      await migrate(owner.db as never, migrationConfig);
    } finally {
      await owner.close();
    }
  }
  const app = openNeon(options.databaseUrl, { max: 10 });
  const url = new URL(options.databaseUrl);
  return {
    db: app.db,
    close: async () => {
      await app.close();
      await relay?.close();
    },
    description: `Postgres ${url.username}@${url.host}${url.pathname}`,
  };
}
