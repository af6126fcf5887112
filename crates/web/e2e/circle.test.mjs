// Browser test of 15分钟公共服务圈 (/circle) (node's test runner + playwright-core + Debian's
// chromium): the office reads the coverage per town with its basis (the demo has no
// network: 直线估算 is on the page), the gap map is drawn, the siting suggestions follow
// the chosen type, the page shows no stray Latin word and fits a phone. It changes
// nothing, so other files running against the same server do not disturb it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, noPageScroll, signIn, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

useBrowser();

test("the office reads the circle: coverage per town, basis, gap map, siting", async () => {
  const page = await signIn("office", { width: 1440, height: 900 });
  await page.goto(`${BASE}/circle`);
  assert.match(await page.locator("h1").innerText(), /15分钟公共服务圈/);
  const text = await page.locator("main").innerText();
  assert.match(text, /直线估算/, "the basis is named");
  assert.match(text, /OpenStreetMap/, "the credit is shown");
  assert.match(text, /全部达标/);
  assert.match(text, /\d+\.\d%/, "coverage in per cent");
  await page.selectOption("#c-type", "primary_school");
  await Promise.all([page.waitForURL(/type=primary_school/), page.click("form.filters button[type=submit]")]);
  assert.match(await page.locator("main").innerText(), /选址建议/);
  await page.waitForSelector(".facility-map svg", { timeout: 10000 });
  assert.deepEqual(latinWords(await shownText(page)), [], "no stray Latin word on the Chinese page");
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${SHOTS}/circle-1440.png`, fullPage: false });
  assert.ok(await noPageScroll(page), "no sideways scroll at 1440 px");
  assert.deepEqual(page.consoleErrors, []);
  await page.close();
});

test("the circle fits a phone and speaks English", async () => {
  for (const width of [390, 320]) {
    const page = await signIn("viewer", { width, height: 844 });
    await page.goto(`${BASE}/circle`);
    assert.ok(await noPageScroll(page), `no sideways scroll at ${width} px`);
    await page.screenshot({ path: `${SHOTS}/circle-${width}.png`, fullPage: false });
    await page.close();
  }
  const en = await signIn("viewer", { width: 1440, height: 900 }, { lang: "en" });
  await en.goto(`${BASE}/circle`);
  assert.match(await en.locator("main").innerText(), /straight-line estimate/);
  await en.close();
});

test("the API answers the circle with its basis and credit", async () => {
  const page = await signIn("viewer", { width: 1440, height: 900 });
  const r = await page.request.get(`${BASE}/api/v1/circle`);
  assert.equal(r.status(), 200);
  const body = await r.json();
  assert.equal(body.basis.kind, "straight_line");
  assert.match(body.basis_label, /直线估算/);
  assert.match(body.credit, /OpenStreetMap/);
  assert.ok(body.places.length > 0);
  const s = await page.request.get(`${BASE}/api/v1/circle/sites?type=nowhere`);
  assert.equal(s.status(), 404);
  await page.close();
});
