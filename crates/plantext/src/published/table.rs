//! The table of yearly targets: one cell per line (the seed), or one row per line with
//! `|` or tab between cells.

use std::collections::BTreeMap;

use youxiang_core::{Op, Polarity, Target};

use super::plan::STANDARD_DOMAINS;
use super::text::{
    SrcLine, clip, compact, find_year, is_cjk, paren_heading, split_name_unit, strip_stars,
    top_heading,
};
use super::{TableRow, Unread};

/// Names that make an indicator lower-is-better. Polarity is inferred from the name only.
pub(crate) const LOWER_IS_BETTER_NAMES: &[&str] = &[
    "失业率",
    "死亡率",
    "发生率",
    "患病率",
    "事故率",
    "辍学率",
    "近视率",
];

pub(crate) fn polarity_by_name(name: &str) -> Polarity {
    if LOWER_IS_BETTER_NAMES.iter().any(|w| name.contains(w)) {
        Polarity::LowerIsBetter
    } else {
        Polarity::HigherIsBetter
    }
}

const MAX_HEADER_CELLS: usize = 40;

pub(crate) struct TableRead {
    pub rows: Vec<TableRow>,
    pub unread: Vec<Unread>,
    pub baseline_year: Option<i32>,
    pub target_years: Vec<i32>,
    /// Indices into the lines: `[start, end)` of the table, header included.
    pub region: Option<(usize, usize)>,
    /// Line numbers (1-based) of the header's first and last line.
    pub header: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
enum HeaderCell {
    Domain,
    Seq,
    Name,
    Unit,
    Year(i32),
    Baseline(Option<i32>),
    /// A target column without a year (`目标值`): the document's year.
    TargetNoYear,
    Lead,
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Role {
    Domain,
    Seq,
    Name,
    Unit,
    Baseline,
    Target(i32),
    Lead,
    Other(String),
}

impl Role {
    fn label(&self) -> String {
        match self {
            Role::Domain => "领域".into(),
            Role::Seq => "序号".into(),
            Role::Name => "指标".into(),
            Role::Unit => "单位".into(),
            Role::Baseline => "基期值".into(),
            Role::Target(y) => format!("{y}年"),
            Role::Lead => "牵头单位".into(),
            Role::Other(s) => s.clone(),
        }
    }

    fn numeric(&self) -> bool {
        matches!(self, Role::Baseline | Role::Target(_))
    }

    /// A text cell that may be absent from a row: written once for several rows (牵头单位)
    /// or left empty (备注).
    fn optional_text(&self) -> bool {
        matches!(self, Role::Lead | Role::Other(_))
    }
}

fn classify(cell: &str) -> Option<HeaderCell> {
    let (c, _) = strip_stars(&compact(cell));
    if c.is_empty() || c.chars().count() > 16 {
        return None;
    }
    let baseline_word = ["完成", "基期", "基数", "现状", "实际"]
        .iter()
        .any(|w| c.contains(w));
    if let Some(y) = find_year(&c) {
        return Some(if baseline_word {
            HeaderCell::Baseline(Some(y))
        } else {
            HeaderCell::Year(y)
        });
    }
    if c.chars().count() > 8 {
        return None;
    }
    Some(match c.as_str() {
        "序号" | "编号" => HeaderCell::Seq,
        "单位" | "计量单位" => HeaderCell::Unit,
        _ if c.contains("领域") || c == "类别" => HeaderCell::Domain,
        _ if c.contains("牵头") || c.contains("责任单位") || c.contains("责任部门") => {
            HeaderCell::Lead
        }
        _ if c.contains("属性") || c == "备注" || c == "类型" => HeaderCell::Other(c),
        _ if c.contains("指标") => HeaderCell::Name,
        _ if baseline_word => HeaderCell::Baseline(None),
        "目标" | "目标值" | "预期目标" | "年度目标" | "计划目标" | "目标任务" => {
            HeaderCell::TargetNoYear
        }
        _ => return None,
    })
}

/// The header's columns as roles, with the baseline year and the target years.
struct Shape {
    roles: Vec<Role>,
    baseline_year: Option<i32>,
    target_years: Vec<i32>,
}

/// Resolves header cells into roles: which column is the baseline, which are targets.
/// `doc_year` is the document's year (its title's, else its horizon), for a target column
/// without a year (`目标值`) or a lone `完成值` column.
fn resolve(header: &[HeaderCell], doc_year: Option<i32>) -> Option<Shape> {
    let has_name = header.contains(&HeaderCell::Name);
    let years: Vec<i32> = header
        .iter()
        .filter_map(|h| match h {
            HeaderCell::Year(y) => Some(*y),
            _ => None,
        })
        .collect();
    let baselines: Vec<Option<i32>> = header
        .iter()
        .filter_map(|h| match h {
            HeaderCell::Baseline(y) => Some(*y),
            _ => None,
        })
        .collect();
    let yearless = header
        .iter()
        .filter(|h| **h == HeaderCell::TargetNoYear)
        .count();
    if !has_name || baselines.len() > 1 {
        return None;
    }
    // What the columns of values are: (baseline column is the first year, the target year
    // of a yearless target column, a lone 完成值 column is the target).
    let mut first_year_is_baseline = false;
    let mut yearless_target = None;
    let mut lone_completed = None;
    let baseline_year;
    if !years.is_empty() {
        match baselines.first() {
            Some(b) => baseline_year = b.or_else(|| years.iter().min().map(|m| m - 1)),
            None if years.len() >= 2 => {
                first_year_is_baseline = true;
                baseline_year = years.first().copied();
            }
            None => baseline_year = None,
        }
    } else if yearless == 1 {
        let y = baselines
            .first()
            .copied()
            .flatten()
            .map(|b| b + 1)
            .or(doc_year)?;
        yearless_target = Some(y);
        baseline_year = Some(y - 1);
    } else if yearless == 0 && baselines.len() == 1 {
        // A yearly work plan's single 完成值 column: the values to complete that year.
        let y = baselines[0].or(doc_year)?;
        lone_completed = Some(y);
        baseline_year = Some(y - 1);
    } else {
        return None;
    }
    let mut roles = Vec::new();
    let mut targets = Vec::new();
    let mut seen_first_year = false;
    for h in header {
        roles.push(match h {
            HeaderCell::Domain => Role::Domain,
            HeaderCell::Seq => Role::Seq,
            HeaderCell::Name => Role::Name,
            HeaderCell::Unit => Role::Unit,
            HeaderCell::Lead => Role::Lead,
            HeaderCell::Other(s) => Role::Other(s.clone()),
            HeaderCell::TargetNoYear => match yearless_target {
                Some(y) => {
                    targets.push(y);
                    Role::Target(y)
                }
                None => Role::Other("目标".into()),
            },
            HeaderCell::Baseline(_) => match lone_completed {
                Some(y) => {
                    targets.push(y);
                    Role::Target(y)
                }
                None => Role::Baseline,
            },
            HeaderCell::Year(y) => {
                if first_year_is_baseline && !seen_first_year {
                    seen_first_year = true;
                    Role::Baseline
                } else {
                    if targets.contains(y) {
                        return None;
                    }
                    targets.push(*y);
                    Role::Target(*y)
                }
            }
        });
    }
    if targets.is_empty() {
        return None;
    }
    let duplicated = |r: &Role| roles.iter().filter(|x| *x == r).count() > 1;
    if [Role::Domain, Role::Seq, Role::Name, Role::Unit, Role::Lead]
        .iter()
        .any(duplicated)
    {
        return None;
    }
    Some(Shape {
        roles,
        baseline_year,
        target_years: targets,
    })
}

fn split_delimited(line: &str) -> Option<Vec<String>> {
    let sep: &[char] = if line.contains(['|', '｜']) {
        &['|', '｜']
    } else if line.contains('\t') {
        &['\t']
    } else {
        return None;
    };
    let mut cells: Vec<String> = line.split(sep).map(|c| c.trim().to_string()).collect();
    if line.starts_with(sep) && cells.first().is_some_and(|c| c.is_empty()) {
        cells.remove(0);
    }
    if line.ends_with(sep) && cells.last().is_some_and(|c| c.is_empty()) {
        cells.pop();
    }
    Some(cells)
}

fn is_separator_row(cells: &[String]) -> bool {
    !cells.is_empty()
        && cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | '—' | ' ')))
}

