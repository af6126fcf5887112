// Browser test of 困难群众名册 (/assist) (node's test runner + playwright-core + Debian's
// chromium): the 民政 department's list, masked, filtered by category; a town's household
// page with its members masked, its eligibility check and the reveal form; whole only after
// a reason; both pages without a stray Latin word and fitting 1440 px and a 390 px phone.
// Other files run against the same server: this file only reads the demo register and
// reveals one household (an audited read, no change of data).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, TOWN, noPageScroll, signIn, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

useBrowser();

const ID = /\d{6}(19|20)\d{9}[\dX]/;
const PHONE = /(^|\D)1[3-9]\d{9}(\D|$)/;

for (const [width, height] of [[1440, 900], [390, 844]]) {
  test(`the register and a household at ${width} px`, async () => {
    const page = await signIn(`town-${TOWN}`, { width, height });
    await page.goto(`${BASE}/assist?category=dibao`);
    assert.match(await page.locator("h1").innerText(), /困难群众名册/);
    const text = await shownText(page);
    assert.doesNotMatch(text, ID, "no whole ID number on the list");
    assert.doesNotMatch(text, PHONE, "no whole phone on the list");
    assert.deepEqual(latinWords(text), [], "no stray Latin word on the list");
    assert.ok(await noPageScroll(page), `no sideways scroll at ${width} px`);
    await page.screenshot({ path: `${SHOTS}/assist-list-${width}.png`, fullPage: false });
    // The first household of the town.
    await Promise.all([page.waitForURL(/\/assist\/H/), page.locator("tbody th a").first().click()]);
    const masked = await shownText(page);
    assert.match(masked, /\*{8}/, "the ID numbers masked");
    assert.match(masked, /救助资格核对/);
    assert.doesNotMatch(masked, ID);
    assert.deepEqual(latinWords(masked), [], "no stray Latin word on the household page");
    assert.ok(await noPageScroll(page), `no sideways scroll at ${width} px`);
    await page.screenshot({ path: `${SHOTS}/assist-household-${width}.png`, fullPage: true });
    if (width === 1440) {
      await page.fill("#rv-reason", "浏览器测试:入户核查");
      await page.click("form[action$='/reveal'] button[type=submit]");
      await page.waitForSelector(".warn");
      assert.match(await shownText(page), ID, "shown whole after the reason");
    }
    assert.deepEqual(page.consoleErrors, []);
    await page.close();
  });
}

test("a viewer does not use the register", async () => {
  const page = await signIn("viewer", { width: 390, height: 844 });
  const resp = await page.goto(`${BASE}/assist`);
  assert.equal(resp.status(), 403);
  await page.close();
});
