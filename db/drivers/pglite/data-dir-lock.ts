import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
}

type Holder = { pid: number; host: string; purpose: string; since: string };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
};

/**
 * One process at a time on an embedded database folder. PGlite keeps the database in memory and writes it to
 * the folder: two processes on one folder each write their own copy, and one's writes vanish (a seed run
 * beside a running server "succeeds" and is gone after a restart). The lock is a file in the folder naming
 * its holder; a second process is refused at once with that name. A lock whose process is gone (killed, not
 * stopped) is stale and taken over. Returns the release, which also runs when the process exits.
 */
export function lockDataDir(dataDir: string, purpose: string): () => void {
  const file = join(dataDir, ".app-lock");
  const me: Holder = { pid: process.pid, host: hostname(), purpose, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: Partial<Holder> = {};
    try {
      holder = JSON.parse(readFileSync(file, "utf8")) as Holder;
    } catch {}
    const held = holder.pid !== undefined && holder.host === me.host && alive(holder.pid);
    if (held || attempt > 0) {
      throw new DataDirInUseError(
        `the embedded database in ${dataDir} is in use by process ${holder.pid} (${holder.purpose}, since ${holder.since}): ` +
          "two processes on one folder lose each other's writes. Stop that process first, or use another PGLITE_DATA_DIR.",
      );
    }
    unlinkSync(file); // stale: its process is gone
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    try {
      if ((JSON.parse(readFileSync(file, "utf8")) as Holder).pid === process.pid) unlinkSync(file);
    } catch {}
  };
  process.once("exit", release);
  return release;
}

/** What a process is doing, for the lock: the npm script that started it, else its entry file. */
export const purposeOfThisProcess = () =>
  process.env.npm_lifecycle_event && process.env.npm_lifecycle_event !== "npx"
    ? `npm run ${process.env.npm_lifecycle_event}`
    : (process.argv[1] ?? "node");
