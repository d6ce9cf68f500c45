import { readFile } from "node:fs/promises";
import { log } from "../lib/log";
import { type ReadBundle, SCALAR_VERSION } from "./bundle";

/** Where `npm run docs:assets` (scripts/docs-assets.ts) puts the pinned reference script, for Node to serve. */
export const LOCAL_BUNDLE_FILE = `vendor/scalar/api-reference-${SCALAR_VERSION}.js`;

/** Node: the reference script from vendor/, read once; null (with one warning) when it was never fetched. */
export const readLocalBundle: ReadBundle = async () => {
  try {
    return await readFile(LOCAL_BUNDLE_FILE, "utf8");
  } catch {
    log("warn", `${LOCAL_BUNDLE_FILE} is missing: /docs loads the API reference from a CDN; npm run docs:assets`);
    return null;
  }
};