/// A 序号: 1–3 digits, optionally with a trailing `.`/`、` or a star.
fn as_seq(s: &str) -> Option<u32> {
    let (c, _) = strip_stars(&compact(s));
    let c = c.trim_end_matches(['.', '、', '．']);
    if c.is_empty() || c.len() > 3 || !c.chars().all(|ch| ch.is_ascii_digit()) {
        return None;
    }
    c.parse().ok().filter(|n| *n > 0)
}

/// The 序号 of a sub-indicator: `(1)`, `（1）`, `①`…`⑳`, `3.1`, `3-1`.
fn as_sub_seq(s: &str) -> bool {
    let c = compact(s);
    let chars: Vec<char> = c.chars().collect();
    let digits =
        |cs: &[char]| !cs.is_empty() && cs.len() <= 2 && cs.iter().all(char::is_ascii_digit);
    match chars.as_slice() {
        [o, inner @ .., e] if matches!(o, '(' | '（') && matches!(e, ')' | '）') => digits(inner),
        [c] => ('\u{2460}'..='\u{2473}').contains(c),
        _ => match c.split_once(['.', '-']) {
            Some((a, b)) => {
                let a: Vec<char> = a.chars().collect();
                let b: Vec<char> = b.chars().collect();
                digits(&a) && digits(&b)
            }
            None => false,
        },
    }
}

/// A sub-indicator's name: `其中:…`.
fn is_sub_name(s: &str) -> bool {
    compact(s).starts_with("其中")
}

fn sub_name(s: &str) -> String {
    let t = s.trim();
    let t = t.strip_prefix("其中").unwrap_or(t);
    t.trim_start_matches([':', '：', ',', '，', ' '])
        .trim()
        .to_string()
}

/// A domain name or part of one: 2–12 CJK characters once spaces and stars are removed.
fn domain_like(s: &str) -> bool {
    let (c, _) = strip_stars(&compact(s));
    let n = c.chars().count();
    (1..=12).contains(&n) && c.chars().all(is_cjk)
}

/// One of the seven domains' names (spaces and stars aside).
fn standard_domain(s: &str) -> bool {
    let c = strip_stars(&compact(s)).0;
    STANDARD_DOMAINS.iter().any(|d| d.0 == c)
}

/// How the names of government units end (区卫健局, 县委宣传部, 团县委, 各乡镇(街道) …).
const UNIT_ENDINGS: &[&str] = &[
    "局", "委", "办", "部", "院", "会", "中心", "府", "队", "所", "站", "团", "处", "社", "厅",
    "署", "馆", "联", "公司", "街道", "乡镇", "镇",
];

/// A cell naming one or more units (`县卫健局`, `县教育局、县人力社保局`).
fn lead_like(s: &str) -> bool {
    let c = compact(s);
    if c.is_empty() || c.chars().count() > 80 || value_cell(&c) {
        return false;
    }
    c.split(['、', ',', '，', ';', '；', '/'])
        .filter(|p| !p.is_empty())
        .all(|p| {
            let p = p.trim_end_matches([')', '）', '等']);
            UNIT_ENDINGS.iter().any(|e| p.ends_with(e))
        })
}

