//! Reading a published plan text (such as the seed) into structured rows and targets.
//!
//! A published plan (实施方案) comes as plain text copied from a government web page: the
//! table of yearly targets one cell per line (or, in other counties' texts, one row per
//! line with `|` or tab between cells), then the key tasks (二、重点任务) whose sentences
//! carry more quantified targets ("到2027年,……达到90%"). [`read_published`] reads both and
//! [`ImportedPlan::into_plan`] turns the result into a [`youxiang_core::Plan`] with
//! inferred defaults, for a person to check and edit.
//!
//! # What is read
//!
//! * **The table.** Its header starts at a line `领域` (or `序号`) followed by header cells
//!   (`序号`, `指标`, `单位`, `2022年`…, `完成值`, `牵头单位`), one per line; or a single
//!   line with `|`/tab-separated header cells. The first year column is the baseline
//!   unless a `完成值`/`基期` column says otherwise (`2022年完成值`; a yearless `完成值` is
//!   taken as the year before the first target year). Domain names may be split over lines
//!   (`幼有` / `善育`), spaced (`幼 有 善 育`), or appear once for several rows (rowspan,
//!   or an empty cell in a delimited row). Names end in `(unit)`; `☆` marks on names or
//!   cells are removed and recorded. Cells are read by [`Target::parse`].
//!   The table ends at a heading (`二、…`), a note (`注:`), or a prose line (one with `。`
//!   or longer than 40 characters).
//! * **Task targets.** Inside the key-task part (the top heading containing `任务`, up to
//!   the next top heading): sections `(一)…` with their `(牵头单位:…)`, numbered tasks
//!   `1.`, `2.`, …; every sentence is scanned for numbers with a unit or after a target
//!   verb (`达到`, `达`, `保持在`, `控制在`, `不少于`, `超过`, …), for `全覆盖` (also
//!   `全区覆盖`, `应保尽保`) and for `清零` (read as `≤0`) closing a clause. The year
//!   comes from a preceding `到20xx年` in the same sentence, or `每年` in the same clause
//!   (every target year); a target with neither is read only after a target verb or as a
//!   closing `全覆盖`/`清零`, and gets the plan's final year with a note.
//!   Several names sharing one value (`A、B、C均达到100%`, `A率和B率100%`) give one
//!   target each.
//!
//! # What counts as unread
//!
//! [`Unread`] lists, with line number and text:
//! * inside the table region: a line that is neither a domain name nor a 序号 where a row
//!   should start, a cell that [`Target::parse`] rejects, a row missing cells, a delimited
//!   row whose number of cells differs from the header's;
//! * anywhere outside the table: a sentence with an explicit year (`到20xx年`) or `每年`
//!   where a number after the year could not be turned into a target (ages `80岁` and
//!   years `2000年` are not targets), or where the target's name could not be found;
//! * a sentence with `到20xx年` and a number outside the key-task part (e.g. the overall
//!   goal "到2027年,完成总投资89.88亿元以上的…"), since it belongs to no task.
//!
//! Prose lines without such a pattern are not unread: they are simply text. Reading never
//! panics and never fails: whatever it cannot read it lists.

mod plan;
mod table;
mod tasks;
mod text;

use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use youxiang_core::{Polarity, Target};

pub use plan::STANDARD_DOMAINS;

