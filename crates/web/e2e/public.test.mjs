// Browser test of the public dashboard (issue 18 point 2): /public without signing in, on
// a phone (390 px), with JavaScript turned off — the figures are server-rendered tables —
// and, with JavaScript, axe-core finds no serious or critical violation, the page fits the
// phone's width, a Chinese page shows no English word, the English switch works. The demo
// publishes past periods (2024, 2025Q1, 2025Q2 with a correction); this file only reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { BASE, SHOTS, noPageScroll, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const PHONE = { width: 390, height: 844 };
const browser = useBrowser();

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  });
}

test("/public is readable on a phone without JavaScript and without signing in", async () => {
  const context = await browser().newContext({ viewport: PHONE, locale: "zh-CN", javaScriptEnabled: false });
  const page = await context.newPage();
  const resp = await page.goto(`${BASE}/public`);
  assert.equal(resp.status(), 200);
  assert.ok(!page.url().includes("/login"), "no sign-in asked");
  const html = await page.content();
  assert.match(html, /<h1>[^<]*公开数据<\/h1>/);
  assert.match(html, /七个领域/);
  assert.match(html, /主要指标/);
  assert.match(html, /<svg class="spark"/, "trends drawn on the server");
  assert.match(html, /更正说明/, "the demo's correction is shown with its note");
  assert.doesNotMatch(html, /<script/);
  await page.screenshot({ path: `${SHOTS}/public-390-nojs.png`, fullPage: false });
  await context.close();
});

test("/public passes axe, fits 390 px and speaks one language at a time", async () => {
  const context = await browser().newContext({ viewport: PHONE, locale: "zh-CN", bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/public`);
  assert.deepEqual(await axe(page), []);
  assert.ok(await noPageScroll(page), "no sideways scroll at 390 px");
  assert.deepEqual(latinWords(await shownText(page)), [], "no English word on the Chinese page");
  await page.goto(`${BASE}/lang?to=en&back=%2Fpublic`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  assert.match(await page.locator("h1").innerText(), /published figures/);
  assert.deepEqual(await axe(page), []);
  await page.goto(`${BASE}/lang?to=zh&back=%2Fpublic`);
  await context.close();
});

test("the open data and the embeddable chart are reachable from the page", async () => {
  const context = await browser().newContext({ viewport: PHONE, locale: "zh-CN" });
  const page = await context.newPage();
  await page.goto(`${BASE}/public`);
  const csv = await page.locator("a[href$='/figures.csv']").first().getAttribute("href");
  const r = await page.request.get(`${BASE}${csv}`);
  assert.equal(r.status(), 200);
  const body = await r.body();
  assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 with BOM");
  const chart = await page.locator("a[href$='/chart.svg']").first().getAttribute("href");
  const svg = await page.request.get(`${BASE}${chart}`);
  assert.equal(svg.headers()["content-type"], "image/svg+xml");
  await context.close();
});

test("the survey results and the 15-minute circle show once published, in both languages", async () => {
  // The demo publishes its two survey rounds' results and the circle (version 1).
  const context = await browser().newContext({ viewport: PHONE, locale: "zh-CN", javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${BASE}/public`);
  const html = await page.content();
  assert.match(html, /<h2 id="survey">群众满意度调查<\/h2>/);
  assert.match(html, /<h2 id="circle">15分钟公共服务圈<\/h2>/);
  assert.match(html, /计算依据:/);
  assert.match(html, /\d+\.\d 分/, "the index with its unit");
  assert.match(html, /\d+\.\d%/, "coverage in per cent");
  const csv = await page.request.get(`${BASE}/open/v1/circle.csv`);
  assert.equal(csv.status(), 200);
  assert.deepEqual([...(await csv.body()).subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 with BOM");
  await context.close();
  const js = await browser().newContext({ viewport: PHONE, locale: "zh-CN", bypassCSP: true });
  const p2 = await js.newPage();
  await p2.goto(`${BASE}/public#circle`);
  assert.deepEqual(await axe(p2), []);
  assert.ok(await noPageScroll(p2), "the wide tables scroll inside their region at 390 px");
  await p2.goto(`${BASE}/lang?to=en&back=%2Fpublic`);
  const en = await p2.content();
  assert.match(en, /The 15-minute public-service circle/);
  assert.match(en, /Satisfaction survey/);
  assert.doesNotMatch(en, /计算依据|基本服务全部可达/);
  assert.deepEqual(await axe(p2), []);
  await p2.goto(`${BASE}/lang?to=zh&back=%2Fpublic`);
  await js.close();
});
