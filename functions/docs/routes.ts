import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import type { AppEnv } from "../http/env";
import { CDN_BUNDLE, LOCAL_BUNDLE_PATH, type ReadBundle } from "./bundle";

const sha256 = async (text: string) => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
};

/**
 * Allows the bundle (from this origin, or from the CDN) and, by its hash, the one inline script that starts it;
 * no other script, no third-party requests ("try it" calls go to this origin only, never through Scalar's
 * proxy), no framing.
 */
const policyFor = async (html: string, scriptOrigin: string) => {
  const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
  const hashes = await Promise.all(inline.map(sha256));
  return [
    "default-src 'none'",
    `script-src ${scriptOrigin} ${hashes.join(" ")}`,
    // The bundle injects its styles at run time.
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
};

type Served = { script: string | null; page: ReturnType<typeof Scalar<AppEnv>>; policy?: Promise<string> };

/**
 * GET /docs: Scalar's interactive reference for /openapi.json. With `readBundle` (Node) and the script at hand,
 * the app serves the script itself (GET /docs/api-reference-<version>.js, cached for good: the version is in the
 * path) and the page needs nothing but this origin; otherwise (the Worker, whose bundle would not hold it) the
 * page loads the same pinned version from a CDN. The page is the same for every request.
 */
export function docsRoutes(readBundle?: ReadBundle) {
  let served: Promise<Served> | undefined;
  const serve = () => {
    served ??= (readBundle?.() ?? Promise.resolve(null)).then((script) => ({
      script,
      page: Scalar<AppEnv>({
        url: "/openapi.json",
        cdn: script ? LOCAL_BUNDLE_PATH : CDN_BUNDLE,
        pageTitle: "API reference",
        // Without it the page pulls its fonts from fonts.scalar.com; the system's fonts will do.
        withDefaultFonts: false,
      }),
    }));
    return served;
  };
  return new Hono<AppEnv>()
    .get("/docs", async (c, next) => {
      const docs = await serve();
      const rendered = await docs.page(c, next);
      if (!rendered) throw new Error("Scalar rendered no page");
      const html = await rendered.text();
      docs.policy ??= policyFor(html, docs.script ? "'self'" : new URL(CDN_BUNDLE).origin);
      return c.html(html, 200, { "Content-Security-Policy": await docs.policy });
    })
    .get(LOCAL_BUNDLE_PATH, async (c) => {
      const { script } = await serve();
      if (!script) return c.notFound();
      return c.body(script, 200, {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=31536000, immutable",
      });
    });
}
