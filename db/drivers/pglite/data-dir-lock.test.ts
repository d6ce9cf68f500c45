import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirInUseError, lockDataDir } from "./data-dir-lock";
import { openPglite } from "./open";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("one process per embedded database folder", () => {
  it("refuses a second holder while the first lives, naming it; free again once released", () => {
    dir = mkdtempSync(join(tmpdir(), "lock-"));
    const release = lockDataDir(dir, "npm start");
    expect(() => lockDataDir(dir, "npm run db:seed")).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir, "npm run db:seed")).toThrow(/in use by process \d+ \(npm start/);
    release();
    expect(existsSync(join(dir, ".app-lock"))).toBe(false);
    lockDataDir(dir, "again")();
  });

  it("takes over a stale lock, whose process is gone", () => {
    dir = mkdtempSync(join(tmpdir(), "lock-"));
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const stale = { pid: Number(gone), host: hostname(), purpose: "killed", since: new Date(0).toISOString() };
    writeFileSync(join(dir, ".app-lock"), JSON.stringify(stale));
    const release = lockDataDir(dir, "npm start");
    expect(JSON.parse(readFileSync(join(dir, ".app-lock"), "utf8"))).toMatchObject({ pid: process.pid });
    release();
  });

  it("holds while PGlite has the folder open, and lets go when it closes", async () => {
    dir = mkdtempSync(join(tmpdir(), "lock-"));
    const first = await openPglite(dir);
    await expect(openPglite(dir)).rejects.toThrow(DataDirInUseError);
    await first.close();
    const second = await openPglite(dir);
    await second.close();
  }, 60_000);
});
