// Puts the pinned API reference script (Scalar's standalone bundle) in vendor/, for `npm start` to serve /docs
// with no CDN: offline, behind a strict CSP, in a closed network. npm fetches the package from the registry
// and checks it against the registry's integrity hash; only the one file is kept. Runs at `npm install`
// (prepare; plain Node, so a production install without dev dependencies runs it too); without the registry
// it says so and the page falls back to the CDN.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// The one place the version is written: functions/docs/bundle.ts (the page and the file name follow it).
const version = readFileSync("functions/docs/bundle.ts", "utf8").match(/SCALAR_VERSION = "([^"]+)"/)?.[1];
if (!version) throw new Error("SCALAR_VERSION not found in functions/docs/bundle.ts");
const file = `vendor/scalar/api-reference-${version}.js`;

if (existsSync(file) && !process.argv.includes("--force")) {
  console.log(`[docs] ${file} is there`);
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), "scalar-"));
try {
  const tarball = execFileSync(
    "npm",
    ["pack", `@scalar/api-reference@${version}`, "--pack-destination", work, "--silent"],
    { encoding: "utf8" },
  ).trim();
  execFileSync("tar", ["-xzf", join(work, tarball), "-C", work, "package/dist/browser/standalone.js"]);
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(join(work, "package/dist/browser/standalone.js"), file);
  console.log(`[docs] ${file} written from @scalar/api-reference@${version}`);
} catch (error) {
  console.warn(`[docs] could not fetch the API reference (${error.message}); /docs will use the CDN`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
