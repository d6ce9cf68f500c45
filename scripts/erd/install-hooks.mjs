// `npm install` runs this as the `prepare` script. It installs the git hooks declared under
// "simple-git-hooks" in package.json, but only on a developer's clone: CI runs `.ci/run` itself, a
// production install (`--omit=dev`) has no simple-git-hooks, and a tarball or Docker build has no .git.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const root = process.cwd();

function skipReason() {
  if (process.env.CI) return "CI is set";
  if (!existsSync(join(root, ".git"))) return "no .git here";
  return undefined;
}

const reason = skipReason();
if (reason) {
  console.log(`[hooks] not installing git hooks: ${reason}`);
} else {
  try {
    const { setHooksFromConfig } = createRequire(import.meta.url)("simple-git-hooks");
    await setHooksFromConfig(root, []);
    console.log("[hooks] git hooks installed (skip one commit with SKIP_SIMPLE_GIT_HOOKS=1 or --no-verify)");
  } catch (error) {
    // A missing dev dependency must not break `npm install`: the hook is a convenience, CI is the gate.
    console.log(`[hooks] not installing git hooks: ${error instanceof Error ? error.message : String(error)}`);
  }
}
