// Browser test of 服务达标 (/compliance) (node's test runner + playwright-core + Debian's
// chromium): the matrix of the demo's sample catalogue, items × towns worst first, a cell
// opened to read why (the nearest facility, its distance, 直线估算), no stray Latin word,
// and the page fits a phone. Other files run against the same server at the same time:
// this file writes nothing and counts nothing others change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, noPageScroll, signIn, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

useBrowser();

test("the matrix explains a cell when it is opened", async () => {
  const page = await signIn("office", { width: 1440, height: 900 });
  await page.goto(`${BASE}/compliance?year=2025`);
  assert.match(await page.locator("h1").innerText(), /服务达标/);
  assert.match(await page.locator("main").innerText(), /基本公共服务清单\(样例\)/);
  // A facility cell: opened, it names the facility's distance on the straight-line basis.
  const cell = page.locator(".cm details", { hasText: /达标|未达标/ }).filter({ has: page.locator("li", { hasText: "直线估算" }) }).first();
  await cell.locator("summary").click();
  const why = await cell.locator("ul").innerText();
  assert.match(why, /米、步行 [\d.]+ 分钟\(直线估算\)/);
  assert.deepEqual(latinWords(await shownText(page)), [], "no stray Latin word on the Chinese page");
  await page.screenshot({ path: `${SHOTS}/compliance-1440.png`, fullPage: false });
  assert.ok(await noPageScroll(page), "no sideways scroll at 1440 px");
  // The aspect filter keeps only that aspect's items.
  await page.selectOption("#cm-aspect", "elderly");
  await Promise.all([page.waitForURL(/aspect=elderly/), page.click("form.filters button[type=submit]")]);
  const rows = await page.locator(".cm tbody th").allInnerTexts();
  assert.ok(rows.length > 0 && rows.every((r) => /DHLY-/.test(r)), rows.join(" / "));
  assert.deepEqual(page.consoleErrors, []);
  await page.close();
});

test("the matrix fits a phone", async () => {
  for (const width of [390, 320]) {
    const page = await signIn("viewer", { width, height: 844 });
    await page.goto(`${BASE}/compliance?year=2025`);
    assert.ok(await noPageScroll(page), `no sideways scroll at ${width} px`);
    // A viewer reads and has no report form.
    assert.equal(await page.locator("#report-form").count(), 0);
    if (width === 390) await page.screenshot({ path: `${SHOTS}/compliance-390.png`, fullPage: false });
    await page.close();
  }
});
