import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export class PrivateFileError extends Error {
  override name = "PrivateFileError";
}

/**
 * A secret kept in a file that only this OS user can read or write (a signing key, a generated password).
 * Made once with `make`, written exclusively with mode 0600 in a 0700 directory, never overwritten. Read back
 * only if it still is private: a regular file (not a symlink), owned by this user, with no group or other
 * permission bits; otherwise refused, since a file someone else could plant or read is not a secret.
 */
export function readOrCreateSecret(path: string, make: () => string): { value: string; created: boolean } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const value = make();
  try {
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: "wx" });
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new PrivateFileError(`${path} is not a regular file: refusing to use it`);
    if (process.getuid && stat.uid !== process.getuid()) {
      throw new PrivateFileError(`${path} belongs to another user: refusing to use it`);
    }
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8);
      throw new PrivateFileError(`${path} is open to other users (mode ${mode}): chmod 600 it, or delete it`);
    }
    const kept = readFileSync(fd, "utf8").trim();
    if (!kept) throw new PrivateFileError(`${path} is empty: delete it to have a new one made`);
    return { value: kept, created: false };
  } finally {
    closeSync(fd);
  }
}