/// A cell of values: what [`Target::parse`] reads, with at most a short unit (a name such
/// as `15分钟圈覆盖率` also starts with a number).
fn value_cell(s: &str) -> bool {
    let (t, _) = strip_stars(s);
    match Target::parse(&t) {
        Ok(x) => x
            .unit
            .as_deref()
            .is_none_or(|u| u.chars().count() <= 4 && !u.contains(['(', '（'])),
        Err(_) => false,
    }
}

/// Where the table region ends: a heading, a note, or a line of prose.
fn ends_table(s: &str) -> bool {
    top_heading(s).is_some()
        || paren_heading(s).is_some()
        || [
            "注:",
            "注：",
            "备注",
            "说明:",
            "说明：",
            "数据来源",
            "资料来源",
        ]
        .iter()
        .any(|p| s.starts_with(p))
        || s.contains('。')
        || s.chars().count() > 40
}

pub(crate) fn read_table(lines: &[SrcLine], doc_year: Option<i32>) -> TableRead {
    let mut out = TableRead {
        rows: Vec::new(),
        unread: Vec::new(),
        baseline_year: None,
        target_years: Vec::new(),
        region: None,
        header: None,
    };
    for start in 0..lines.len() {
        let text = &lines[start].text;
        if text.is_empty() {
            continue;
        }
        if let Some(cells) = split_delimited(text) {
            let header: Option<Vec<HeaderCell>> = cells.iter().map(|c| classify(c)).collect();
            if let Some(shape) = header.as_deref().and_then(|h| resolve(h, doc_year)) {
                out.baseline_year = shape.baseline_year;
                out.target_years = shape.target_years.clone();
                out.header = Some((lines[start].no, lines[start].no));
                let end = read_delimited_rows(lines, start + 1, &shape.roles, &mut out);
                out.region = Some((start, end));
                no_rows_read(lines, start, &mut out);
                return out;
            }
            continue;
        }
        // A heading (`一、年度主要指标`) is not a header cell.
        if top_heading(text).is_some() {
            continue;
        }
        match classify(text) {
            Some(HeaderCell::Domain) | Some(HeaderCell::Seq) | Some(HeaderCell::Name) => {}
            _ => continue,
        }
        let mut header = Vec::new();
        let mut j = start;
        let mut header_end = start;
        // A header has a few dozen cells at most; the cap keeps odd input linear.
        while j < lines.len() && header.len() < MAX_HEADER_CELLS {
            let t = &lines[j].text;
            if t.is_empty() {
                j += 1;
                continue;
            }
            if split_delimited(t).is_some() {
                break;
            }
            match classify(t) {
                Some(h) => {
                    header.push(h);
                    header_end = j + 1;
                    j += 1;
                }
                None => break,
            }
        }
        if let Some(shape) = resolve(&header, doc_year) {
            out.baseline_year = shape.baseline_year;
            out.target_years = shape.target_years.clone();
            out.header = Some((lines[start].no, lines[header_end - 1].no));
            let end = read_cell_rows(lines, header_end, &shape.roles, &mut out);
            out.region = Some((start, end));
            no_rows_read(lines, start, &mut out);
            return out;
        }
    }
    out
}

/// A table header with no row read is an error, never an empty success.
fn no_rows_read(lines: &[SrcLine], start: usize, out: &mut TableRead) {
    if out.rows.is_empty() {
        out.unread.push(Unread {
            line: lines[start].no,
            text: clip(&lines[start].text, 60),
            reason: "找到了指标表的表头,但其后没有读出任何一行指标".into(),
        });
    }
}

/// The cells of one row as read, by role, before they become a `TableRow`.
#[derive(Default)]
struct RawRow {
    domain: String,
    seq: u32,
    sub: u32,
    name: String,
    unit: Option<String>,
    baseline: Option<Target>,
    targets: BTreeMap<i32, Target>,
    lead: Option<String>,
    /// The 牵头单位 cell is absent because it was written once for several rows.
    lead_from_above: bool,
    starred_years: Vec<i32>,
    baseline_starred: bool,
    line: usize,
    first_line: usize,
    last_line: usize,
}

/// What is carried from row to row: merged cells and the numbering.
#[derive(Default)]
struct Carry {
    domain: String,
    lead: Option<String>,
    /// The last main row's 序号 (sub-indicators hang below it).
    main_seq: Option<u32>,
    /// Sub-indicators read below the last main row.
    subs: u32,
    /// Rows numbered so far, for a table without a 序号 column.
    counted: u32,
}

impl Carry {
    /// Numbers a main row (its own 序号, or the next one) and makes it the parent of the
    /// sub-indicators that follow.
    fn main(&mut self, seq: Option<u32>) -> u32 {
        self.counted += 1;
        let s = seq.unwrap_or(self.counted);
        self.main_seq = Some(s);
        self.subs = 0;
        s
    }

    fn sub(&mut self) -> Option<(u32, u32)> {
        let parent = self.main_seq?;
        self.subs += 1;
        Some((parent, self.subs))
    }

    /// Takes a finished row: its merged cells from above, and what the next rows carry.
    fn finish(&mut self, raw: &mut RawRow) {
        if raw.lead_from_above && raw.lead.is_none() {
            raw.lead = self.lead.clone();
        }
        if !raw.domain.is_empty() {
            self.domain = raw.domain.clone();
        }
        if raw.lead.is_some() {
            self.lead = raw.lead.clone();
        }
    }
}

