// Accessibility (issue 24; GB/T 37668-2019, WCAG 2.0 AA):
// - axe-core (an npm dev-dependency of this folder, injected at test time, never copied into
//   the repository) on every page of the router (PAGES below, and any menu link not listed)
//   in both languages, as every role of the demo that can see it (a page answering 403 is
//   one the role cannot see): any serious or critical violation fails, listed with its
//   page, language, role and element;
// - on the same walk, at 320 CSS px no page is wider than the window (text wraps; wide
//   tables scroll inside their own keyboard-reachable box);
// - a Chinese page shows no English word or internal code, an English page none of the
//   application's own Chinese (dates, counters, totals, states: words.mjs) and says
//   `<html lang="en">`;
// - the keyboard alone completes a data entry and its submission.
// One browser for the whole file; one signed-in page per role and language, reused.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, PASSWORD, TOWN, signIn, useBrowser } from "./lib.mjs";
import { createRequire } from "node:module";
import { appChinese, latinWords, shownText } from "./words.mjs";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
// Every role the demo has a user for: programme office, lead department, the 区民政局
// (the assistance pages' full rights), town, village, viewer, and the three administrators
// kept apart.
const LOGINS = ["office", "wjj", "mzj", `town-${TOWN}`, `village-${TOWN}001`, "viewer", "admin",
  "security", "auditor"];
// Every page of the router (crates/web/src/*.rs), one line each: a path, or a detail page
// as the first link on its list page whose path matches. A page a role cannot see (403) or
// a detail page with nothing to link to is left out for that role.
const PAGES = [
  "/overview",
  "/place/330902",
  `/place/${TOWN}`,
  "/indicator/T08",
  `/indicator/T08?place=${TOWN}`,
  "/entry",
  "/upload",
  "/approvals",
  "/completeness",
  "/audit",
  "/my",
  "/tasks",
  { from: "/tasks", link: /^\/tasks\/[^/]+$/ },
  "/weekly",
  "/ranking",
  "/targets",
  { from: "/targets", link: /^\/targets\/[^/]+\/\d{4}$/ },
  "/orders",
  { from: "/orders", link: /^\/orders\/[^/]+$/ },
  "/inbox",
  "/reports",
  "/problems",
  { from: "/problems", link: /^\/problems\/note$/ },
  "/password",
  "/key-targets",
  "/projects",
  "/livelihood",
  "/facilities",
  "/circle",
  "/compliance",
  "/assess",
  "/reports/yearly",
  "/units",
  "/publish",
  "/survey",
  { from: "/survey", link: /^\/survey\/round\/[^/]+$/ },
  "/survey/categories",
  "/survey/fieldwork",
  { from: "/survey/fieldwork", link: /^\/survey\/fieldwork\/[^/]+$/ },
  `/s/${encodeURIComponent("2025年秋季满意度回访(演示)")}`,
  // 困难群众 and its pages (a household, a 幸福清单), as each role's rights allow.
  "/assist",
  { from: "/assist", link: /^\/assist\/H[^/]+$/ },
  "/assist/new",
  "/assist/standards",
  "/assist/lists",
  { from: "/assist/lists", link: /^\/assist\/lists\/[^/]+$/ },
  "/assist/dispatch",
  "/assist/resources",
  "/assist/visits",
  "/assist/flags",
  "/assist/rules",
];

const browser = useBrowser();

/** The first link of the current page whose path matches `re`. */
async function firstLink(page, re) {
  const hrefs = await page.evaluate(() => [...document.querySelectorAll("main a[href]")]
    .filter((a) => !a.hasAttribute("download")).map((a) => a.href));
  return hrefs.find((h) => { const u = new URL(h); return u.origin === new URL(BASE).origin && re.test(u.pathname); });
}

