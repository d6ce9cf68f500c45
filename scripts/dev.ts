import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startRelay, targetsOf } from "./local/relay";

/**
 * `npm run dev`: the Worker in workerd (`wrangler dev`) against a local Postgres, as in production but through
 * scripts/local/relay.ts (a local /sql endpoint and WebSocket relay) instead of Neon's proxy. Starts the relay, then wrangler with inherited stdio;
 * Ctrl-C or a signal stops both. Extra arguments go to wrangler: `npm run dev -- --port 9000`.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const devVars = path.join(root, ".dev.vars");

if (!existsSync(devVars)) {
  console.error(`No .dev.vars: wrangler dev needs DATABASE_URL and JWT_SECRET from it.

  1. cp .dev.vars.example .dev.vars        (then set a JWT_SECRET of 32+ characters)
  2. createdb -h 127.0.0.1 -U postgres app (once, if the database does not exist)
  3. MIGRATION_DATABASE_URL=postgres://postgres@127.0.0.1:5432/app npm run db:migrate
  4. npm run dev
`);
  process.exit(1);
}

/** A value of .dev.vars (KEY=value lines, the value optionally quoted). */
function devVarOf(name: string) {
  for (const line of readFileSync(devVars, "utf8").split(/\r?\n/)) {
    const match = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/);
    if (match?.[1] === name) return match[2]?.replace(/^(["'])(.*)\1$/, "$2");
  }
  return undefined;
}

const relayPort = Number(process.env.RELAY_PORT ?? 8788);
let relay: Awaited<ReturnType<typeof startRelay>>;
try {
  // Relays only to the database the Worker is configured with (DATABASE_URL in .dev.vars).
  relay = await startRelay({ port: relayPort, targets: targetsOf(devVarOf("DATABASE_URL")) });
} catch (error) {
  console.error(`Cannot start the WebSocket relay on 127.0.0.1:${relayPort}: ${(error as Error).message}`);
  console.error("Is another `npm run dev` or `npm run relay` running? Choose another port with RELAY_PORT.");
  process.exit(1);
}
console.log(`SQL over HTTP on ${relay.sqlEndpoint}, ws relay on ws://${relay.proxy}`);

const extra = process.argv.slice(2);
const has = (flag: string) => extra.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
const args = [
  createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js"),
  "dev",
  "--test-scheduled",
  // The Worker must use the relay this script started, whatever port .dev.vars names.
  "--var",
  `NEON_WS_PROXY:${relay.proxy}`,
  "--var",
  `NEON_HTTP_ENDPOINT:${relay.sqlEndpoint}`,
  ...(has("--port") ? [] : ["--port", "8787"]),
  ...(has("--ip") ? [] : ["--ip", "127.0.0.1"]),
  ...extra,
];

const wrangler: ChildProcess = spawn(process.execPath, args, {
  cwd: root,
  stdio: "inherit",
  // Offline by default: no telemetry or error reports, no update check, no download of the Request.cf sample
  // (the app reads no `cf`); the environment can turn any of them back on.
  env: {
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    ...process.env,
  },
});

// A terminal's Ctrl-C reaches wrangler too (same process group); forwarding covers `kill <pid>` of this script.
const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
for (const signal of signals) {
  process.on(signal, () => {
    if (wrangler.exitCode === null && wrangler.signalCode === null) wrangler.kill(signal);
  });
}

const stop = async (code: number) => {
  await relay.close();
  process.exit(code);
};
wrangler.on("error", (error) => {
  console.error(`Cannot start wrangler: ${error.message}`);
  void stop(1);
});
wrangler.on("exit", (code, signal) => {
  void stop(code ?? (signal === "SIGINT" || signal === "SIGTERM" || signal === "SIGHUP" ? 0 : 1));
});
