// Accessibility (issue 24; GB/T 37668-2019, WCAG 2.0 AA):
// - axe-core (an npm dev-dependency of this folder, injected at test time, never copied into
//   the repository) on every page reachable from the menu and one page of each detail kind,
//   in both languages, as every role of the demo: any serious or critical violation fails,
//   listed with its page, language and element;
// - on the same walk, at 320 CSS px no page is wider than the window (text wraps; wide
//   tables scroll inside their own box);
// - the keyboard alone completes a data entry and its submission.
// One browser for the whole file; one page per role and language.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const BASE = process.env.BASE ?? "http://127.0.0.1:18089";
const PASSWORD = "Demo@2025";
const TOWN = "330902002";
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
// Every role the demo has a user for: programme office, lead department, town, village,
// viewer, and the three administrators kept apart.
const LOGINS = ["office", "wjj", `town-${TOWN}`, `village-${TOWN}001`, "viewer", "admin",
  "security", "auditor"];
const MAX_PAGES = 40;
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});
after(async () => { await browser?.close(); });

async function signIn(login, lang, viewport) {
  // The pages' CSP forbids inline script; axe is injected by the test, so it is let through.
  const page = await browser.newPage({ viewport, locale: "zh-CN", bypassCSP: true });
  await page.goto(`${BASE}/login`);
  await page.fill("#login", login);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(/\/overview/), page.click("button[type=submit]")]);
  if (lang === "en") await page.goto(`${BASE}/lang?to=en&back=%2Foverview`);
  return page;
}

function walkable(href) {
  let u;
  try { u = new URL(href, BASE); } catch { return false; }
  if (u.origin !== new URL(BASE).origin) return false;
  if (/^\/(api|static|lang|logout|login|attachments?)\b/.test(u.pathname)) return false;
  return !/\/download\b|\.(xlsx|csv|pdf|docx|zip|json|geojson)$/.test(u.pathname);
}

/** The menu's pages, then one page of each other kind linked from them. */
async function* pages(page, seeds) {
  await page.goto(`${BASE}/overview`);
  const hrefs = (sel) => page.evaluate((s) => [...document.querySelectorAll(s)]
    .filter((a) => !a.hasAttribute("download")).map((a) => a.href), sel);
  const nav = await hrefs("header nav a[href]");
  const queue = [`${BASE}/overview`, ...nav, ...seeds.map((s) => `${BASE}${s}`)];
  const seen = new Set();
  const kinds = new Set();
  let n = 0;
  while (queue.length && n < MAX_PAGES) {
    const url = queue.shift();
    if (!walkable(url)) continue;
    const u = new URL(url);
    const segs = u.pathname.split("/").filter(Boolean);
    const kind = `${segs[0] ?? ""}/${segs.length}`;
    if (seen.has(u.pathname + u.search) || (!nav.includes(url) && kinds.has(kind))) continue;
    seen.add(u.pathname + u.search);
    kinds.add(kind);
    const resp = await page.goto(url);
    assert.ok(resp && resp.status() < 400, `${url} answers ${resp?.status()}`);
    if (await page.locator("[data-chart]").count()) {
      await page.waitForSelector("[data-chart] svg, [data-chart] canvas", { timeout: 5000 }).catch(() => {});
    }
    n += 1;
    yield u.pathname + u.search;
    for (const h of await hrefs("main a[href]")) queue.push(h);
  }
}

// A page is axe-checked once per language, as the first role that reaches it (what differs
// between roles is which pages and buttons they get, not how a page is built); every role
// walks all its pages for the width check.
const checked = { zh: new Set(), en: new Set() };

for (const lang of ["zh", "en"]) {
  for (const login of LOGINS) {
    test(`${login} (${lang}): no serious or critical axe violation; nothing wider than 320 px`, async (t) => {
      const page = await signIn(login, lang, { width: 320, height: 720 });
      const problems = [];
      const wide = [];
      const walked = [];
      for await (const path of pages(page, [`/place/${TOWN}`, `/indicator/T08?place=${TOWN}`])) {
        walked.push(path);
        const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (over > 1) wide.push(`${path}: ${over} px too wide`);
        const kind = path.replace(/\?.*$/, "").replace(/\/[^/]*\d[^/]*$/, "/…");
        if (checked[lang].has(kind)) continue;
        checked[lang].add(kind);
        await page.addScriptTag({ path: AXE });
        const found = await page.evaluate(async () => {
          const r = await window.axe.run(document, { resultTypes: ["violations"] });
          return r.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
        });
        for (const f of found) problems.push(`${path}: ${f}`);
      }
      t.diagnostic(`walked ${walked.length} pages`);
      assert.ok(walked.length >= 1, `walked ${walked.join(" ")}`);
      assert.deepEqual(problems, [], `axe (${lang}, ${login}):\n${problems.join("\n")}`);
      assert.deepEqual(wide, [], `wider than 320 px (${lang}, ${login}):\n${wide.join("\n")}`);
      await page.close();
    });
  }
}

/** Presses Tab until the focused element matches `selector` (at most `max` times). */
async function tabTo(page, selector, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  assert.fail(`the keyboard never reached ${selector}`);
}

test("the keyboard alone enters a figure and submits it for review", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: "zh-CN" });
  await page.goto(`${BASE}/login`);
  await tabTo(page, "#login");
  await page.keyboard.type(`town-${TOWN}`);
  await tabTo(page, "#password");
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForURL(/\/overview/), page.keyboard.press("Enter")]);
  // The skip link comes first and leads past the menu.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("href")), "#main");
  await tabTo(page, 'header a[href="/entry"]');
  await Promise.all([page.waitForURL(/\/entry/), page.keyboard.press("Enter")]);
  // A month with nothing stored yet — the demo day's own (2025-10; a month not yet begun
  // would make its year the latest with data, for every page the other files look at).
  await tabTo(page, "#period");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("2025-10");
  await Promise.all([page.waitForURL(/period=2025-10/), page.keyboard.press("Enter")]);
  const field = 'input[name="v:T08:value"]';
  await tabTo(page, field);
  // The input says which figure it is: indicator, component and unit.
  const name = await page.evaluate(() => {
    const el = document.activeElement;
    return document.querySelector(`label[for="${CSS.escape(el.id)}"]`).textContent.replace(/\s+/g, " ");
  });
  assert.match(name, /T08 .*数值.*万人次/);
  await page.keyboard.type("1.5");
  await tabTo(page, 'button[value="submit"]');
  await Promise.all([page.waitForLoadState("load"), page.keyboard.press("Enter")]);
  await page.waitForSelector(".ok");
  assert.match(await page.locator(".ok").innerText(), /已保存:1 条变更.*已提交审核 1 条/s);
  await page.close();
});
