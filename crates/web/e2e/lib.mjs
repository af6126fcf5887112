// What every browser test file shares: the server and screenshot folder from the
// environment, the demo's password, one Chromium per file, and signing in as a demo user
// with the page's console errors collected (`page.consoleErrors`).
import { before, after } from "node:test";
import { chromium } from "playwright-core";

export const BASE = process.env.BASE ?? "http://127.0.0.1:18089";
export const SHOTS = process.env.SHOTS ?? "artifacts/screenshots";
export const PASSWORD = "Demo@2025";
/** A town of the demo whose users are `town-330902002` and `village-330902002001`. */
export const TOWN = "330902002";

let browser;

/** Launches Debian's Chromium before the file's tests and closes it after them. */
export function useBrowser() {
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });
  after(async () => { await browser?.close(); });
  return () => browser;
}

/**
 * A new page signed in as `login` through the sign-in form, on the overview; with
 * `lang: "en"` switched to English after it; `bypassCSP` lets a test inject a script
 * (axe) past the pages' content security policy.
 */
export async function signIn(login, viewport = { width: 1366, height: 768 },
  { lang = "zh", bypassCSP = false } = {}) {
  const page = await browser.newPage({ viewport, locale: "zh-CN", bypassCSP });
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e}`));
  await page.goto(`${BASE}/login`);
  await page.fill("#login", login);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(/\/overview/), page.click("button[type=submit]")]);
  if (lang === "en") await page.goto(`${BASE}/lang?to=en&back=%2Foverview`);
  page.consoleErrors = errors;
  return page;
}

/** Whether the page fits its viewport's width (no sideways scroll of the whole page). */
export async function noPageScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}
