// Browser test of 设施名录 (/facilities) (node's test runner + playwright-core + Debian's
// chromium): a town's reporter registers a facility of its own through the form, finds it
// in the filtered list, sees the map drawn on the town boundaries, and the page shows no
// stray Latin word and fits a phone. Other files run against the same server at the same
// time: this file adds its own facility under a code of its own and counts nothing else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, TOWN, noPageScroll, signIn, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

useBrowser();

test("a town registers its own facility through the form and finds it on the list", async () => {
  const town = await signIn(`town-${TOWN}`, { width: 1440, height: 900 });
  await town.goto(`${BASE}/facilities`);
  assert.match(await town.locator("h1").innerText(), /设施名录/);
  // A code like the register's own (SS + digits), so the Chinese pages stay clean.
  const code = `SS${100000 + (Date.now() % 900000)}`;
  await town.fill("#fa-code", code);
  await town.fill("#fa-name", "浏览器测试幸福食堂");
  await town.selectOption("#fa-type", "canteen");
  await town.selectOption("#fa-place", TOWN);
  await town.fill("#fa-lon", "122.101");
  await town.fill("#fa-lat", "30.021");
  await town.fill("#fa-cap", "40");
  await town.selectOption("#fa-status", "open");
  await town.fill("#fa-opened", "2024-05-01");
  await town.fill("#fa-items", "DHLY-01");
  await Promise.all([town.waitForURL(/\/facilities\?ok=/), town.click("#facility-form + form button[type=submit]")]);
  await town.goto(`${BASE}/facilities?type=canteen&place=${TOWN}`);
  const row = town.locator("tr", { hasText: code });
  assert.match(await row.innerText(), /浏览器测试幸福食堂/);
  assert.match(await row.innerText(), /40 餐位/);
  assert.match(await row.innerText(), /运行中/);
  // The map: drawn (an SVG) when the demo's boundaries are there.
  await town.waitForSelector(".facility-map svg", { timeout: 10000 });
  assert.deepEqual(latinWords(await shownText(town)), [], "no stray Latin word on the Chinese page");
  await town.waitForTimeout(1000); // the points fade in
  await town.screenshot({ path: `${SHOTS}/facilities-1440.png`, fullPage: false });
  assert.ok(await noPageScroll(town), "no sideways scroll at 1440 px");
  assert.deepEqual(town.consoleErrors, []);
  await town.close();
});

test("the register fits a phone", async () => {
  const page = await signIn("viewer", { width: 390, height: 844 });
  await page.goto(`${BASE}/facilities`);
  assert.ok(await noPageScroll(page), "no sideways scroll at 390 px");
  // A viewer reads the register and has no form.
  assert.equal(await page.locator("#facility-form").count(), 0);
  await page.screenshot({ path: `${SHOTS}/facilities-390.png`, fullPage: false });
  await page.close();
});
