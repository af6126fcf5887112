// Browser test of 考核评价 (/assess) (node's test runner + playwright-core + Debian's
// chromium): the office opens a unit's row to its items' explanation and publishes a version
// with a note; a department sees its own row only; the page fits 1440 px and 390 px without
// a sideways scroll. Other files run against the same server at the same time: this file
// counts no versions, it only reads the notice of the one it publishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, noPageScroll, signIn, useBrowser } from "./lib.mjs";

useBrowser();

test("the office opens a row's explanation and publishes a version", async () => {
  const page = await signIn("office", { width: 1440, height: 900 });
  await page.goto(`${BASE}/assess?year=2024&by=department`);
  assert.match(await page.locator("h1").innerText(), /2024年度部门考核评价/);
  const rows = page.locator("#assess tbody tr.assess-row");
  assert.ok((await rows.count()) > 3, "every department is listed");
  const first = rows.first();
  await first.locator("summary").click();
  const items = await first.locator("details.assess-items").innerText();
  assert.match(items, /指标年度目标完成/);
  // The demo publishes its 2024 survey round in 2024: the department's item is the mean of
  // the district's indices for the domains it leads.
  assert.match(items, /满意度调查得分 [\d.]+ 分/, "the published survey is scored");
  assert.match(await page.locator("pre.rule").innerText(), /考核项目及权重/);
  await page.screenshot({ path: `${SHOTS}/assess-1440.png`, fullPage: false });
  assert.ok(await noPageScroll(page), "no sideways scroll at 1440 px");
  await page.selectOption("#by", "town");
  await Promise.all([page.waitForURL(/by=town/), page.click("form.inline button[type=submit]")]);
  await page.fill("#assess-publish input[name=note]", "浏览器测试发布");
  await Promise.all([page.waitForURL(/\/assess\?.*ok=/), page.click("#assess-publish button[type=submit]")]);
  assert.match(await page.locator("div.ok").innerText(), /已发布第 \d+ 版/);
  assert.match(await page.locator("#assess-versions").innerText(), /浏览器测试发布/);
  await page.close();
});

test("a department sees its own row, and the page fits a phone", async () => {
  const page = await signIn("wjj", { width: 390, height: 844 });
  await page.goto(`${BASE}/assess?year=2024&by=department`);
  const rows = page.locator("#assess tbody tr.assess-row");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /区卫健局/);
  assert.equal(await page.locator("#assess-publish").count(), 0, "no publish button for a unit");
  assert.ok(await noPageScroll(page), "no sideways scroll at 390 px");
  await page.screenshot({ path: `${SHOTS}/assess-390.png`, fullPage: false });
  await page.close();
});
