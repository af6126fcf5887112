// Browser test of 重大公共服务项目 (/projects) and 民生实事 (/livelihood) (node's test
// runner + playwright-core + Debian's chromium): the lead unit registers a project through
// the form and finds it in the register with its light; the pages fit 1440 px and 390 px
// without a sideways scroll of the page. Other files run against the same server at the
// same time: this file adds its own project under a code of its own and counts nothing else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, noPageScroll, signIn, useBrowser } from "./lib.mjs";

useBrowser();

test("the lead unit registers a project through the form and sees its light", async () => {
  const wjj = await signIn("wjj", { width: 1440, height: 900 });
  await wjj.goto(`${BASE}/projects`);
  assert.match(await wjj.locator("h1").innerText(), /重大公共服务项目/);
  assert.match(await wjj.locator("#project-total").innerText(), /89\.88亿元/);
  // A code like the register's own (XM + digits), so the Chinese pages other files check stay clean.
  const code = `XM${100000 + (Date.now() % 900000)}`;
  await wjj.fill("#project-form input[name=code]", code);
  await wjj.fill("#project-form input[name=name]", "浏览器测试卫生服务站");
  await wjj.selectOption("#project-form select[name=domain]", "BY");
  await wjj.fill("#project-form input[name=total]", "1000");
  await wjj.fill("#project-form input[name=start]", "2025-01-01");
  await wjj.fill("#project-form input[name=end]", "2026-12-31");
  await wjj.selectOption("#project-form select[name=status]", "building");
  await wjj.fill("#project-form textarea[name=years]", "2025 600 50\n2026 400");
  await Promise.all([wjj.waitForURL(/\/projects\?ok=/), wjj.click("#project-form form.stack button[type=submit]")]);
  const row = wjj.locator(`#project-${code}`);
  assert.match(await row.innerText(), /浏览器测试卫生服务站/);
  assert.match(await row.innerText(), /滞后/, "50 of 600 by autumn is behind");
  await wjj.screenshot({ path: `${SHOTS}/projects-1440.png`, fullPage: false });
  assert.ok(await noPageScroll(wjj), "no sideways scroll at 1440 px");
  await wjj.close();
});

test("the register and 民生实事 fit a phone", async () => {
  const page = await signIn("office", { width: 390, height: 844 });
  for (const path of ["/projects", "/livelihood?at=mid"]) {
    await page.goto(`${BASE}${path}`);
    assert.ok(await noPageScroll(page), `no sideways scroll at 390 px on ${path}`);
  }
  assert.match(await page.locator("#livelihood-card h2").innerText(), /民生实事年中报告单/);
  await page.screenshot({ path: `${SHOTS}/livelihood-390.png`, fullPage: false });
  await page.close();
});