/// One row of the plan's table of yearly targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    /// The domain (领域) name, joined and without spaces, e.g. `幼有善育`.
    pub domain: String,
    /// The row's 序号 (a table without a 序号 column: the row's place, from 1). A
    /// sub-indicator (`其中:…`, `(1)`) has its main row's 序号.
    pub seq: u32,
    /// 0 for a main row; 1, 2, … for the sub-indicators below it.
    #[serde(skip_serializing_if = "is_zero")]
    pub sub: u32,
    /// The indicator's name without the `(unit)` suffix and without `☆`.
    pub name: String,
    /// The unit from the parentheses (or the 单位 column, or the cells' own unit).
    pub unit: String,
    /// The baseline cell (`/` or empty when the table has none).
    pub baseline: Target,
    /// The target cell of each target year.
    pub targets: BTreeMap<i32, Target>,
    /// The 牵头单位 column, when the table has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_unit: Option<String>,
    /// A `☆` on the name.
    pub starred: bool,
    /// Years whose cell carried a `☆` (the baseline year included).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub starred_years: Vec<i32>,
    /// Inferred from the name only (失业率, 死亡率, 发生率 … are lower-is-better).
    pub polarity: Polarity,
    /// Remarks for the person checking the import (inferred polarity, baseline above the
    /// targets, unit taken from the cells, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Line of the row's 序号 (without one: of its name).
    pub line: usize,
    /// The row's first line (a domain name written before it included) and its last.
    pub first_line: usize,
    pub last_line: usize,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A section of 二、重点任务, e.g. `(一)全面推进“幼有善育”。…(牵头单位:区卫健局)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// 1 for `(一)`.
    pub number: u32,
    /// The heading's first sentence, e.g. `全面推进“幼有善育”`.
    pub title: String,
    /// The domain named in the heading (empty when none is recognised).
    pub domain: String,
    /// What follows `牵头单位:` (may list several units separated by `、`).
    pub lead_unit: String,
    pub line: usize,
}

/// A numbered key task (重点任务) of a section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedTask {
    /// `<section>.<number>`, e.g. `1.2`.
    pub code: String,
    pub section: u32,
    pub number: u32,
    pub domain: String,
    pub lead_unit: String,
    /// The first sentence after the number, e.g. `加快健全生育服务体系`.
    pub title: String,
    /// The task's whole text, verbatim (without the number).
    pub text: String,
    pub line: usize,
}

/// Where a task target's year came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YearBasis {
    /// `到2027年` (or `至`, `截至`) earlier in the sentence.
    Stated,
    /// `每年`: every target year of the plan.
    EveryYear,
    /// No year written: the plan's final year is assumed (and noted).
    Unstated,
}

/// A quantified target read from a key task's text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskTarget {
    /// The task's code, e.g. `1.2`.
    pub task: String,
    pub domain: String,
    pub lead_unit: String,
    /// What is measured, as the sentence names it, e.g. `婴幼儿照护服务机构从业人员持证率`.
    pub name: String,
    /// The unit written after the number (`%`, `‰`, `万人次`, …), empty when none.
    pub unit: String,
    pub years: Vec<i32>,
    pub year_basis: YearBasis,
    /// The target as a cell: `text` is the part of the sentence that `Target::parse`
    /// reads (`1‰以下`, `不少于120个`, `超过95%`, `全覆盖`).
    pub target: Target,
    /// A running total (累计 in the clause).
    pub cumulative: bool,
    /// The sentence it was read from, verbatim.
    pub sentence: String,
    pub line: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A line (or sentence) that could not be read; see the module documentation for what
/// counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unread {
    /// 1-based line number in the input.
    pub line: usize,
    pub text: String,
    pub reason: String,
}

/// Where the plan's target years were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum YearsFrom {
    /// The table's year columns (or its one target column and the document's year).
    Table,
    /// No year columns: the title's span (`(2023—2027年)`, `2024年…工作要点`), else the
    /// horizons the text names (`到2027年`).
    Text,
    /// Nowhere: the person importing must give them.
    #[default]
    None,
}

/// Where the table is: 1-based line numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TableSpan {
    pub header_first: usize,
    pub header_last: usize,
    /// The first line after the table (a line past the text when the text ends with it).
    pub end: usize,
}

/// Everything read from a published plan text.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ImportedPlan {
    /// The document's title: the first line naming a 方案 / 工作要点 (not a web page's
    /// navigation line), else the first plain line.
    pub title: String,
    /// The table's baseline year (the first year column, or the 完成值 column's year).
    pub baseline_year: Option<i32>,
    /// The plan's target years: the table's, else the text's (see [`YearsFrom`]).
    pub target_years: Vec<i32>,
    pub years_from: YearsFrom,
    /// The table's header and end, when there is a table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<TableSpan>,
    /// The table's rows, in order.
    pub indicators: Vec<TableRow>,
    pub sections: Vec<Section>,
    pub tasks: Vec<ImportedTask>,
    pub task_targets: Vec<TaskTarget>,
    pub unread: Vec<Unread>,
}

/// Reads a published plan text. Never fails and never panics; what it cannot read is in
/// [`ImportedPlan::unread`].
pub fn read_published(input: &str) -> ImportedPlan {
    let lines = text::split_lines(input);
    let title = text::title_line(&lines);
    // The document's own years: its title's (`(2023—2027年)`, `2024年工作要点`), else the
    // horizons its text names (`到2027年`).
    let title_years = text::find_years(&title);
    let horizon: Vec<i32> = {
        let mut ys: Vec<i32> = lines
            .iter()
            .flat_map(|l| text::horizon_years(&l.text))
            .collect();
        ys.sort_unstable();
        ys.dedup();
        ys
    };
    let doc_year = title_years.iter().max().or_else(|| horizon.last()).copied();
    let table = table::read_table(&lines, doc_year);
    let mut unread = table.unread;
    let (target_years, years_from) = if !table.target_years.is_empty() {
        (table.target_years.clone(), YearsFrom::Table)
    } else {
        let from_text = match title_years.as_slice() {
            [a, .., b] if a < b && b - a <= 10 => (*a..=*b).collect(),
            [y] => vec![*y],
            _ => horizon,
        };
        if from_text.is_empty() {
            (Vec::new(), YearsFrom::None)
        } else {
            (from_text, YearsFrom::Text)
        }
    };
    let domains: Vec<String> = table.rows.iter().map(|r| r.domain.clone()).collect();
    let found = tasks::read_tasks(&lines, table.region, &target_years, &domains);
    unread.extend(found.unread);
    unread.sort_by_key(|u| u.line);
    let span = table
        .region
        .zip(table.header)
        .map(|((_, end), (first, last))| TableSpan {
            header_first: first,
            header_last: last,
            end: lines.get(end).map_or(lines.len() + 1, |l| l.no),
        });
    ImportedPlan {
        title,
        baseline_year: table.baseline_year,
        target_years,
        years_from,
        table: span,
        indicators: table.rows,
        sections: found.sections,
        tasks: found.tasks,
        task_targets: found.targets,
        unread,
    }
}

impl ImportedPlan {
    /// A table header was found and no row under it could be read: an error, not an
    /// empty success (the header's line is also in [`ImportedPlan::unread`]).
    pub fn table_without_rows(&self) -> Option<usize> {
        self.table
            .filter(|_| self.indicators.is_empty())
            .map(|t| t.header_first)
    }
}

/// Why the bytes of a plan file could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(
        "文件不是 UTF-8 编码(第 {line} 行附近),看起来是 GBK/GB18030:请先转换为 UTF-8,例如 `iconv -f GB18030 -t UTF-8 原文件 > 新文件`,或在编辑器中“另存为 UTF-8”"
    )]
    LooksLikeGbk { line: usize },
    #[error("文件不是 UTF-8 编码(第 {line} 行附近,字节偏移 {offset}):请转换为 UTF-8 后再导入")]
    NotUtf8 { line: usize, offset: usize },
    #[error("文件是 UTF-16 编码:请转换为 UTF-8 后再导入")]
    Utf16,
}

/// Turns file bytes into text: UTF-8 with or without a byte-order mark. A GBK (or other
/// non-UTF-8) file is refused with a message that says how to convert it.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DecodeError::Utf16);
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let offset = e.valid_up_to();
            let line = 1 + body[..offset].iter().filter(|b| **b == b'\n').count();
            let rest = &body[offset..];
            // GBK: a lead byte 0x81–0xFE followed by a trail byte 0x40–0xFE (not 0x7F).
            let gbk_pairs = rest
                .windows(2)
                .take(64)
                .filter(|w| (0x81..=0xFE).contains(&w[0]) && (0x40..=0xFE).contains(&w[1]))
                .count();
            if gbk_pairs > 0 {
                Err(DecodeError::LooksLikeGbk { line })
            } else {
                Err(DecodeError::NotUtf8 { line, offset })
            }
        }
    }
}

fn target_json(t: &Target) -> Value {
    json!({"text": t.text, "op": t.op.symbol(), "value": t.value})
}

impl ImportedPlan {
    /// The `--json` form: `{"indicators": [...], "task_targets": [...], "unread": [...]}`
    /// plus `baseline_year`, `target_years`, `sections` and `tasks`.
    pub fn to_json(&self) -> Value {
        let indicators: Vec<Value> = self
            .indicators
            .iter()
            .map(|r| {
                let targets: serde_json::Map<String, Value> = r
                    .targets
                    .iter()
                    .map(|(y, t)| (y.to_string(), target_json(t)))
                    .collect();
                let mut v = json!({
                    "domain": r.domain,
                    "seq": r.seq,
                    "first_line": r.first_line,
                    "last_line": r.last_line,
                    "name": r.name,
                    "unit": r.unit,
                    "baseline": target_json(&r.baseline),
                    "targets": targets,
                    "starred": r.starred,
                    "polarity": r.polarity,
                    "line": r.line,
                });
                if r.sub > 0 {
                    v["sub"] = json!(r.sub);
                }
                if let Some(lead) = &r.lead_unit {
                    v["lead_unit"] = json!(lead);
                }
                if !r.starred_years.is_empty() {
                    v["starred_years"] = json!(r.starred_years);
                }
                if !r.notes.is_empty() {
                    v["notes"] = json!(r.notes);
                }
                v
            })
            .collect();
        let task_targets: Vec<Value> = self
            .task_targets
            .iter()
            .map(|t| {
                let mut v = json!({
                    "task": t.task,
                    "domain": t.domain,
                    "lead_unit": t.lead_unit,
                    "name": t.name,
                    "unit": t.unit,
                    "text": t.target.text,
                    "op": t.target.op.symbol(),
                    "value": t.target.value,
                    "year_basis": t.year_basis,
                    "cumulative": t.cumulative,
                    "sentence": t.sentence,
                    "line": t.line,
                });
                match t.years.as_slice() {
                    [y] => v["year"] = json!(y),
                    ys => v["years"] = json!(ys),
                }
                if !t.note.is_empty() {
                    v["note"] = json!(t.note);
                }
                v
            })
            .collect();
        json!({
            "title": self.title,
            "baseline_year": self.baseline_year,
            "target_years": self.target_years,
            "years_from": self.years_from,
            "table": self.table,
            "indicators": indicators,
            "sections": self.sections,
            "tasks": self.tasks,
            "task_targets": task_targets,
            "unread": self.unread,
        })
    }
}
