import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import type { AppEnv } from "../http/env";

// The reader's browser loads the bundle; pinned so the page the policy below was written for is the one served.
const bundle = "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.72.1/dist/browser/standalone.js";

const page = Scalar<AppEnv>({
  url: "/openapi.json",
  cdn: bundle,
  pageTitle: "API reference",
  // Without it the page pulls its fonts from fonts.scalar.com; the system's fonts will do.
  withDefaultFonts: false,
});

const sha256 = async (text: string) => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
};

/**
 * Allows the bundle and, by its hash, the one inline script that starts it; no other script, no third-party
 * requests ("try it" calls go to this origin only, never through Scalar's proxy), no framing.
 */
const policyFor = async (html: string) => {
  const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
  const hashes = await Promise.all(inline.map(sha256));
  return [
    "default-src 'none'",
    `script-src ${new URL(bundle).origin} ${hashes.join(" ")}`,
    // The bundle injects its styles at run time.
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
};

let policy: Promise<string> | undefined;

/** GET /docs: Scalar's interactive reference for /openapi.json. The page is the same for every request. */
export const docsRoutes = new Hono<AppEnv>().get("/docs", async (c, next) => {
  const rendered = await page(c, next);
  if (!rendered) throw new Error("Scalar rendered no page");
  const html = await rendered.text();
  policy ??= policyFor(html);
  return c.html(html, 200, { "Content-Security-Policy": await policy });
});
