import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";

// `npm run check:layers` (CI): the layers import downward only, feature folders stand alone, and no file
// imports itself through others. Tests are exempt: they sit beside the code and use the app's harness.
//
// The layers, bottom up:
//   db/                   the data layer: schema, SQL functions, statement runners, drivers, CRUD
//   functions/lib/        shared mechanisms: config, errors, logging, credentials, the scope, services' helpers
//   functions/middleware/ request-wide middleware, each declaring the variables it sets
//   functions/http/       what routes are made of: the app's env type, the router, the resource declaration
//   functions/<feature>/  one folder per feature (items, posts, users, ...): imports none of the others
//   functions/*.ts        the entry points (app.ts, node.ts, worker.ts)
// scripts/ and functions/testing/ (tools: the relay, generators, the test harness) may import anything; nothing
// below them imports them.
const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const BELOW_FEATURES = ["lib", "middleware", "http"];

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : sources(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
    }),
  );
  return nested.flat();
}

/** Where a file sits: `db`, `scripts`, `lib`, `middleware`, `http`, `feature:<name>` or `entry`. */
function placeOf(file: string): string {
  const [top, second, third] = relative(root, file).split("/");
  if (top !== "functions") return top as string;
  if (second === "testing") return "scripts";
  if (third === undefined) return "entry";
  return BELOW_FEATURES.includes(second as string) ? (second as string) : `feature:${second}`;
}

const RANK: Record<string, number> = { db: 0, lib: 1, middleware: 2, http: 3, feature: 4, entry: 5, scripts: 6 };
const rankOf = (place: string) => RANK[place.split(":")[0] as string] as number;

function refusal(from: string, to: string): string | undefined {
  if (from === to) return undefined;
  if (from.startsWith("feature:") && to.startsWith("feature:")) return "a feature folder imports another";
  if (rankOf(to) > rankOf(from)) return `${from} imports ${to}, a layer above it`;
  return undefined;
}

const files = [
  ...(await sources(join(root, "db"))),
  ...(await sources(join(root, "functions"))),
  ...(await sources(join(root, "scripts"))),
];
const known = new Set(files);
const graph = new Map<string, string[]>();
const violations: string[] = [];
for (const file of files) {
  const text = await readFile(file, "utf8");
  const targets: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+["']([^"']+)["']/g)) {
    const specifier = match[1] as string;
    if (!specifier.startsWith(".")) continue;
    const base = resolve(dirname(file), specifier);
    const target = [base, `${base}.ts`, join(base, "index.ts")].find((candidate) => known.has(candidate));
    if (!target) continue;
    targets.push(target);
    const why = refusal(placeOf(file), placeOf(target));
    if (why) violations.push(`${relative(root, file)} -> ${specifier}: ${why}`);
  }
  graph.set(file, targets);
}

// Cycles: a depth-first walk; a file met again while still on the path closes a cycle.
const state = new Map<string, "open" | "done">();
const cycles: string[] = [];
function walk(file: string, path: string[]) {
  state.set(file, "open");
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === "open") {
      const loop = [...path.slice(path.indexOf(next)), next].map((f) => relative(root, f));
      cycles.push(loop.join(" -> "));
    } else if (!state.has(next)) walk(next, [...path, next]);
  }
  state.set(file, "done");
}
for (const file of files) if (!state.has(file)) walk(file, [file]);

if (violations.length > 0 || cycles.length > 0) {
  if (violations.length > 0) console.error(`Imports against the layers:\n  ${violations.join("\n  ")}`);
  if (cycles.length > 0) console.error(`Import cycles:\n  ${cycles.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `layers ok: ${files.length} files; db < lib < middleware < http < features < entry points; ` +
    "no feature folder imports another; no import cycles",
);
