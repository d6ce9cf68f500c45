import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app";
import { openTestDatabase, type TestDatabase, testEnv } from "../testing/harness";
import { LOCAL_BUNDLE_PATH } from "./bundle";
import { readLocalBundle } from "./local-bundle";

// /docs in a real browser (Debian's chromium, driven by playwright-core), served as `npm start` serves it: the
// reference's script from this origin. Every request to another host is refused, so the page must render
// offline. CI installs chromium and sets REQUIRE_BROWSER=1 (then a missing browser fails the test); elsewhere the
// test runs where /usr/bin/chromium exists. SAVE_SCREENSHOT=1 writes docs/api-reference.png for the README.
const CHROMIUM = "/usr/bin/chromium";
const runs = existsSync(CHROMIUM) || process.env.REQUIRE_BROWSER === "1";

let db: TestDatabase;
let server: ReturnType<typeof serve>;
let base: string;
beforeAll(async () => {
  if (!runs) return;
  db = await openTestDatabase();
  const app = createApp({ openDatabase: () => db.runner(), docsBundle: readLocalBundle });
  server = serve({ fetch: (request) => app.fetch(request, testEnv), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (!runs) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.close();
});

describe("/docs in headless Chromium", () => {
  it.runIf(runs)(
    "renders every operation from this origin alone, with nothing fetched elsewhere",
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const elsewhere: string[] = [];
        await page.route("**/*", (route) => {
          const url = new URL(route.request().url());
          if (url.origin === base || url.protocol === "data:") return route.continue();
          elsewhere.push(url.href);
          return route.abort();
        });
        const scripts: string[] = [];
        page.on("request", (request) => {
          if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
        });
        const response = await page.goto(`${base}/docs`);
        expect(response?.status()).toBe(200);
        expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
        // The document as the reference renders it: the first tag's operation, every tag in the sidebar, and a
        // tag's operations once opened.
        await page.getByText("Liveness and a real round trip to the database").first().waitFor({ timeout: 60_000 });
        for (const tag of ["auth", "users", "items", "categories", "posts", "api-keys", "admin"]) {
          await page.getByText(tag, { exact: true }).first().waitFor();
        }
        await page.getByText("items", { exact: true }).first().click();
        await page.getByText("Create an item owned by you").first().waitFor({ timeout: 30_000 });
        expect(scripts).toContain(LOCAL_BUNDLE_PATH);
        expect(elsewhere).toEqual([]);
        const screenshot = await page.screenshot({
          path: process.env.SAVE_SCREENSHOT === "1" ? "docs/api-reference.png" : undefined,
        });
        expect(screenshot.length).toBeGreaterThan(10_000);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
