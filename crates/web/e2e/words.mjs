// What the browser tests say about a page's words, shared by walk.test.mjs and
// a11y.test.mjs: the Latin words a Chinese page must not show (issue 13 point 7, issue 24
// point 5), and the application's own Chinese an English page must not show.

// Latin text a Chinese page may show: indicator, task, order and register codes (T08, K3,
// DB-2025-001, H330902002001-0001),
// file formats and encodings, units (a file's size limit in MB too), and the switch to English
// (written in English on purpose).
const ALLOWED = new Set([
  "PDF", "Excel", "CSV", "HTML", "Word", "docx", "xlsx", "csv", "pdf", "html", "GBK", "UTF", "BOM",
  "km", "m", "kg", "g", "ml", "h", "min", "KB", "MB",
  "English",
  // Licences and data sources a map must cite by their own names.
  "MIT", "ODbL", "OpenStreetMap",
]);
const CODE = /^(?:[A-Z]{1,4}\d+(?:[.-]\d+)*[a-z]?|[A-Z]{1,4}-\d+(?:-\d+)*)$/;
const FILE = /\.(?:xlsx|csv|pdf|docx|html|txt|png|jpe?g|zip|geojson|toml)$/i;

/** The Latin words of `text` that are not allowed. */
export function latinWords(text) {
  const bad = new Set();
  // A token: letters and digits joined by `_`, `.`, `-` (so `value.write`, `ratio_of_sums`
  // and `a.csv` are one word each); URLs and mail addresses are not interface text.
  for (const m of text.matchAll(/[A-Za-z0-9][A-Za-z0-9_.@\/:-]*/g)) {
    const w = m[0].replace(/[.:/-]+$/, "");
    if (!/[A-Za-z]/.test(w)) continue;
    if (ALLOWED.has(w) || CODE.test(w) || FILE.test(w)) continue;
    // A period as the API writes it (2025Q3, 2025-W05, 2025H1): digits around one letter.
    if (/^\d{4}-?[QHW]\d{1,2}$/.test(w)) continue;
    if (/^https?:/.test(w) || w.includes("@")) continue;
    bad.add(w);
  }
  return [...bad];
}

/** What a page shows a person: its visible text, title, and the texts of its attributes. */
export async function shownText(page) {
  return page.evaluate(() => {
    const parts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll("[placeholder], [aria-label], [title], img[alt], input[type=submit], input[type=button]")) {
      if (el.closest("[lang=en]")) continue;
      for (const a of ["placeholder", "aria-label", "title", "alt", "value"]) {
        // A button's value is its label; a checkbox's is a key nobody reads.
        if (a === "value" && !(el.tagName === "INPUT" && /^(submit|button)$/.test(el.type))) continue;
        const v = el.getAttribute(a);
        if (v) parts.push(v);
      }
    }
    // The switch to English names its language in English (lang="en").
    let text = parts.join("\n");
    for (const el of document.querySelectorAll("[lang=en]")) text = text.replace(el.innerText, "");
    return text;
  });
}

// The application's own Chinese, which an English page must say in English: dates and
// periods, counters after a number, totals, Beijing time. The plan's own terms (indicator,
// domain, place and unit names, targets as written) stay Chinese, and so do texts stored as
// they were written (an automatic order's matter, a notice's title).
const APP_CHINESE = [
  /\d{4}年\d{1,2}月/, /\d{4}年第/, /第\s?\d+\s?周/, /\d{1,2}月\d{1,2}日/,
  /\d\s?[件条项分](?=$|[\s,.;:)\]|/—])/m,
  /合计/, /北京时间/,
];

/** The application's Chinese phrases in `text` (an English page's). */
export function appChinese(text) {
  const bad = new Set();
  for (const line of text.split("\n")) {
    for (const re of APP_CHINESE) {
      const m = line.match(re);
      if (m) bad.add(`${m[0]} in “${line.trim().slice(0, 60)}”`);
    }
  }
  return [...bad];
}
