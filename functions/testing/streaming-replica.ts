// A throwaway Postgres primary and its streaming standby on this machine, for tests of what a replica does
// (lag, a missing fresh write, a replica that goes away): made with the server's own initdb and
// pg_basebackup -R, each a few seconds, removed again by stop(). Needs the Postgres server binaries
// (`pg_config --bindir`); run as root, the servers run as the `postgres` user, as initdb insists.

import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export type StreamingReplica = {
  /** The primary's URL (trust auth, user postgres, database postgres). */
  primaryUrl: string;
  /** The standby's URL: read-only, replaying the primary's WAL `applyDelayMs` late. */
  standbyUrl: string;
  /** Stops the standby (the replica "goes away"); the primary runs on. */
  stopStandby: () => void;
  /** Resolves once the standby has replayed everything the primary had written when it was called. */
  caughtUp: () => Promise<void>;
  /** Stops both servers and removes their folders. */
  stop: () => void;
};

/** Waits until the standby at `standbyUrl` has replayed the primary's WAL up to where it ends now. */
async function caughtUp(primaryUrl: string, standbyUrl: string) {
  const ask = async (url: string, text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ v: string | boolean | null }>(text, values)).rows[0]?.v;
    } finally {
      await client.end();
    }
  };
  const target = await ask(primaryUrl, "select pg_current_wal_lsn()::text as v");
  for (let tries = 0; tries < 300; tries++) {
    const done = await ask(standbyUrl, "select pg_last_wal_replay_lsn() >= $1::pg_lsn as v", [target]).catch(
      () => false,
    );
    if (done === true) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the standby did not replay up to ${target} within 30 s`);
}

const bindir = () => execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();

/** A port nobody listens on now. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

export async function startStreamingReplica(options: { applyDelayMs?: number } = {}): Promise<StreamingReplica> {
  const bin = bindir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot
    ? {
        uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
        gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
      }
    : undefined;
  /** Runs a server binary, as `postgres` when this process is root. */
  const run = (tool: string, args: string[]) => {
    const [command, commandArgs] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, tool), ...args]]
      : [join(bin, tool), args];
    const result = spawnSync(command, commandArgs, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
  };

  const root = mkdtempSync(join(tmpdir(), "replica-"));
  if (owner) chownSync(root, owner.uid, owner.gid);
  const primary = join(root, "primary");
  const standby = join(root, "standby");
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const started: string[] = [];
  const stopServer = (dir: string) => {
    if (!started.includes(dir)) return;
    started.splice(started.indexOf(dir), 1);
    spawnSync(asRoot ? "runuser" : join(bin, "pg_ctl"), [
      ...(asRoot ? ["-u", "postgres", "--", join(bin, "pg_ctl")] : []),
      "-D",
      dir,
      "-m",
      "immediate",
      "-w",
      "stop",
    ]);
  };
  const stop = () => {
    stopServer(standby);
    stopServer(primary);
    rmSync(root, { recursive: true, force: true });
  };
  const settings = (port: number) =>
    `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${root}'\nfsync = off\n`;

  try {
    run("initdb", ["-D", primary, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    await appendFile(
      join(primary, "postgresql.conf"),
      `${settings(primaryPort)}wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n`,
    );
    run("pg_ctl", ["-D", primary, "-l", join(root, "primary.log"), "-w", "start"]);
    started.push(primary);
    run("pg_basebackup", [
      "-h",
      "127.0.0.1",
      "-p",
      String(primaryPort),
      "-U",
      "postgres",
      "-D",
      standby,
      "-R",
      "-X",
      "stream",
    ]);
    // postgresql.auto.conf (written by -R with primary_conninfo) is read last: the standby's own settings go there.
    await appendFile(
      join(standby, "postgresql.auto.conf"),
      `${settings(standbyPort)}recovery_min_apply_delay = '${options.applyDelayMs ?? 0}ms'\n`,
    );
    run("pg_ctl", ["-D", standby, "-l", join(root, "standby.log"), "-w", "start"]);
    started.push(standby);
  } catch (error) {
    stop();
    throw error;
  }
  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
  return {
    primaryUrl,
    standbyUrl,
    stopStandby: () => stopServer(standby),
    caughtUp: () => caughtUp(primaryUrl, standbyUrl),
    stop,
  };
}
