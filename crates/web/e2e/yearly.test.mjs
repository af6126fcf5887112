// Browser test of 年度监测评估报告 (/reports/yearly): the page lists the yearly reports with
// their downloads, and a lead unit fills in its own next year's measures through the form
// (it gets no form for another unit's). Other files run against the same server at the same
// time: this file writes only 区卫健局's measures for 2024 and counts nothing else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, noPageScroll, signIn, useBrowser } from "./lib.mjs";

useBrowser();

test("the yearly reports are listed and a lead unit fills in its measures", async () => {
  const wjj = await signIn("wjj", { width: 1440, height: 900 });
  await wjj.goto(`${BASE}/reports/yearly?year=2024`);
  assert.match(await wjj.locator("h1").innerText(), /年度监测评估报告/);
  const list = wjj.locator("#yearly-reports");
  assert.match(await list.innerText(), /2024/);
  assert.ok((await list.locator('a[href*="/api/v1/reports/yearly/2024?format=html"]').count()) >= 1);
  // Its own unit's form only.
  assert.equal(await wjj.locator("#measures-table form.measures-form").count(), 1);
  const own = wjj.locator('#measures-table tr[data-unit="区卫健局"]');
  const text = `浏览器测试:新增普惠托位${Date.now() % 1000}个`;
  await own.locator("textarea").fill(text);
  await Promise.all([wjj.waitForURL(/\/reports\/yearly\?year=2024.*ok=/), own.locator("button[type=submit]").click()]);
  assert.equal(await wjj.locator('#measures-table tr[data-unit="区卫健局"] textarea').inputValue(), text);
  assert.match(await wjj.locator("#measures-table").innerText(), /未填报/, "other units not yet entered");
  await wjj.screenshot({ path: `${SHOTS}/yearly-1440.png`, fullPage: false });
  assert.ok(await noPageScroll(wjj), "no sideways scroll at 1440 px");
  // The report itself says what was entered.
  const resp = await wjj.request.get(`${BASE}/api/v1/reports/yearly/2024?format=html`);
  assert.equal(resp.status(), 200);
  assert.match(await resp.text(), /年度监测评估报告/);
  await wjj.close();
});
