import { listenOn } from "../db/drivers/node-postgres/listen";
import { openPg } from "../db/drivers/node-postgres/open";
import { type Config, ConfigError, loadConfig, timeoutsOf } from "./lib/config";
import { jobHandlers } from "./lib/jobs/handlers";
import { startJobRunner } from "./lib/jobs/runner";
import { log } from "./lib/log";

// `npm run worker`: the jobs requests queue (e-mails), run apart from the API, for deployments that split them
// (npm start with JOBS_IN_PROCESS=false beside it). As many may run as you like: each takes due jobs with FOR
// UPDATE SKIP LOCKED. It logs in as the maintenance login (the runner acts as rls_maintenance_admin).

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  log("error", error.message);
  process.exit(1);
}
const url = process.env.MAINTENANCE_DATABASE_URL ?? process.env.MIGRATION_DATABASE_URL;
if (!url) {
  log(
    "error",
    "npm run worker needs MAINTENANCE_DATABASE_URL (the embedded database is one process's: npm start runs its jobs)",
  );
  process.exit(1);
}
const maintenance = openPg(url, { max: 2, timeouts: timeoutsOf(config) });
const runner = startJobRunner({
  db: maintenance.db,
  handlers: jobHandlers(config),
  leaseMs: config.JOBS_LEASE_MS,
  listen: (wake) => listenOn(url, "app_jobs", wake),
});
log("info", `job runner started (${new URL(url).host})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void runner
      .stop()
      .then(() => maintenance.close())
      .finally(() => process.exit(0));
  });
}
