import { readFile } from "node:fs/promises";
import { relative, sep } from "node:path";
import { renderMarkdown } from "./markdown";
import { renderMermaid } from "./mermaid";
import { buildModel, type Model } from "./model";
import { loadSnapshot, resolveLatestSnapshot, type Snapshot } from "./snapshot";
import { readSqlFacts, type SqlFacts } from "./sql";

export interface ErdDocs {
  model: Model;
  mermaid: string;
  markdown: string;
}

/** Pure: the same snapshot (and SQL facts) always gives the same bytes. `source` names the input. */
export function generate(snapshot: Snapshot, source: string, sql?: SqlFacts): ErdDocs {
  const model = buildModel(snapshot, sql);
  const mermaid = renderMermaid(model, source);
  return { model, mermaid, markdown: renderMarkdown(model, mermaid, source) };
}

export interface Input {
  snapshot: Snapshot;
  /** Repository-relative, forward slashes: printed in the docs, so it must not depend on the machine. */
  source: string;
  sql?: SqlFacts;
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return (rel.startsWith("..") ? path : rel).split(sep).join("/");
}

/**
 * An explicit snapshot is read alone; otherwise the journal's newest snapshot is read together with
 * the migrations up to it, whose SQL adds FORCE, GRANTs, role attributes and comments.
 */
export async function readInput(options: { snapshot?: string; drizzleDir: string; cwd: string }): Promise<Input> {
  if (options.snapshot) {
    return { snapshot: await loadSnapshot(options.snapshot), source: displayPath(options.snapshot, options.cwd) };
  }
  const { snapshotPath, migrationPaths } = await resolveLatestSnapshot(options.drizzleDir);
  const snapshot = await loadSnapshot(snapshotPath);
  // A migration listed in the journal but missing on disk adds nothing; the snapshot is still the truth.
  const sql = await Promise.all(migrationPaths.map((path) => readFile(path, "utf8").catch(() => "")));
  return { snapshot, source: displayPath(snapshotPath, options.cwd), sql: readSqlFacts(sql) };
}
