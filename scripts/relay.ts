import { startRelay, targetsOf } from "./local/relay";

// `npm run relay`: the local relay and /sql endpoint (scripts/local/relay.ts) on RELAY_PORT (8788), relaying only to
// DATABASE_URL's server when it is set (else any loopback port, or RELAY_ALLOW_HOSTS' hosts).
const relay = await startRelay({
  port: Number(process.env.RELAY_PORT ?? 8788),
  targets: targetsOf(process.env.DATABASE_URL),
  hosts: process.env.RELAY_ALLOW_HOSTS?.split(","),
});
console.log(`ws relay on ws://${relay.proxy} (NEON_WS_PROXY=${relay.proxy}), SQL over HTTP on ${relay.sqlEndpoint}`);