fn next_nonempty(lines: &[SrcLine], mut i: usize) -> Option<usize> {
    while i < lines.len() {
        if !lines[i].text.is_empty() {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether a row start (序号, or a domain name followed by one) comes within the next few
/// non-empty lines: then a line that fits nowhere is inside the table, not after it.
fn row_start_ahead(lines: &[SrcLine], from: usize) -> bool {
    let mut i = from;
    for _ in 0..4 {
        let Some(j) = next_nonempty(lines, i) else {
            return false;
        };
        let t = &lines[j].text;
        if ends_table(t) {
            return false;
        }
        if as_seq(t).is_some() {
            return true;
        }
        i = j + 1;
    }
    false
}

/// Whether the domain name at `j` (perhaps split over a few lines) is followed by a 序号,
/// or by the end of the text (the rows below it cut off).
fn domain_then_seq(lines: &[SrcLine], j: usize) -> bool {
    let mut k = j + 1;
    for _ in 0..4 {
        let Some(n) = next_nonempty(lines, k) else {
            return true;
        };
        let t = &lines[n].text;
        if as_seq(t).is_some() {
            return true;
        }
        if !domain_like(t) || ends_table(t) {
            return false;
        }
        k = n + 1;
    }
    false
}

fn read_cell_rows(lines: &[SrcLine], from: usize, roles: &[Role], out: &mut TableRead) -> usize {
    let has_domain = roles.contains(&Role::Domain);
    let has_seq = roles.contains(&Role::Seq);
    let body: Vec<Role> = roles
        .iter()
        .filter(|r| !matches!(r, Role::Domain | Role::Seq))
        .cloned()
        .collect();
    // The text cells before the first value: how a row starts when it has no 序号.
    let lead_in = body.iter().take_while(|r| !r.numeric()).count();
    let after_name: Vec<Role> = match body.iter().position(|r| *r == Role::Name) {
        Some(p) => body[p + 1..].to_vec(),
        None => Vec::new(),
    };
    let ctx = CellCtx {
        has_seq,
        target_years: out.target_years.clone(),
        baseline_year: out.baseline_year,
    };
    let mut carry = Carry::default();
    // The first line of a domain's name read before the 序号 of its first row.
    let mut domain_from: Vec<usize> = Vec::new();
    let mut i = from;
    loop {
        let Some(j) = next_nonempty(lines, i) else {
            return lines.len();
        };
        let l = &lines[j];
        if ends_table(&l.text) {
            return j;
        }
        // A sub-indicator: `其中:…`, or `(1)` before its name.
        let sub_by_seq = as_seq(&l.text).is_none()
            && as_sub_seq(&l.text)
            && next_nonempty(lines, j + 1).is_some_and(|n| !value_cell(&lines[n].text));
        if is_sub_name(&l.text) || sub_by_seq {
            let Some((seq, sub)) = carry.sub() else {
                out.unread.push(Unread {
                    line: l.no,
                    text: l.text.clone(),
                    reason: "子指标(其中)之前没有主指标".into(),
                });
                i = j + 1;
                continue;
            };
            let name_at = if sub_by_seq {
                next_nonempty(lines, j + 1).unwrap_or(j)
            } else {
                j
            };
            let mut raw = RawRow {
                domain: carry.domain.clone(),
                seq,
                sub,
                name: sub_name(&lines[name_at].text),
                line: l.no,
                first_line: l.no,
                last_line: lines[name_at].no,
                ..RawRow::default()
            };
            i = name_at + 1;
            read_cells(lines, &mut i, &after_name, &mut raw, out, &ctx);
            carry.finish(&mut raw);
            out.rows
                .push(finish_row(raw, &ctx.target_years, ctx.baseline_year));
            continue;
        }
        if !has_seq {
            match start_row_without_seq(lines, j, &body[..lead_in], has_domain, &mut carry, out) {
                RowStart::Row(mut raw, next) => {
                    i = next;
                    read_cells(lines, &mut i, &body[lead_in..], &mut raw, out, &ctx);
                    carry.finish(&mut raw);
                    out.rows
                        .push(finish_row(*raw, &ctx.target_years, ctx.baseline_year));
                }
                RowStart::Skip(next) => i = next,
                RowStart::End => return j,
            }
            continue;
        }
        if let Some(seq) = as_seq(&l.text) {
            // A number where a row should start, out of sequence and followed by another
            // cell value rather than a name: an extra cell of the previous row.
            if let Some(prev) = carry.main_seq
                && seq != prev + 1
                && next_nonempty(lines, j + 1).is_some_and(|n| value_cell(&lines[n].text))
            {
                out.unread.push(Unread {
                    line: l.no,
                    text: l.text.clone(),
                    reason: format!("序号 {prev} 的行之后多出的单元格"),
                });
                i = j + 1;
                continue;
            }
            let seq = carry.main(Some(seq));
            let mut raw = RawRow {
                domain: carry.domain.clone(),
                seq,
                line: l.no,
                first_line: domain_from.first().copied().unwrap_or(l.no),
                last_line: l.no,
                ..RawRow::default()
            };
            i = j + 1;
            read_cells(lines, &mut i, &body, &mut raw, out, &ctx);
            if has_domain && raw.domain.is_empty() {
                out.unread.push(Unread {
                    line: raw.line,
                    text: l.text.clone(),
                    reason: format!("序号 {seq} 的行之前没有领域名称"),
                });
            }
            let domain_lines = std::mem::take(&mut domain_from);
            if raw.name.trim().is_empty() {
                // Only the 序号 before the text ends: reported by `missing`, and the
                // domain's name before it.
                for no in domain_lines {
                    out.unread.push(Unread {
                        line: no,
                        text: carry.domain.clone(),
                        reason: "表格在此中断:领域名称之后没有指标".into(),
                    });
                }
                continue;
            }
            carry.finish(&mut raw);
            out.rows
                .push(finish_row(raw, &ctx.target_years, ctx.baseline_year));
            continue;
        }
        if has_domain && domain_like(&l.text) {
            // Collect the parts of a domain name split over lines, up to the 序号.
            let mut parts = vec![j];
            let mut k = j + 1;
            let mut ok = false;
            while let Some(n) = next_nonempty(lines, k) {
                let t = &lines[n].text;
                if as_seq(t).is_some() {
                    ok = true;
                    break;
                }
                if !domain_like(t) || parts.len() >= 4 || ends_table(t) {
                    break;
                }
                parts.push(n);
                k = n + 1;
            }
            if ok {
                carry.domain = parts
                    .iter()
                    .map(|p| strip_stars(&compact(&lines[*p].text)).0)
                    .collect();
                domain_from = parts.iter().map(|p| lines[*p].no).collect();
                i = k;
                continue;
            }
            let at_end = next_nonempty(lines, k).is_none();
            if !at_end && !row_start_ahead(lines, k) {
                return j;
            }
            for p in parts {
                out.unread.push(Unread {
                    line: lines[p].no,
                    text: lines[p].text.clone(),
                    reason: if at_end {
                        "表格在此中断:领域名称之后没有指标".into()
                    } else {
                        "表格中无法识别的行:其后不是序号,不像领域名称".into()
                    },
                });
            }
            i = k;
            continue;
        }
        if !row_start_ahead(lines, j + 1) {
            return j;
        }
        out.unread.push(Unread {
            line: l.no,
            text: l.text.clone(),
            reason: "表格中无法识别的行:此处应为序号或领域名称(多出的单元格?)".into(),
        });
        i = j + 1;
    }
}

enum RowStart {
    /// A row begun: its text cells read; values from this line index on.
    Row(Box<RawRow>, usize),
    /// Lines reported as unread; go on from this index.
    Skip(usize),
    /// The table has ended.
    End,
}

/// A row of a table without 序号, one cell per line: the text lines up to the first value
/// are (from the end) the row's text cells — name, and unit or lead when the header puts
/// them before the values — and before them the domain's name.
fn start_row_without_seq(
    lines: &[SrcLine],
    j: usize,
    lead_in: &[Role],
    has_domain: bool,
    carry: &mut Carry,
    out: &mut TableRead,
) -> RowStart {
    let mut run = Vec::new();
    let mut k = j;
    let mut at_value = false;
    let mut at_end_of_text = true;
    while let Some(n) = next_nonempty(lines, k) {
        let t = &lines[n].text;
        if ends_table(t) {
            at_end_of_text = false;
            break;
        }
        if value_cell(t) {
            at_value = true;
            break;
        }
        if is_sub_name(t) && !run.is_empty() {
            at_end_of_text = false;
            break;
        }
        run.push(n);
        k = n + 1;
        if run.len() > lead_in.len() + 4 {
            at_end_of_text = false;
            break;
        }
    }
    if run.is_empty() {
        // A value where a row should start.
        let l = &lines[j];
        out.unread.push(Unread {
            line: l.no,
            text: l.text.clone(),
            reason: match carry.main_seq {
                Some(prev) => format!("第 {prev} 行指标之后多出的单元格"),
                None => "表格中无法识别的行:此处应为指标名称或领域名称".into(),
            },
        });
        return RowStart::Skip(j + 1);
    }
    if !at_value && !at_end_of_text {
        if run.len() > lead_in.len() + 4 {
            out.unread.push(Unread {
                line: lines[j].no,
                text: lines[j].text.clone(),
                reason: "表格中无法识别的行:其后多行都没有数值".into(),
            });
            return RowStart::Skip(j + 1);
        }
        // Text lines followed by the end of the table: not a row.
        return RowStart::End;
    }
    if !at_value && has_domain {
        let joined: String = run.iter().map(|p| lines[*p].text.as_str()).collect();
        if standard_domain(&joined) {
            for p in &run {
                out.unread.push(Unread {
                    line: lines[*p].no,
                    text: lines[*p].text.clone(),
                    reason: "表格在此中断:领域名称之后没有指标".into(),
                });
            }
            return RowStart::Skip(k);
        }
    }
    // Assign the run's lines to the text cells: from the end when values follow (what is
    // left before them is the domain's name); at the end of the text, where the row may be
    // cut after any of them, from the front after the domain's name.
    let mut raw = RawRow::default();
    let mut last_line = 0;
    let mut missing_roles = Vec::new();
    let (r, used_end) = if at_value {
        let mut r = run.len();
        for role in lead_in.iter().rev() {
            let take = r > 0
                && match role {
                    Role::Lead => lead_like(&lines[run[r - 1]].text),
                    Role::Other(_) => r > 1,
                    _ => true,
                };
            if take {
                r -= 1;
                let cell = &lines[run[r]];
                store_text(&mut raw, role, &cell.text);
                last_line = last_line.max(cell.no);
            } else if matches!(role, Role::Lead) && r > 0 {
                raw.lead_from_above = true;
            } else if !role.optional_text() {
                missing_roles.push(role.clone());
            }
        }
        (r, run.len())
    } else {
        let mut d = 0;
        while has_domain && d + 1 < run.len() && d < 4 && domain_like(&lines[run[d]].text) {
            d += 1;
        }
        let mut next = d;
        for role in lead_in {
            let cell = run.get(next).map(|n| &lines[*n]);
            match (role, cell) {
                (Role::Lead, Some(c)) if !lead_like(&c.text) => {}
                (Role::Other(_), _) | (Role::Lead, None) => {}
                (_, Some(c)) => {
                    store_text(&mut raw, role, &c.text);
                    last_line = last_line.max(c.no);
                    next += 1;
                }
                (_, None) => missing_roles.push(role.clone()),
            }
        }
        (d, next)
    };
    for p in &run[used_end.min(run.len())..] {
        out.unread.push(Unread {
            line: lines[*p].no,
            text: lines[*p].text.clone(),
            reason: "表格中无法识别的行:指标之后多出的文字".into(),
        });
    }
    let name_line = run.get(r).map(|n| lines[*n].no).unwrap_or(lines[j].no);
    let domain_parts = &run[..r];
    let mut domain = carry.domain.clone();
    if !domain_parts.is_empty() {
        if has_domain
            && domain_parts.len() <= 4
            && domain_parts.iter().all(|p| domain_like(&lines[*p].text))
        {
            domain = domain_parts
                .iter()
                .map(|p| strip_stars(&compact(&lines[*p].text)).0)
                .collect();
        } else {
            for p in domain_parts {
                out.unread.push(Unread {
                    line: lines[*p].no,
                    text: lines[*p].text.clone(),
                    reason: "表格中无法识别的行:不像领域名称,也不是指标名称".into(),
                });
            }
        }
    }
    if raw.name.is_empty() {
        return RowStart::Skip(k);
    }
    raw.domain = domain;
    raw.seq = carry.main(None);
    raw.line = name_line;
    raw.first_line = domain_parts
        .first()
        .map(|p| lines[*p].no)
        .unwrap_or(name_line);
    raw.last_line = last_line.max(name_line);
    if !missing_roles.is_empty() {
        missing(&raw, &missing_roles, out);
    }
    if has_domain && raw.domain.is_empty() {
        out.unread.push(Unread {
            line: raw.line,
            text: raw.name.clone(),
            reason: format!("第 {} 行指标之前没有领域名称", raw.seq),
        });
    }
    RowStart::Row(Box::new(raw), k)
}

struct CellCtx {
    has_seq: bool,
    target_years: Vec<i32>,
    baseline_year: Option<i32>,
}

/// Whether an optional text cell (牵头单位, 备注) is present at line `j`, or absent
/// because it was written once for several rows and the next row begins here.
fn optional_present(lines: &[SrcLine], j: usize, role: &Role, last: bool, has_seq: bool) -> bool {
    let t = &lines[j].text;
    if value_cell(t) || (has_seq && as_seq(t).is_some()) || is_sub_name(t) {
        return false;
    }
    if matches!(role, Role::Lead) {
        // A unit's name; or, before the row's values, any text.
        return lead_like(t) || !last;
    }
    if !last {
        return true;
    }
    if has_seq {
        return !(domain_like(t) && domain_then_seq(lines, j));
    }
    false
}

fn read_cells(
    lines: &[SrcLine],
    i: &mut usize,
    roles: &[Role],
    raw: &mut RawRow,
    out: &mut TableRead,
    ctx: &CellCtx,
) {
    for (k, role) in roles.iter().enumerate() {
        let next = next_nonempty(lines, *i).filter(|j| !ends_table(&lines[*j].text));
        let Some(j) = next else {
            // Only cells written once for several rows remain, and the table ends (the text
            // goes on): they come from above. At the end of the text they are cut off.
            let rest_optional = roles[k..].iter().all(Role::optional_text);
            if rest_optional && next_nonempty(lines, *i).is_some() {
                raw.lead_from_above |= roles[k..].contains(&Role::Lead);
            } else {
                missing(raw, &roles[k..], out);
            }
            return;
        };
        let cell = &lines[j].text;
        if role.optional_text() {
            let last = roles[k + 1..].iter().all(Role::optional_text);
            if optional_present(lines, j, role, last, ctx.has_seq) {
                store_text(raw, role, cell);
                raw.last_line = lines[j].no;
                *i = j + 1;
            } else if matches!(role, Role::Lead) {
                raw.lead_from_above = true;
            }
            continue;
        }
        match role {
            Role::Baseline | Role::Target(_) => {
                let (txt, star) = strip_stars(cell);
                match Target::parse(&txt) {
                    Ok(t) => {
                        store(raw, role, t, star);
                        raw.last_line = lines[j].no;
                        *i = j + 1;
                    }
                    Err(e) => {
                        if domain_like(cell)
                            || cell.contains(['(', '（'])
                            || is_sub_name(cell)
                            || (!ctx.has_seq && !value_cell(cell) && next_is_value(lines, j))
                        {
                            // The next row (or domain) has begun: this row is short.
                            missing(raw, &roles[k..], out);
                            return;
                        }
                        out.unread.push(Unread {
                            line: lines[j].no,
                            text: cell.clone(),
                            reason: format!("{}的{}:{e}", row_label(raw), role.label()),
                        });
                        raw.last_line = lines[j].no;
                        *i = j + 1;
                    }
                }
            }
            _ => {
                if matches!(role, Role::Name) && as_seq(cell).is_some() {
                    missing(raw, &roles[k..], out);
                    return;
                }
                store_text(raw, role, cell);
                raw.last_line = lines[j].no;
                *i = j + 1;
            }
        }
    }
}

fn next_is_value(lines: &[SrcLine], j: usize) -> bool {
    next_nonempty(lines, j + 1).is_some_and(|n| value_cell(&lines[n].text))
}

/// `序号 3`, or `序号 3 的子指标 1`.
fn row_label(raw: &RawRow) -> String {
    if raw.sub > 0 {
        format!("序号 {} 的子指标 {}", raw.seq, raw.sub)
    } else {
        format!("序号 {}", raw.seq)
    }
}

fn missing(raw: &RawRow, roles: &[Role], out: &mut TableRead) {
    let labels: Vec<String> = roles.iter().map(Role::label).collect();
    out.unread.push(Unread {
        line: raw.line,
        text: format!("{} {}", raw.seq, raw.name),
        reason: format!(
            "{}的行缺少 {} 个单元格({}),未读到的留空",
            row_label(raw),
            roles.len(),
            labels.join("、")
        ),
    });
}

fn store(raw: &mut RawRow, role: &Role, t: Target, star: bool) {
    match role {
        Role::Baseline => {
            raw.baseline = Some(t);
            raw.baseline_starred |= star;
        }
        Role::Target(y) => {
            raw.targets.insert(*y, t);
            if star {
                raw.starred_years.push(*y);
            }
        }
        _ => {}
    }
}

fn store_text(raw: &mut RawRow, role: &Role, cell: &str) {
    match role {
        Role::Domain => {
            let d = strip_stars(&compact(cell)).0;
            if !d.is_empty() {
                raw.domain = d;
            }
        }
        Role::Name => raw.name = cell.to_string(),
        Role::Unit => raw.unit = Some(cell.trim().to_string()),
        Role::Lead => raw.lead = Some(cell.trim().to_string()).filter(|s| !s.is_empty()),
        _ => {}
    }
}

/// How plausible a cell is in a column, for aligning a short delimited row.
fn plausibility(role: &Role, cell: &str) -> i32 {
    match role {
        Role::Seq if as_seq(cell).is_some() => 2,
        Role::Seq if as_sub_seq(cell) || cell.is_empty() => 0,
        Role::Seq => -5,
        Role::Domain if standard_domain(cell) => 3,
        Role::Domain if cell.is_empty() || domain_like(cell) => 1,
        Role::Domain => -2,
        Role::Name if standard_domain(cell) => -3,
        Role::Name if !cell.is_empty() && !value_cell(cell) && as_seq(cell).is_none() => 1,
        Role::Name => -3,
        Role::Unit if value_cell(cell) && !cell.is_empty() => -1,
        Role::Unit => 0,
        // Tables write `/` for no target: an empty cell is more likely a merged one.
        Role::Baseline | Role::Target(_) if cell.is_empty() => -1,
        Role::Baseline | Role::Target(_) if value_cell(cell) => 1,
        Role::Baseline | Role::Target(_) => -1,
        Role::Lead if cell.is_empty() || lead_like(cell) => 1,
        Role::Lead if value_cell(cell) => -2,
        Role::Lead => -1,
        Role::Other(_) => 0,
    }
}

/// Which column each cell of a delimited row belongs to. A row with fewer cells than the
/// header either leaves out cells written once for several rows (领域, 牵头单位) or is cut
/// off: the best-fitting reading wins. At the end of the text a missing 牵头单位 is a cut,
/// never filled from above. Returns the cell index per role (`None`: not in the row) and the
/// roles cut off.
fn align(roles: &[Role], cells: &[String], at_end: bool) -> (Vec<Option<usize>>, Vec<usize>) {
    let (m, n) = (roles.len(), cells.len());
    if n >= m {
        return ((0..m).map(Some).collect(), Vec::new());
    }
    let mergeable: Vec<usize> = (0..m)
        .filter(|r| matches!(roles[*r], Role::Domain | Role::Lead))
        .collect();
    let mut best: Option<(i32, Vec<Option<usize>>, Vec<usize>)> = None;
    for mask in 0u32..(1 << mergeable.len()) {
        let omitted: Vec<usize> = mergeable
            .iter()
            .enumerate()
            .filter(|(b, _)| mask & (1 << b) != 0)
            .map(|(_, r)| *r)
            .collect();
        let kept: Vec<usize> = (0..m).filter(|r| !omitted.contains(r)).collect();
        if kept.len() < n || n == 0 {
            continue;
        }
        // 备注 cells left off the end of a row are not missing: nothing is read from them.
        let cut = kept[n..]
            .iter()
            .filter(|r| !matches!(roles[**r], Role::Other(_)))
            .count();
        // A 牵头单位 left out after the row's last cell cannot be told from a cut there:
        // at the end of the text, or in a row cut short, it is a cut.
        let last_present = kept[n - 1];
        let lead_after_cells = omitted
            .iter()
            .any(|r| roles[*r] == Role::Lead && *r > last_present);
        if lead_after_cells && (cut > 0 || at_end) {
            continue;
        }
        let mut assigned = vec![None; m];
        let mut score = -2 * cut as i32;
        for (c, r) in kept.iter().take(n).enumerate() {
            assigned[*r] = Some(c);
            score += plausibility(&roles[*r], &cells[c]);
        }
        let missing: Vec<usize> = kept[n..]
            .iter()
            .copied()
            .filter(|r| !matches!(roles[*r], Role::Other(_)))
            .collect();
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, assigned, missing));
        }
    }
    match best {
        Some((_, a, miss)) => (a, miss),
        None => {
            let assigned = (0..m).map(|r| (r < n).then_some(r)).collect();
            let cut = (n..m)
                .filter(|r| !matches!(roles[*r], Role::Other(_)))
                .collect();
            (assigned, cut)
        }
    }
}