/** PAGES as this role reaches them, then the menu's links not listed (a new page). */
async function* pages(page) {
  await page.goto(`${BASE}/overview`);
  const nav = await page.evaluate(() => [...document.querySelectorAll("header nav a[href]")].map((a) => a.href));
  const listed = new Set(PAGES.filter((p) => typeof p === "string").map((p) => new URL(p, BASE).pathname));
  const extra = nav.map((h) => new URL(h)).filter((u) => !listed.has(u.pathname)).map((u) => u.pathname + u.search);
  for (const entry of [...PAGES, ...extra]) {
    let url = entry;
    if (typeof entry !== "string") {
      const resp = await page.goto(`${BASE}${entry.from}`);
      if (!resp || resp.status() >= 400) continue;
      url = await firstLink(page, entry.link);
      if (!url) continue;
    }
    const resp = await page.goto(new URL(url, BASE).href);
    const status = resp?.status() ?? 0;
    if (status === 403) continue;
    assert.ok(status > 0 && status < 400, `${url} answers ${status}`);
    if (await page.locator("[data-chart]").count()) {
      await page.waitForSelector("[data-chart] svg, [data-chart] canvas", { timeout: 5000 }).catch(() => {});
    }
    const u = new URL(page.url());
    yield u.pathname + u.search;
  }
}

/** Axe's serious and critical violations on the current page. */
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  });
}

/** What is wrong with the words of the current page in `lang`. */
async function words(page, lang) {
  if (lang === "zh") {
    const bad = latinWords(await shownText(page));
    return bad.length ? [`English words or codes: ${bad.join(", ")}`] : [];
  }
  const problems = [];
  const htmlLang = await page.evaluate(() => document.documentElement.lang);
  if (htmlLang !== "en") problems.push(`<html lang="${htmlLang}">`);
  const bad = appChinese(await page.evaluate(() => `${document.title}\n${document.body.innerText}`));
  if (bad.length) problems.push(`the application's Chinese: ${bad.join("; ")}`);
  return problems;
}

// In Chinese axe checks every page as every role that can see it (what differs between
// roles is which controls a page offers); in English every page once, as the first role
// that reaches it (the same page in other words), with the width and words checked as
// every role. Two roles walk at a time: the browser waits on the server as often as not.
const axedEn = new Set();

for (const lang of ["zh", "en"]) {
  test(`sign-in page (${lang}): no serious or critical axe violation`, async () => {
    const page = await browser().newPage({ viewport: { width: 320, height: 720 }, locale: "zh-CN", bypassCSP: true });
    if (lang === "en") await page.goto(`${BASE}/lang?to=en&back=%2Flogin`);
    await page.goto(`${BASE}/login`);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(await words(page, lang), []);
    await page.close();
  });
  describe(`every page (${lang})`, { concurrency: 2 }, () => {
  for (const login of LOGINS) {
    test(`${login} (${lang}): every page passes axe, fits 320 px and speaks one language`, async (t) => {
      const page = await signIn(login, { width: 320, height: 720 }, { lang, bypassCSP: true });
      const problems = [];
      const walked = [];
      for await (const path of pages(page)) {
        walked.push(path);
        const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (over > 0) problems.push(`${path}: ${over} px wider than 320 px`);
        for (const w of await words(page, lang)) problems.push(`${path}: ${w}`);
        if (login === "office" && lang === "en") {
          const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "");
          await page.screenshot({ path: `${SHOTS}/a11y-en-320-${name}.png`, fullPage: true });
        }
        const kind = path.replace(/\?.*$/, "");
        if (lang === "en" && axedEn.has(kind)) continue;
        if (lang === "en") axedEn.add(kind);
        for (const f of await axe(page)) problems.push(`${path}: ${f}`);
      }
      t.diagnostic(`walked ${walked.length} pages: ${walked.join(" ")}`);
      assert.ok(walked.length >= 4, `walked ${walked.join(" ")}`);
      assert.deepEqual(problems, [], `${login} (${lang}):\n${problems.join("\n")}`);
      await page.close();
    });
  }
  });
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
  const page = await browser().newPage({ viewport: { width: 1280, height: 800 }, locale: "zh-CN" });
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
