// A PgBouncer of the tests' own in front of a Postgres server: its own ini, folder and spare port, started with
// the machine's `pgbouncer` (Debian's package) and removed again by stop(). PgBouncer refuses to run as root:
// run as root, it runs as the `postgres` user, as the test servers of ./streaming-replica.ts do.

import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./streaming-replica";

export type PoolMode = "session" | "transaction" | "statement";

export type PgBouncer = {
  /** `url` (a Postgres URL of the server behind it) as reached through the pooler: same user and database. */
  through: (url: string) => string;
  /** Kills the pooler at once (SIGKILL): every client connection drops, as when its host dies. */
  kill: () => void;
  /** Starts it again on the same port, with the same settings. */
  start: () => Promise<void>;
  /** Its log, for a test's failure message. */
  log: () => string;
  /** Stops it and removes its folder. */
  stop: () => void;
};

/** Whether this machine has PgBouncer (`.ci/run` installs it). */
export const hasPgBouncer = () => spawnSync("pgbouncer", ["--version"]).status === 0;

/**
 * A PgBouncer in `mode` forwarding every database to `server` (host:port) with `poolSize` server connections per
 * user and database, with trust authentication for `users` (the server behind it decides who may log in).
 */
export async function startPgBouncer(options: {
  server: { host: string; port: number };
  mode: PoolMode;
  poolSize?: number;
  users?: string[];
  /** PgBouncer 1.21+ only: protocol-level prepared statements it tracks per client. */
  extra?: Record<string, string | number>;
}): Promise<PgBouncer> {
  const asRoot = process.getuid?.() === 0;
  const root = mkdtempSync(join(tmpdir(), "pgbouncer-"));
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }));
    chownSync(root, id("-u"), id("-g"));
  }
  const port = await freePort();
  const users = options.users ?? ["postgres", "rls_authenticator", "rls_maintainer"];
  const file = (name: string) => join(root, name);
  writeFileSync(file("users.txt"), users.map((user) => `"${user}" ""\n`).join(""));
  const settings: Record<string, string | number> = {
    listen_addr: "127.0.0.1",
    listen_port: port,
    unix_socket_dir: root,
    auth_type: "trust",
    auth_file: file("users.txt"),
    pool_mode: options.mode,
    default_pool_size: options.poolSize ?? 3,
    max_client_conn: 500,
    logfile: file("pgbouncer.log"),
    pidfile: file("pgbouncer.pid"),
    ...options.extra,
  };
  const ini = `[databases]\n* = host=${options.server.host} port=${options.server.port}\n\n[pgbouncer]\n${Object.entries(
    settings,
  )
    .map(([key, value]) => `${key} = ${value}`)
    .join("\n")}\n`;
  writeFileSync(file("pgbouncer.ini"), ini);

  const pid = () => {
    try {
      return Number(readFileSync(file("pgbouncer.pid"), "utf8").trim()) || undefined;
    } catch {
      return undefined;
    }
  };
  const alive = (id: number) => {
    try {
      process.kill(id, 0);
      return true;
    } catch {
      return false;
    }
  };
  const start = async () => {
    const [command, args] = asRoot
      ? ["runuser", ["-u", "postgres", "--", "pgbouncer", "-d", file("pgbouncer.ini")]]
      : ["pgbouncer", ["-d", file("pgbouncer.ini")]];
    const result = spawnSync(command, args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`pgbouncer failed: ${result.stderr || result.stdout}`);
    for (let tries = 0; tries < 100; tries++) {
      if (spawnSync("pg_isready", ["-h", "127.0.0.1", "-p", String(port), "-q"]).status !== 2) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`pgbouncer did not listen on ${port}: ${log()}`);
  };
  const signal = (name: NodeJS.Signals) => {
    const id = pid();
    if (id === undefined || !alive(id)) return;
    process.kill(id, name);
    for (let tries = 0; tries < 200 && alive(id); tries++) spawnSync("sleep", ["0.01"]);
    if (existsSync(file("pgbouncer.pid"))) rmSync(file("pgbouncer.pid"));
  };
  const log = () => (existsSync(file("pgbouncer.log")) ? readFileSync(file("pgbouncer.log"), "utf8") : "");

  await start();
  return {
    through: (url) => Object.assign(new URL(url), { hostname: "127.0.0.1", port: String(port) }).toString(),
    kill: () => signal("SIGKILL"),
    start,
    log,
    stop: () => {
      signal("SIGINT");
      rmSync(root, { recursive: true, force: true });
    },
  };
}
