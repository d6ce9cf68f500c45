import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PrivateFileError, readOrCreateSecret } from "./private-file";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), "private-file-"));
  return join(dir, "nested", "secret");
};

describe("readOrCreateSecret", () => {
  it("creates the file 0600 in a 0700 directory once, then reads it back unchanged", () => {
    const path = fresh();
    const first = readOrCreateSecret(path, () => "one");
    expect(first).toEqual({ value: "one", created: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "nested")).mode & 0o777).toBe(0o700);
    expect(readOrCreateSecret(path, () => "two")).toEqual({ value: "one", created: false });
    expect(readFileSync(path, "utf8")).toBe("one\n");
  });

  it("refuses a file others can read or write, a symlink, and an empty file", () => {
    const path = fresh();
    readOrCreateSecret(path, () => "kept");
    chmodSync(path, 0o644);
    expect(() => readOrCreateSecret(path, () => "x")).toThrow(PrivateFileError);
    chmodSync(path, 0o600);
    const link = join(dir, "link");
    symlinkSync(path, link);
    expect(() => readOrCreateSecret(link, () => "x")).toThrow();
    if (process.getuid?.() === 0) {
      // Only root can hand a file to another user; elsewhere this case cannot be set up.
      chownSync(path, 65534, 65534);
      expect(() => readOrCreateSecret(path, () => "x")).toThrow(/another user/);
    }
    const empty = join(dir, "empty");
    writeFileSync(empty, "", { mode: 0o600 });
    expect(() => readOrCreateSecret(empty, () => "x")).toThrow(PrivateFileError);
  });
});
