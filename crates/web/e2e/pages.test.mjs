// Browser tests of the pages (node's test runner + playwright-core + Debian's chromium).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, TOWN, signIn, useBrowser } from "./lib.mjs";

useBrowser();

async function t08(page) {
  await page.goto(`${BASE}/overview?period=2025-09`);
  const row = page.locator("tr", { has: page.locator("a", { hasText: "T08" }) });
  return (await row.locator("td.num").nth(1).innerText()).trim();
}

test("sign in, enter a value, see the light and the overview change", async () => {
  const page = await signIn(`town-${TOWN}`);
  assert.match(await page.title(), /驾驶舱/);
  await page.screenshot({ path: `${SHOTS}/01-overview.png`, fullPage: true });
  const before = await t08(page);
  await page.goto(`${BASE}/entry?place=${TOWN}&period=2025-09`);
  await page.fill('input[name="v:T08:value"]', "abc").catch(() => {});
  await page.fill('input[name="v:T08:value"]', "98765");
  await page.click("form[method=post] button.primary");
  await page.waitForSelector(".ok");
  assert.match(await page.locator(".ok").innerText(), /已保存:1 条变更/);
  await page.screenshot({ path: `${SHOTS}/02-entry-saved.png`, fullPage: true });
  const after = await t08(page);
  assert.notEqual(after, before, `T08 should change (${before} → ${after})`);
  await page.screenshot({ path: `${SHOTS}/03-overview-after.png`, fullPage: true });
  assert.deepEqual(page.consoleErrors, [], "no console errors (CSP)");
});

test("upload a bad file and see the exact error", async () => {
  const page = await signIn(`town-${TOWN}`);
  await page.goto(`${BASE}/upload`);
  const csv = `指标编码,地点编码,期间,数值\nT08,${TOWN},2025-09,12\nT08,${TOWN},2025-08,abc\n`;
  await page.setInputFiles("#file", { name: "values.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.click("button.primary");
  await page.waitForSelector("#upload-errors");
  const text = await page.locator("#upload-errors").innerText();
  assert.match(text, /第3行/);
  assert.match(text, /D列/);
  assert.match(text, /abc/);
  await page.screenshot({ path: `${SHOTS}/04-upload-errors.png`, fullPage: true });
});

test("a village reporter cannot see another village's form", async () => {
  const page = await signIn("viewer");
  // Find the demo village reporter's village and a sibling village.
  await page.goto(`${BASE}/api/v1/places?under=${TOWN}&depth=1`);
  const places = JSON.parse(await page.locator("body").innerText());
  await page.close();
  const villages = places.filter((p) => p.parent === TOWN).map((p) => p.code);
  const own = villages[0];
  const other = villages[1];
  const v = await signIn(`village-${own}`, { width: 390, height: 844 });
  await v.goto(`${BASE}/entry?place=${other}&period=2025-09`);
  const options = await v.locator("#place option").evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, [own]);
  assert.equal(await v.locator('input[name="place"][type=hidden]').getAttribute("value"), own);
  const otherName = places.find((p) => p.code === other).name;
  assert.ok(!(await v.content()).includes(otherName), "no trace of the other village");
  await v.screenshot({ path: `${SHOTS}/05-village-entry-phone.png`, fullPage: true });
});

test("indicator page with charts, and English", async () => {
  const page = await signIn("office");
  await page.goto(`${BASE}/indicator/T08?place=330902`);
  await page.waitForSelector("[data-chart] svg", { timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/06-indicator.png`, fullPage: true });
  await page.goto(`${BASE}/lang?to=en&back=/overview`);
  assert.match(await page.content(), /on track/);
  await page.screenshot({ path: `${SHOTS}/07-overview-en.png`, fullPage: true });
  assert.deepEqual(page.consoleErrors, [], "no console errors (CSP)");
});

test("key-task targets page: by domain and lead unit, filter, phone width, English", async () => {
  // Read-only: other files write figures, so nothing here depends on a count they change.
  const page = await signIn("viewer");
  await page.goto(`${BASE}/key-targets`);
  assert.match(await page.title(), /重点任务目标/);
  assert.ok(await page.locator("table.key-targets tbody tr").count() > 0, "rows listed");
  assert.match(await page.content(), /(推算)/, "derived targets marked");
  // Filter to one lead unit: every heading names it.
  await page.selectOption("#kt-unit", "区卫健局");
  await Promise.all([page.waitForURL(/unit=/), page.click("form.inline button[type=submit]")]);
  const units = await page.locator("main h3").allInnerTexts();
  assert.ok(units.length > 0 && units.every((u) => u.includes("区卫健局")), units.join(" | "));
  await page.screenshot({ path: `${SHOTS}/40-key-targets.png`, fullPage: true });
  // A phone: no sideways scrolling of the page itself (wide tables scroll in their box).
  const phone = await signIn("viewer", { width: 390, height: 844 });
  await phone.goto(`${BASE}/key-targets`);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page wider than the phone by ${overflow}px`);
  await phone.screenshot({ path: `${SHOTS}/41-key-targets-phone.png`, fullPage: true });
  await page.goto(`${BASE}/lang?to=en&back=/key-targets`);
  assert.match(await page.content(), /Key-task targets/);
  await page.goto(`${BASE}/lang?to=zh&back=/overview`);
  assert.deepEqual(page.consoleErrors, [], "no console errors (CSP)");
  assert.deepEqual(phone.consoleErrors, [], "no console errors (CSP)");
});
