// Walks every page a user can reach from the menu, and one or two detail pages of each kind
// linked from there (an indicator, a place, an order, a task, …), in Chinese mode:
// - no Latin word outside a short allowed list reaches the screen (issue 13 point 7): the
//   failure lists each offending word with the page it is on;
// - at 390 px no page scrolls sideways (point 8): wide tables scroll inside their own box.
// The pages are discovered from the links, not listed here, so a page added to the menu is
// walked without touching this file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, TOWN, signIn, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

// Pages of one kind (`/indicator/T08`, `/indicator/T09`) are walked at most this often.
const PER_KIND = 2;
const MAX_PAGES = 80;

useBrowser();

/** A page's kind: its first path segment and how many segments follow (`indicator/1`). */
function kindOf(url) {
  const segs = new URL(url).pathname.split("/").filter(Boolean);
  return `${segs[0] ?? ""}/${segs.length}`;
}

/** Links worth walking: same site, a page (not the API, a file, a form action or the switch). */
function walkable(href) {
  let u;
  try { u = new URL(href, BASE); } catch { return false; }
  if (u.origin !== new URL(BASE).origin) return false;
  const p = u.pathname;
  if (/^\/(api|static|lang|logout|login|attachments?)\b/.test(p)) return false;
  if (/\/download\b|\.(xlsx|csv|pdf|docx|zip|json|jsonld|geojson|svg)$/.test(p)) return false;
  // Open data are files for other systems, not pages (the public page itself is walked).
  if (/^\/open\//.test(p)) return false;
  return true;
}

/** The links of the current page: the menu's first, then the content's. */
async function links(page) {
  return page.evaluate(() => {
    const hrefs = (sel) => [...document.querySelectorAll(sel)]
      .filter((a) => !a.hasAttribute("download"))
      .map((a) => a.href);
    return { nav: hrefs("header nav a[href]"), main: hrefs("main a[href]") };
  });
}

/**
 * Walks the menu and the pages it links to, breadth first, calling `check(page, url)` on each.
 * Answers the URLs walked.
 */
async function walk(page, seeds, check) {
  await page.goto(`${BASE}/overview`);
  const { nav } = await links(page);
  assert.ok(nav.length > 3, `the menu has links (${nav.join(", ")})`);
  const queue = [...nav, ...seeds.map((s) => `${BASE}${s}`)];
  const seen = new Set();
  const perKind = new Map();
  const walked = [];
  while (queue.length && walked.length < MAX_PAGES) {
    const url = queue.shift();
    const key = new URL(url).pathname + new URL(url).search;
    if (seen.has(key) || !walkable(url)) continue;
    seen.add(key);
    // Menu pages are always walked; detail pages up to PER_KIND of each kind.
    const kind = kindOf(url);
    const isNav = nav.includes(url);
    if (!isNav) {
      if ((perKind.get(kind) ?? 0) >= PER_KIND) continue;
    }
    perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    const resp = await page.goto(url);
    assert.ok(resp && resp.status() < 400, `${url} answers ${resp?.status()}`);
    await page.waitForLoadState("load");
    // Charts draw after load; give them a moment so their labels are checked too.
    if (await page.locator("[data-chart]").count()) {
      await page.waitForSelector("[data-chart] svg", { timeout: 5000 }).catch(() => {});
    }
    walked.push(url);
    await check(page, url);
    const found = await links(page);
    for (const h of [...found.nav, ...found.main]) if (walkable(h)) queue.push(h);
  }
  return walked;
}

const path = (url) => { const u = new URL(url); return u.pathname + u.search; };

for (const login of ["office", `town-${TOWN}`]) {
  test(`${login}: every page in Chinese shows no English word or code`, async (t) => {
    const page = await signIn(login, { width: 1366, height: 768 });
    const problems = [];
    const walked = await walk(page, [`/place/${TOWN}`, `/indicator/T08?place=${TOWN}`], async (p, url) => {
      const words = latinWords(await shownText(p));
      if (words.length) problems.push(`${path(url)}: ${words.join(", ")}`);
    });
    t.diagnostic(`walked ${walked.length} pages: ${walked.map(path).join(" ")}`);
    assert.ok(walked.length >= 10, `walked ${walked.length} pages`);
    assert.deepEqual(problems, [], `Latin words on Chinese pages:\n${problems.join("\n")}`);
    assert.deepEqual(page.consoleErrors, [], "no console errors");
  });

  test(`${login}: no page scrolls sideways at 390 px`, async () => {
    const page = await signIn(login, { width: 390, height: 844 });
    const problems = [];
    let n = 0;
    await walk(page, [`/place/${TOWN}`], async (p, url) => {
      const { scroll, inner, culprit } = await p.evaluate(() => {
        const inner = window.innerWidth;
        // What sticks out, to name in the failure: the element reaching furthest right, or
        // whose own content does, outside any box that scrolls or clips.
        const clipped = (el) => {
          for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== "visible") return true;
          }
          return false;
        };
        let culprit = "";
        let widest = inner;
        for (const el of document.querySelectorAll("body *")) {
          if (clipped(el)) continue;
          const r = el.getBoundingClientRect();
          const right = Math.max(r.right, r.left + el.scrollWidth);
          if (right > widest + 1) {
            widest = right;
            culprit = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""} (${Math.round(right)} px)`;
          }
        }
        return { scroll: document.documentElement.scrollWidth, inner, culprit };
      });
      if (scroll > inner) problems.push(`${path(url)}: ${scroll} px > ${inner} px, ${culprit}`);
      if (n++ < 40 && login === "office") {
        await p.screenshot({ path: `${SHOTS}/walk-390-${String(n).padStart(2, "0")}.png`, fullPage: false });
      }
    });
    assert.deepEqual(problems, [], `pages wider than the phone:\n${problems.join("\n")}`);
  });
}

test("at 390 px the menu is one button that opens and closes, by keyboard too", async () => {
  const page = await signIn("office", { width: 390, height: 844 });
  const toggle = page.locator("header .menu-toggle");
  const nav = page.locator("header nav");
  assert.ok(await toggle.isVisible(), "the menu button shows");
  assert.ok(!(await nav.isVisible()), "the menu starts closed");
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  await toggle.focus();
  await page.keyboard.press("Enter");
  assert.ok(await nav.isVisible(), "Enter opens it");
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement?.closest("nav") != null);
  assert.ok(focused, "Tab moves into the open menu");
  await page.keyboard.press("Escape");
  assert.ok(!(await nav.isVisible()), "Escape closes it");
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("menu-toggle")), true,
    "focus returns to the button");
  await page.screenshot({ path: `${SHOTS}/walk-menu-closed.png` });
  await toggle.click();
  await page.screenshot({ path: `${SHOTS}/walk-menu-open.png` });

  const wide = await signIn("office", { width: 1366, height: 768 });
  assert.ok(!(await wide.locator("header .menu-toggle").isVisible()), "no menu button on a desktop");
  assert.ok(await wide.locator("header nav").isVisible(), "the menu shows on a desktop");
});
