import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { openPglite } from "../../db/drivers/pglite/open";

declare module "vitest" {
  export interface ProvidedContext {
    /** A dump of a freshly migrated PGlite database, for openTestDatabase to start from. */
    pgliteTemplate: string;
  }
}

/**
 * Migrates one PGlite database for the whole run and dumps it: every test file then loads the dump (about
 * 0.6 s) instead of running initdb and the migrations itself (about 3 s). On a real server (TEST_DATABASE_URL)
 * each file still creates and migrates its own database.
 */
export default async function setup(project: TestProject) {
  project.provide("pgliteTemplate", "");
  if (process.env.TEST_DATABASE_URL) return;
  const dir = await mkdtemp(join(tmpdir(), "pglite-template-"));
  const file = join(dir, "template.tar.gz");
  const template = await openPglite();
  await writeFile(file, Buffer.from(await (await template.client.dumpDataDir("gzip")).arrayBuffer()));
  await template.close();
  project.provide("pgliteTemplate", file);
  return () => rm(dir, { recursive: true, force: true });
}
