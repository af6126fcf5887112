// Browser test of the survey results (/survey, /survey/round/…, the overview's cards):
// the office reads the demo's published round — the index per domain × place with 样本不足
// below 30 answers and the change from the previous round, the ranked needs and the open
// answers by category — a town reads only its own cells, and the pages fit a phone. Reads
// only: other files run against the same server at the same time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, SHOTS, TOWN, noPageScroll, signIn, useBrowser } from "./lib.mjs";
import { latinWords, shownText } from "./words.mjs";

useBrowser();

const ROUND = "2025年度满意度调查(演示)";
const roundPath = `${BASE}/survey/round/${encodeURIComponent(ROUND)}`;

test("the office reads a round's index and demand analysis", async () => {
  const page = await signIn("office", { width: 1440, height: 900 });
  await page.goto(`${BASE}/survey`);
  assert.match(await page.locator("h1").innerText(), /满意度调查/);
  await Promise.all([page.waitForURL(/\/survey\/round\//), page.click(`a:has-text("${ROUND}")`)]);
  const text = await page.locator("main").innerText();
  for (const word of ["满意度指数", "样本量(人)", "样本不足", "显著", "需求分析", "养老", "老有康养"]) {
    assert.ok(text.includes(word), `${word} on the round's page`);
  }
  assert.deepEqual(latinWords(await shownText(page)), [], "no stray Latin word on the Chinese page");
  await page.screenshot({ path: `${SHOTS}/survey-round-1440.png`, fullPage: false });
  assert.ok(await noPageScroll(page), "no sideways scroll at 1440 px");
  // The categories page and the overview's cards.
  await page.goto(`${BASE}/survey/categories`);
  assert.match(await page.locator("textarea").inputValue(), /老有康养:养老/);
  assert.deepEqual(latinWords(await shownText(page)), []);
  await page.goto(`${BASE}/overview`);
  assert.match(await page.locator(".cards .satisfaction").first().innerText(), /满意度 \d+\.\d分/);
  assert.deepEqual(page.consoleErrors, []);
  await page.close();
});

test("a town sees its own cells, and the pages fit a phone", async () => {
  for (const width of [390, 320]) {
    const page = await signIn(`town-${TOWN}`, { width, height: 844 });
    await page.goto(roundPath);
    const places = await page.locator("table").first().locator("tbody tr td:nth-child(2)").allInnerTexts();
    assert.ok(places.length > 0, "the town sees cells");
    assert.equal(new Set(places).size, 1, `only its own place: ${[...new Set(places)]}`);
    assert.ok(await noPageScroll(page), `no sideways scroll at ${width} px`);
    await page.screenshot({ path: `${SHOTS}/survey-round-town-${width}.png`, fullPage: false });
    await page.goto(`${BASE}/survey`);
    assert.ok(await noPageScroll(page), `the rounds fit ${width} px`);
    await page.close();
  }
});
