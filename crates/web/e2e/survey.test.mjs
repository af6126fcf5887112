// Browser test of the public survey answer page (issue 17 point 2): the demo's open round
// answered with an invitation on a phone (390 px) with JavaScript turned off — a plain
// form, validated on the server — then the same invitation refused; the page fits 320 px
// and a Chinese page shows no English word. Only this file uses the demo's invitations
// DEMO-002-0021 … 0040 (one per run; the first unused is taken).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, noPageScroll, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

const PHONE = { width: 390, height: 844 };
const browser = useBrowser();

/** The first of the file's invitations still unused (its page answers 200). */
async function freshToken(request) {
  for (let k = 21; k <= 40; k++) {
    const token = `DEMO-002-${String(k).padStart(4, "0")}`;
    const r = await request.get(`${BASE}/s/t/${token}`);
    if (r.status() === 200) return token;
  }
  throw new Error("every test invitation was used: reload the demo");
}

test("an invitation answers once, on a phone, without JavaScript", async () => {
  const context = await browser().newContext({ viewport: PHONE, locale: "zh-CN", javaScriptEnabled: false });
  const page = await context.newPage();
  const token = await freshToken(page.request);
  const resp = await page.goto(`${BASE}/s/t/${token}`);
  assert.equal(resp.status(), 200);
  assert.ok(!page.url().includes("/login"), "no sign-in asked");
  const html = await page.content();
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /仅当“您家中是否有3岁以下的孩子？”选“是”时作答/, "conditions stated");
  await page.screenshot({ path: `${SHOTS}/survey-390-nojs.png`, fullPage: false });
  // A wrong age: the problem next to its question, the other answers kept.
  await page.fill("#f-age", "12");
  await page.check("input[name=has_young_child][value=no]");
  await page.check("input[name=xy1][value='4']");
  await page.check("input[name=needs][value=yanglao]");
  await page.waitForTimeout(3200);
  await Promise.all([page.waitForLoadState(), page.click("button[type=submit]")]);
  assert.match(await page.locator("#e-age").innerText(), /年龄应在18至120岁之间/);
  assert.ok(await page.isChecked("input[name=needs][value=yanglao]"), "answers kept");
  await page.screenshot({ path: `${SHOTS}/survey-390-error.png`, fullPage: false });
  await page.fill("#f-age", "36");
  await page.waitForTimeout(3200);
  await Promise.all([page.waitForURL(/\/thanks$/), page.click("button[type=submit]")]);
  assert.match(await page.locator("h1").innerText(), /感谢您的参与/);
  await page.screenshot({ path: `${SHOTS}/survey-390-thanks.png`, fullPage: false });
  // The same invitation again: refused.
  const again = await page.goto(`${BASE}/s/t/${token}`);
  assert.equal(again.status(), 409);
  assert.match(await page.locator("main").innerText(), /已使用/);
  await context.close();
});

test("the answer page fits 320 px and speaks Chinese", async () => {
  const context = await browser().newContext({ viewport: { width: 320, height: 640 }, locale: "zh-CN" });
  const page = await context.newPage();
  const resp = await page.goto(`${BASE}/s/t/DEMO-002-0001`);
  assert.ok([200, 409].includes(resp.status()));
  const open = await page.goto(`${BASE}/s/${encodeURIComponent("2025年秋季满意度回访(演示)")}`);
  assert.equal(open.status(), 200, "the demo offers the open link");
  assert.ok(await noPageScroll(page), "no sideways scroll at 320 px");
  assert.deepEqual(latinWords(await shownText(page)), [], "no English word on the Chinese page");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: `${SHOTS}/survey-1440-open.png`, fullPage: false });
  await context.close();
});