fn read_delimited_rows(
    lines: &[SrcLine],
    from: usize,
    roles: &[Role],
    out: &mut TableRead,
) -> usize {
    let target_years = out.target_years.clone();
    let baseline_year = out.baseline_year;
    let has_seq = roles.contains(&Role::Seq);
    let has_domain = roles.contains(&Role::Domain);
    let last_nonempty = lines.iter().rposition(|l| !l.text.is_empty());
    let mut carry = Carry::default();
    for (idx, l) in lines.iter().enumerate().skip(from) {
        if l.text.is_empty() {
            continue;
        }
        let cells = match split_delimited(&l.text) {
            Some(cells) => cells,
            // The text's last line, cut after a row's first cell.
            None if Some(idx) == last_nonempty && !ends_table(&l.text) => vec![l.text.clone()],
            None => return idx,
        };
        if is_separator_row(&cells) {
            continue;
        }
        if cells.iter().all(String::is_empty) {
            out.unread.push(Unread {
                line: l.no,
                text: l.text.clone(),
                reason: "表格中的空行".into(),
            });
            continue;
        }
        if cells.len() > roles.len() {
            out.unread.push(Unread {
                line: l.no,
                text: l.text.clone(),
                reason: format!("此行有 {} 个单元格,表头有 {} 列", cells.len(), roles.len()),
            });
            continue;
        }
        let (assigned, cut) = align(roles, &cells, Some(idx) == last_nonempty);
        let cell_of = |role: &Role| -> Option<&String> {
            roles
                .iter()
                .position(|r| r == role)
                .and_then(|r| assigned[r])
                .map(|c| &cells[c])
        };
        let seq_cell = cell_of(&Role::Seq).cloned().unwrap_or_default();
        let name = cell_of(&Role::Name).cloned().unwrap_or_default();
        let is_sub = (has_seq && as_seq(&seq_cell).is_none() && as_sub_seq(&seq_cell))
            || ((seq_cell.is_empty() || !has_seq) && is_sub_name(&name));
        let seq = if is_sub {
            None
        } else if has_seq {
            match as_seq(&seq_cell) {
                Some(s) => Some(s),
                None => {
                    out.unread.push(Unread {
                        line: l.no,
                        text: l.text.clone(),
                        reason: "序号无法识别".into(),
                    });
                    continue;
                }
            }
        } else {
            None
        };
        if name.is_empty() || value_cell(&name) {
            out.unread.push(Unread {
                line: l.no,
                text: l.text.clone(),
                reason: "此行没有指标名称".into(),
            });
            continue;
        }
        let (seq, sub) = if is_sub {
            match carry.sub() {
                Some(s) => s,
                None => {
                    out.unread.push(Unread {
                        line: l.no,
                        text: l.text.clone(),
                        reason: "子指标(其中)之前没有主指标".into(),
                    });
                    continue;
                }
            }
        } else {
            (carry.main(seq), 0)
        };
        let mut raw = RawRow {
            domain: carry.domain.clone(),
            seq,
            sub,
            line: l.no,
            first_line: l.no,
            last_line: l.no,
            ..RawRow::default()
        };
        for (r, role) in roles.iter().enumerate() {
            let Some(c) = assigned[r] else {
                if *role == Role::Lead && !cut.contains(&r) {
                    raw.lead_from_above = true;
                }
                continue;
            };
            let cell = &cells[c];
            match role {
                Role::Seq => {}
                Role::Name => raw.name = if is_sub { sub_name(cell) } else { cell.clone() },
                Role::Baseline | Role::Target(_) => {
                    let (txt, star) = strip_stars(cell);
                    match Target::parse(&txt) {
                        Ok(t) => store(&mut raw, role, t, star),
                        Err(e) => out.unread.push(Unread {
                            line: l.no,
                            text: cell.clone(),
                            reason: format!("{}的{}:{e}", row_label(&raw), role.label()),
                        }),
                    }
                }
                Role::Lead if cell.is_empty() => raw.lead_from_above = true,
                _ => store_text(&mut raw, role, cell),
            }
        }
        if !cut.is_empty() {
            let cut_roles: Vec<Role> = cut.iter().map(|r| roles[*r].clone()).collect();
            missing(&raw, &cut_roles, out);
        }
        if has_domain && raw.domain.is_empty() {
            out.unread.push(Unread {
                line: l.no,
                text: clip(&l.text, 60),
                reason: format!("{}的行之前没有领域名称", row_label(&raw)),
            });
        }
        carry.finish(&mut raw);
        out.rows.push(finish_row(raw, &target_years, baseline_year));
    }
    lines.len()
}

