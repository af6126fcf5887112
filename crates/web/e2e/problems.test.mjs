// Browser test of 问题清单 and the cause-and-measures form (node's test runner +
// playwright-core + Debian's chromium): the lead department finds a red item on 我的任务,
// is told what is wrong beside the fields, saves the cause and measures, and the item leaves
// its list; the office reads 问题清单 and the overview's 督办与措施 at office and phone widths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, noPageScroll, signIn, useBrowser } from "./lib.mjs";

useBrowser();

test("the lead unit answers a red item through the form; 问题清单 lists it", async () => {
  const wjj = await signIn("wjj");
  await wjj.goto(`${BASE}/my`);
  const waiting = wjj.locator("#my-notes a", { hasText: "填写原因和措施" });
  const before = await waiting.count();
  assert.ok(before > 0, "a red item of 区卫健局 waits on 我的任务");
  // The item answered, by its link: other test files run at the same time on this server
  // and may add red items, so the count alone proves nothing.
  const answered = await waiting.first().getAttribute("href");
  await Promise.all([wjj.waitForURL(/\/problems\/note/), waiting.first().click()]);
  assert.match(await wjj.locator("h1").innerText(), /填写原因和措施/);

  // The period the form proposes: the figure's own (other test files may have written a
  // newer figure of this item than the demo's).
  const proposed = await wjj.inputValue("#period");
  // Wrong: a year for the period, nothing written — errors beside the fields.
  await wjj.fill("#period", "2025");
  await wjj.fill("#cause", "");
  await wjj.fill("#measure", "");
  await wjj.click("form.note-form button[type=submit]");
  assert.match(await wjj.locator("#period-err").innerText(), /季度/);
  assert.match(await wjj.locator("#cause-err").innerText(), /至少填写一项/);
  assert.equal(await wjj.locator("#period").getAttribute("aria-invalid"), "true");
  await wjj.screenshot({ path: `${SHOTS}/40-note-errors.png`, fullPage: true });

  await wjj.fill("#period", proposed);
  await wjj.fill("#cause", "新园尚在装修(浏览器测试)");
  await wjj.fill("#measure", "每周调度,十月底前开园(浏览器测试)");
  await Promise.all([wjj.waitForURL(/\/my\?ok=/), wjj.click("form.note-form button[type=submit]")]);
  assert.match(await wjj.locator(".ok").innerText(), /已保存/);
  assert.equal(
    await wjj.locator(`#my-notes a[href="${answered}"]`).count(),
    0,
    `the answered item ${answered} no longer waits`,
  );
  await wjj.close();

  for (const width of [1366, 390]) {
    const office = await signIn("office", { width, height: 800 });
    await office.goto(`${BASE}/problems`);
    assert.match(await office.locator("h1").innerText(), /问题清单/);
    assert.match(await office.locator("#problems").innerText(), /新园尚在装修\(浏览器测试\)/);
    assert.ok(await noPageScroll(office), `问题清单 at ${width} px: the table scrolls in its box`);
    await office.screenshot({ path: `${SHOTS}/41-problems-${width}.png`, fullPage: true });
    const href = await office.locator("a[download]").getAttribute("href");
    const xlsx = await office.request.get(`${BASE}${href}`);
    assert.equal(xlsx.status(), 200);
    assert.match(xlsx.headers()["content-type"], /spreadsheetml/);
    await office.goto(`${BASE}/overview`);
    assert.match(await office.locator("table").first().innerText(), /督办与措施/);
    assert.ok(await noPageScroll(office), `驾驶舱 at ${width} px`);
    await office.close();
  }
});
