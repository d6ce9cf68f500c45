import { openNeon, useLocalRelay } from "../db/client";
import { createApp } from "./app";
import { type Config, loadConfig } from "./config";
import { runMaintenance } from "./maintenance/run";

// Workers keep no connection across requests: each request (and each cron run) opens its own neon Pool
// and ends it with waitUntil once the response is on its way.
function open(config: Config) {
  if (!config.DATABASE_URL) throw new Error("DATABASE_URL is not set (wrangler secret put DATABASE_URL)");
  if (config.NEON_WS_PROXY) useLocalRelay(config.NEON_WS_PROXY);
  return openNeon(config.DATABASE_URL);
}

const app = createApp({ openDatabase: open });

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const config = loadConfig(env);
    const { db, close } = open(config);
    ctx.waitUntil(runMaintenance(db, config).finally(close));
  },
} satisfies ExportedHandler<Record<string, unknown>>;
