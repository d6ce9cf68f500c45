// The bundled Worker under workerd, as `wrangler dev` runs it, for the Worker suites: offline, and ready only once
// it answers HTTP.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Unstable_DevWorker } from "wrangler";

/**
 * Starts functions/worker.ts with `config` (a wrangler.toml) and `vars`, which override wrangler.toml and a
 * developer's .dev.vars alike; resolves once the Worker answers `GET /`. `testScheduled` lets a test trigger the
 * cron (`/__scheduled`).
 */
export async function startWranglerDev({
  config,
  vars,
  testScheduled = false,
}: {
  config: string;
  vars: Record<string, string>;
  testScheduled?: boolean;
}): Promise<Unstable_DevWorker> {
  // wrangler must stay offline: no telemetry, no update check (it rides on the banner), no Request.cf download.
  process.env.WRANGLER_SEND_METRICS = "false";
  process.env.WRANGLER_SEND_ERROR_REPORTS = "false";
  process.env.WRANGLER_HIDE_BANNER = "true";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  const { unstable_dev } = await import("wrangler");
  const started = performance.now();
  // Its own state folder (Durable Objects' storage): two suites' Workers may run at once, and by default both
  // would keep it in the repository's .wrangler/state.
  const state = mkdtempSync(join(tmpdir(), "wrangler-state-"));
  const worker = await unstable_dev("functions/worker.ts", {
    config,
    ip: "127.0.0.1",
    persistTo: state,
    vars,
    logLevel: "warn",
    experimental: { testScheduled, disableExperimentalWarning: true, disableDevRegistry: true, watch: false },
  });
  const stopWorkerd = worker.stop.bind(worker);
  worker.stop = async () => {
    await stopWorkerd();
    rmSync(state, { recursive: true, force: true });
  };
  // Ready means answering HTTP, not just "started".
  const ready = performance.now() + 60_000;
  for (;;) {
    const answer = await fetch(`http://${worker.address}:${worker.port}/`).catch(() => undefined);
    if (answer) {
      await answer.body?.cancel();
      break;
    }
    if (performance.now() > ready) {
      await worker.stop();
      throw new Error("wrangler dev did not answer within 60 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.info(`wrangler dev answered after ${Math.round(performance.now() - started)} ms on port ${worker.port}`);
  return worker;
}
