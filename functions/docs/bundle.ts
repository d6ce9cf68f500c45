/** The API reference (Scalar) the /docs page runs: one pinned version, served locally or from a CDN. */
export const SCALAR_VERSION = "1.72.1";

/** Where the Worker's page loads it: the Worker bundle stays small (the reference alone is 4.3 MB). */
export const CDN_BUNDLE = `https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR_VERSION}/dist/browser/standalone.js`;

/** Where the app serves it itself when it has it (Node: `npm run docs:assets` put it in vendor/). */
export const LOCAL_BUNDLE_PATH = `/docs/api-reference-${SCALAR_VERSION}.js`;

/** Reads the reference's script, or null when it is not at hand (the page then loads it from the CDN). */
export type ReadBundle = () => Promise<string | null>;
