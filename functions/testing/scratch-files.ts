// Files tests and benchmarks derive from the repository's own, to extend it or to break it on purpose.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * wrangler.toml plus a Hyperdrive binding whose local connection string is `url` (wrangler wants a password in
 * it; trust auth takes any), and one HYPERDRIVE_REPLICA binding per replica URL (HYPERDRIVE_REPLICA,
 * HYPERDRIVE_REPLICA_2, ...), written in the repository (the config's paths are relative to it) under an
 * ignored name. The caller removes it.
 */
export function hyperdriveConfig(url: string, replicas: string[] = []) {
  const path = `.wrangler-hyperdrive-${process.pid}-${replicas.length}.toml`;
  const binding = (name: string, connection: string, id: string) =>
    `\n[[hyperdrive]]\nbinding = "${name}"\nid = "${id}"\nlocalConnectionString = "${connection}"\n`;
  writeFileSync(
    path,
    [
      readFileSync("wrangler.toml", "utf8"),
      binding("HYPERDRIVE", url, "0".repeat(32)),
      ...replicas.map((replica, i) =>
        binding(i === 0 ? "HYPERDRIVE_REPLICA" : `HYPERDRIVE_REPLICA_${i + 1}`, replica, String(i + 1).repeat(32)),
      ),
    ].join(""),
  );
  return path;
}

const folders = new Set<string>();

/** A new folder in the system's temporary directory, removed by removeScratchFolders (a test file's afterAll). */
export function scratchFolder(prefix: string) {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.add(folder);
  return folder;
}

/** Removes every folder scratchFolder made in this process, so test runs leave nothing behind. */
export function removeScratchFolders() {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

/**
 * A copy of drizzle/ to break on purpose: its journal, files and snapshots cut after the first `count` migrations.
 * A scratch folder: the test file removes it with removeScratchFolders.
 */
export function migrationsCopy(count: number) {
  const folder = scratchFolder("migrations-");
  cpSync("drizzle", folder, { recursive: true });
  const journalPath = join(folder, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  for (const entry of journal.entries.slice(count)) {
    rmSync(join(folder, `${entry.tag}.sql`));
    rmSync(join(folder, "meta", `${entry.tag.slice(0, 4)}_snapshot.json`));
  }
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, count) }));
  return { folder, journal: journal.entries };
}
