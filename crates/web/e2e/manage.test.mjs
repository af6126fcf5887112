// Browser tests of the management pages (node's test runner + playwright-core + Debian's
// chromium): the office raises a supervision order on 督办, the lead department's reporter
// answers it through the forms, the office closes it with the review checklist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, signIn, useBrowser } from "./lib.mjs";

useBrowser();

function isoDate(days) {
  const d = new Date(Date.now() + days * 86400000);
  return d.toISOString().slice(0, 10);
}

test("office raises an order, the lead unit answers it through the forms, the office closes it", async () => {
  const office = await signIn("office");
  await office.goto(`${BASE}/orders`);
  assert.match(await office.locator("h1").innerText(), /督办/);
  await office.screenshot({ path: `${SHOTS}/20-orders.png`, fullPage: true });

  await office.fill("#r-title", "浏览器测试:托位建设进度督办");
  await office.fill("#r-body", "请说明进度滞后原因,提出整改措施。");
  await office.selectOption("#r-lead", "区卫健局");
  await office.fill("#r-deadline", isoDate(10));
  await Promise.all([office.waitForURL(/\/orders\/DB-/), office.click("form[action='/orders'] button.primary")]);
  const url = office.url();
  const id = url.match(/\/orders\/(DB-[0-9-]+)/)[1];
  assert.match(await office.locator(".ok").innerText(), /已立项/);
  assert.match(await office.locator("h1").innerText(), /交办/);
  assert.equal(await office.locator("#actions form").count(), 0, "the office waits for the lead unit");
  await office.screenshot({ path: `${SHOTS}/21-order-raised.png`, fullPage: true });

  // The lead reporter finds it on 我的任务 and answers.
  const wjj = await signIn("wjj");
  await wjj.goto(`${BASE}/my`);
  assert.ok((await wjj.content()).includes(id), "the order is on 我的任务");
  await wjj.screenshot({ path: `${SHOTS}/22-my-tasks.png`, fullPage: true });
  await Promise.all([wjj.waitForURL(new RegExp(`/orders/${id}`)), wjj.locator(`#my-orders a[href="/orders/${id}"]`).first().click()]);
  const kinds = await wjj.locator("#actions input[name=action]").evaluateAll((xs) => xs.map((x) => x.value));
  assert.deepEqual(kinds, ["accept", "request_extension"]);
  await wjj.click("#act-accept button");
  await wjj.waitForSelector(".ok");
  assert.match(await wjj.locator("h1").innerText(), /办理中/);
  await wjj.fill("#x-date", isoDate(20));
  await wjj.fill("#x-reason", "设备采购需延长");
  await wjj.click("#act-request_extension button");
  await wjj.waitForSelector(".ok");
  assert.match(await wjj.locator("h1").innerText(), /申请延期/);
  await wjj.screenshot({ path: `${SHOTS}/23-order-extension-asked.png`, fullPage: true });

  await office.goto(url);
  await office.click("#act-decide_extension button[value=true]");
  await office.waitForSelector(".ok");
  assert.ok((await office.content()).includes(isoDate(20)), "the new deadline");

  await wjj.goto(url);
  await wjj.fill("#fb-text", "已完成托位建设 120 个,附验收材料。");
  await wjj.click("#act-feedback button");
  await wjj.waitForSelector(".ok");
  assert.match(await wjj.locator("h1").innerText(), /已反馈/);

  // Closing review: five checks are not enough.
  await office.goto(url);
  const boxes = office.locator("#act-approve input[type=checkbox]");
  assert.equal(await boxes.count(), 6);
  for (let i = 0; i < 5; i++) await boxes.nth(i).check();
  await office.screenshot({ path: `${SHOTS}/24-order-review.png`, fullPage: true });
  await office.click("#act-approve button");
  assert.match(await office.locator(".errors").innerText(), /格式规范/);
  await office.goto(url);
  for (let i = 0; i < 6; i++) await office.locator("#act-approve input[type=checkbox]").nth(i).check();
  await office.click("#act-approve button");
  await office.waitForSelector(".ok");
  assert.match(await office.locator("h1").innerText(), /审结通过/);
  assert.equal(await office.locator("#timeline li").count(), 6);
  await office.screenshot({ path: `${SHOTS}/25-order-closed.png`, fullPage: true });
  // The refused review above answers 422 on purpose; nothing else may fail.
  assert.deepEqual(office.consoleErrors.filter((e) => !e.includes("422")), [], "no console errors (CSP)");
  assert.deepEqual(wjj.consoleErrors, [], "no console errors (CSP)");
});

test("ranking, weekly, tasks and inbox pages", async () => {
  const office = await signIn("office");
  await office.goto(`${BASE}/ranking?month=2025-06&by=town`);
  assert.match(await office.locator("pre.rule").innerText(), /单项得分/);
  assert.doesNotMatch(await office.locator("pre.rule").innerText(), /排名规则/);
  await office.screenshot({ path: `${SHOTS}/26-ranking.png`, fullPage: true });
  await office.goto(`${BASE}/weekly`);
  await office.screenshot({ path: `${SHOTS}/27-weekly.png`, fullPage: true });
  await office.goto(`${BASE}/tasks`);
  await office.screenshot({ path: `${SHOTS}/28-tasks.png`, fullPage: true });
  await office.locator("#tasks tbody a").first().click();
  await office.waitForSelector("#milestones");
  await office.screenshot({ path: `${SHOTS}/29-task.png`, fullPage: true });
  const wjj = await signIn("wjj", { width: 390, height: 844 });
  await wjj.goto(`${BASE}/inbox`);
  await wjj.screenshot({ path: `${SHOTS}/30-inbox-phone.png`, fullPage: true });
  assert.deepEqual(office.consoleErrors, [], "no console errors (CSP)");
});
