// GET /docs in a real browser (Debian's chromium, driven by playwright-core): the page renders the
// API document and shows every route, loads nothing from outside this service, and runs under
// its CSP without a violation. Needs /usr/bin/chromium (`apt-get install -y chromium`).
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { documentedPaths } from "../../src/openapi/paths.js";
import { routes } from "../../src/routes.js";
import { createTestApp } from "../helpers/app.js";

const CHROMIUM = "/usr/bin/chromium";
const { app } = await createTestApp();
const server = app.listen(0, "127.0.0.1");
await new Promise<void>((resolve) => server.once("listening", () => resolve()));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server.close(resolve));
});

describe("GET /docs in a browser", () => {
  it(prose`
    when opened, then it renders every route of the document, from this service alone, without CSP violations
  `, async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const outside: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("requestfailed", (req) => problems.push(`failed: ${req.url()} ${req.failure()?.errorText}`));
    // Anything not from this service is refused and recorded: the page must work offline.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
      outside.push(url);
      return route.abort();
    });

    const response = await page.goto(`${origin}/docs`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self'/);

    await page.waitForSelector(".opblock", { timeout: 30_000 });
    // Runs in the page (the test's own TypeScript has no DOM types, hence globalThis).
    await page.waitForFunction(
      (count) => (globalThis as any).document.querySelectorAll(".opblock").length >= count,
      routes.length,
      {
        timeout: 30_000,
      },
    );
    const shown = await page.$$eval(".opblock", (blocks) =>
      blocks.map((block) => ({
        method: block.querySelector(".opblock-summary-method")?.textContent?.trim().toLowerCase(),
        path: block.querySelector(".opblock-summary-path")?.getAttribute("data-path"),
        operationId: block.querySelector(".opblock-summary-operation-id")?.textContent?.trim(),
      })),
    );
    expect(shown.map((s) => `${s.method} ${s.path} ${s.operationId}`).sort()).toEqual(
      // Each under its path in the document (one template per URL: src/openapi/paths.ts).
      routes.map((r) => `${r.method} ${documentedPaths(routes).get(r)!.path} ${r.operationId}`).sort(),
    );
    expect(await page.textContent(".info .title")).toContain("pos-bridge API");
    expect(await page.textContent(".info")).toContain("The sync guarantee");

    expect(outside, "requests to other hosts").toEqual([]);
    expect(problems, "errors in the page").toEqual([]);
    await page.close();
  }, 90_000);
});
