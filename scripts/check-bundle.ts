import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/**
 * `npm run check:bundle`: builds the Worker as `wrangler deploy` would (`npm run build:worker`, a dry run that
 * uploads nothing), then fails if the bundle is over budget or pulls in Node-only code, and records the
 * figures in bench/results/bundle.json.
 *
 * Budget: 1 MiB gzip. Cloudflare's limit is 3 MiB gzip on the free plan (10 MiB paid); a third of it leaves
 * room for features, and a bundle that size still starts fast. Node-only modules (PGlite, node:fs) mean the
 * embedded-database path leaked into the Worker: it would fail at runtime, or bloat the bundle by megabytes.
 */

const BUDGET_GZIP_BYTES = 1024 * 1024;
const FORBIDDEN = ["@electric-sql/pglite", "drizzle-orm/pglite", "node:fs"];
const MODULE_FILE = /\.(m?js|cjs|wasm)$/;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist/worker");
const resultFile = path.join(root, "bench/results/bundle.json");

rmSync(outdir, { recursive: true, force: true });
const build = spawnSync("npm", ["run", "--silent", "build:worker", "--", "--metafile"], {
  cwd: root,
  encoding: "utf8",
  // A dry run needs no account; keep wrangler from calling home.
  env: {
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true",
    ...process.env,
  },
});
if (build.status !== 0) {
  process.stdout.write(build.stdout);
  process.stderr.write(build.stderr);
  console.error(`check:bundle: npm run build:worker failed (exit ${build.status})`);
  process.exit(1);
}
// wrangler's own figure, for comparison with ours: "Total Upload: 1502.40 KiB / gzip: 287.30 KiB".
const reported = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(build.stdout);

const modules = readdirSync(outdir, { recursive: true, encoding: "utf8" })
  .filter((file) => MODULE_FILE.test(file) && statSync(path.join(outdir, file)).isFile())
  .sort()
  .map((file) => {
    const content = readFileSync(path.join(outdir, file));
    const text = content.toString("latin1");
    return {
      file,
      bytes: content.length,
      gzipBytes: gzipSync(content).length,
      forbidden: FORBIDDEN.filter((needle) => text.includes(needle)),
    };
  });
if (modules.length === 0) {
  console.error(`check:bundle: no modules in ${path.relative(root, outdir)}`);
  process.exit(1);
}

// Which packages the bytes come from, from esbuild's metafile (before minification, if any).
type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
const bySource = new Map<string, number>();
try {
  const meta = JSON.parse(readFileSync(path.join(outdir, "bundle-meta.json"), "utf8")) as Metafile;
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const source = match?.[1] ?? "(project code)";
      bySource.set(source, (bySource.get(source) ?? 0) + bytesInOutput);
    }
  }
} catch {
  // Sizes without the breakdown are still worth checking.
}

const total = {
  bytes: modules.reduce((sum, module) => sum + module.bytes, 0),
  gzipBytes: modules.reduce((sum, module) => sum + module.gzipBytes, 0),
};
const forbidden = [...new Set(modules.flatMap((module) => module.forbidden))];
const problems = [
  ...(total.gzipBytes > BUDGET_GZIP_BYTES
    ? [`gzip size ${kib(total.gzipBytes)} is over the budget of ${kib(BUDGET_GZIP_BYTES)}`]
    : []),
  ...forbidden.map((needle) => `the bundle contains Node-only code: "${needle}"`),
];

mkdirSync(path.dirname(resultFile), { recursive: true });
const result = {
  measuredAt: new Date().toISOString(),
  command: "npm run build:worker -- --metafile",
  wrangler: (
    JSON.parse(readFileSync(path.join(root, "node_modules/wrangler/package.json"), "utf8")) as { version: string }
  ).version,
  budget: { gzipBytes: BUDGET_GZIP_BYTES, cloudflareFreePlanGzipBytes: 3 * 1024 * 1024 },
  total,
  wranglerReported: reported ? { kib: Number(reported[1]), gzipKib: Number(reported[2]) } : null,
  modules: modules.map(({ file, bytes, gzipBytes }) => ({ file, bytes, gzipBytes })),
  largestSources: [...bySource]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([source, bytes]) => ({ source, bytes })),
  forbidden: FORBIDDEN,
  forbiddenFound: forbidden,
  ok: problems.length === 0,
};
writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);

function kib(bytes: number) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

console.log(
  `Worker bundle: ${kib(total.bytes)} raw, ${kib(total.gzipBytes)} gzip ` +
    `(budget ${kib(BUDGET_GZIP_BYTES)} gzip; ${((100 * total.gzipBytes) / BUDGET_GZIP_BYTES).toFixed(0)}% used)`,
);
for (const { source, bytes } of result.largestSources.slice(0, 5))
  console.log(`  ${kib(bytes).padStart(10)}  ${source}`);
console.log(`Written to ${path.relative(root, resultFile)}`);
if (problems.length > 0) {
  for (const problem of problems) console.error(`check:bundle: ${problem}`);
  process.exit(1);
}
