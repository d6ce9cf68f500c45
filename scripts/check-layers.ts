import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";

// `npm run check:layers` (CI): the layers import downward only. db/ (the data layer: schema, runners, CRUD,
// local endpoints) imports nothing from functions/ (the HTTP app) or scripts/ (tools). Tests are exempt:
// they sit beside the code but use the app's harness. Exits 1 and lists every import that points up.
const RULES: { layer: string; mayNotImport: string[] }[] = [{ layer: "db", mayNotImport: ["functions", "scripts"] }];

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
    }),
  );
  return nested.flat();
}

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const violations: string[] = [];
for (const { layer, mayNotImport } of RULES) {
  for (const file of await sources(join(root, layer))) {
    const text = await readFile(file, "utf8");
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+["']([^"']+)["']/g)) {
      const specifier = match[1] as string;
      if (!specifier.startsWith(".")) continue;
      const target = relative(root, resolve(dirname(file), specifier)).split("/")[0] as string;
      if (mayNotImport.includes(target))
        violations.push(`${relative(root, file)} imports ${specifier} (${layer}/ -> ${target}/)`);
    }
  }
}
if (violations.length > 0) {
  console.error(`Imports that point up a layer:\n  ${violations.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `layers ok: ${RULES.map((r) => `${r.layer}/ imports nothing from ${r.mayNotImport.join("/, ")}/`).join("; ")}`,
);
