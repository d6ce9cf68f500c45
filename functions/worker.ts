import { neonConfig } from "@neondatabase/serverless";
import { openNeon, useLocalRelay } from "../db/client";
import { neonHttpRunner } from "../db/runner/neon-http";
import { transactionRunner } from "../db/runner/transaction";
import { createApp } from "./app";
import { type Config, loadConfig, timeoutsOf } from "./lib/config";
import { log } from "./lib/log";
import { runMaintenance } from "./maintenance/run";

const onLost = (error: Error) => log("warn", "idle database connection lost", { error });

function pointDriver(config: Config) {
  if (!config.DATABASE_URL) throw new Error("DATABASE_URL is not set (wrangler secret put DATABASE_URL)");
  if (config.NEON_WS_PROXY) useLocalRelay(config.NEON_WS_PROXY);
  if (config.NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = config.NEON_HTTP_ENDPOINT;
  return config.DATABASE_URL;
}

// Workers keep no connection across requests. A request's statements go to Neon's HTTP API as one transaction
// (one round trip); a WebSocket Pool is opened only for a flow that needs an interactive transaction, and
// ended with waitUntil once the response is on its way. NEON_DRIVER=ws runs everything over a Pool per request,
// the slower path, kept for comparison (npm run bench:edge).
function open(config: Config) {
  const url = pointDriver(config);
  const timeouts = timeoutsOf(config);
  if (config.NEON_DRIVER === "ws") {
    const pool = openNeon(url, { timeouts, onLost });
    let maintenance: ReturnType<typeof openNeon> | undefined;
    const maintenanceUrl = config.MAINTENANCE_DATABASE_URL;
    return transactionRunner(
      pool.db,
      async () => {
        await Promise.all([pool.close(), maintenance?.close()]);
      },
      maintenanceUrl
        ? () => {
            maintenance ??= openNeon(maintenanceUrl, { timeouts, onLost });
            return maintenance.db;
          }
        : undefined,
    );
  }
  return neonHttpRunner(url, timeouts, config.MAINTENANCE_DATABASE_URL);
}

const app = createApp({ openDatabase: open });

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const config = loadConfig(env);
    pointDriver(config);
    // The cron logs in as the maintenance role's own login; the request login cannot reach BYPASSRLS.
    if (!config.MAINTENANCE_DATABASE_URL) {
      log(
        "warn",
        "maintenance skipped: MAINTENANCE_DATABASE_URL is not set (wrangler secret put MAINTENANCE_DATABASE_URL)",
      );
      return;
    }
    const { db, close } = openNeon(config.MAINTENANCE_DATABASE_URL, { timeouts: timeoutsOf(config), onLost });
    ctx.waitUntil(runMaintenance(db, config).finally(close));
  },
} satisfies ExportedHandler<Record<string, unknown>>;