fn finish_row(raw: RawRow, target_years: &[i32], baseline_year: Option<i32>) -> TableRow {
    let (name_text, starred) = strip_stars(&raw.name);
    let (name, paren_unit) = split_name_unit(&name_text);
    let mut notes = Vec::new();
    let mut unit = raw
        .unit
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or(paren_unit);
    if unit.is_empty() {
        let cell_units: Vec<&str> = raw
            .baseline
            .iter()
            .chain(raw.targets.values())
            .filter_map(|t| t.unit.as_deref())
            .collect();
        if let Some(first) = cell_units.first()
            && cell_units.iter().all(|u| u == first)
        {
            unit = first.to_string();
            notes.push(format!("单位“{unit}”取自单元格"));
        }
    }
    let polarity = polarity_by_name(&name);
    if polarity == Polarity::LowerIsBetter {
        notes.push("按名称推定为越低越好".into());
    }
    if raw.sub > 0 {
        notes.push(format!("序号 {} 的子指标(其中)", raw.seq));
    }
    let baseline = raw.baseline.unwrap_or_else(|| Target::none(""));
    let final_target = raw
        .targets
        .iter()
        .rev()
        .find(|(_, t)| t.is_set() && t.op != Op::Full)
        .and_then(|(_, t)| t.value);
    if let (Some(b), Some(f)) = (baseline.value, final_target)
        && b > f
        && polarity == Polarity::HigherIsBetter
    {
        notes.push(format!(
            "基期值 {b} 高于末年目标 {f}(下降目标或越低越好?),请核对指标方向"
        ));
    }
    let mut starred_years = raw.starred_years;
    if raw.baseline_starred
        && let Some(by) = baseline_year
    {
        starred_years.insert(0, by);
    }
    for y in target_years {
        if !raw.targets.contains_key(y) {
            notes.push(format!("{y}年目标未读到"));
        }
    }
    TableRow {
        domain: raw.domain,
        seq: raw.seq,
        sub: raw.sub,
        name,
        unit,
        baseline,
        targets: raw.targets,
        lead_unit: raw.lead,
        starred,
        starred_years,
        polarity,
        notes,
        line: raw.line,
        first_line: raw.first_line,
        last_line: raw.last_line.max(raw.line),
    }
}
