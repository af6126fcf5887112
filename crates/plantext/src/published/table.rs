//! The table of yearly targets: one cell per line (the seed), or one row per line with
//! `|` or tab between cells.

use std::collections::BTreeMap;

use youxiang_core::{Op, Polarity, Target};

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
}

#[derive(Debug, Clone, PartialEq)]
enum HeaderCell {
    Domain,
    Seq,
    Name,
    Unit,
    Year(i32),
    Baseline(Option<i32>),
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
}

fn classify(cell: &str) -> Option<HeaderCell> {
    let (c, _) = strip_stars(&compact(cell));
    if c.is_empty() {
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
        _ => return None,
    })
}

/// Resolves header cells into roles: which year is the baseline, which are targets.
fn resolve(header: &[HeaderCell]) -> Option<(Vec<Role>, Option<i32>, Vec<i32>)> {
    let has_name = header.contains(&HeaderCell::Name);
    let years: Vec<i32> = header
        .iter()
        .filter_map(|h| match h {
            HeaderCell::Year(y) => Some(*y),
            _ => None,
        })
        .collect();
    let baseline_cols = header
        .iter()
        .filter(|h| matches!(h, HeaderCell::Baseline(_)))
        .count();
    if !has_name || years.is_empty() || baseline_cols > 1 {
        return None;
    }
    let mut baseline_year = None;
    let mut first_year_is_baseline = false;
    if baseline_cols == 1 {
        for h in header {
            if let HeaderCell::Baseline(y) = h {
                baseline_year = y.or_else(|| years.iter().min().map(|m| m - 1));
            }
        }
    } else if years.len() >= 2 {
        first_year_is_baseline = true;
        baseline_year = years.first().copied();
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
            HeaderCell::Baseline(_) => Role::Baseline,
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
    Some((roles, baseline_year, targets))
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

/// A domain name or part of one: 2–12 CJK characters once spaces and stars are removed.
fn domain_like(s: &str) -> bool {
    let (c, _) = strip_stars(&compact(s));
    let n = c.chars().count();
    (1..=12).contains(&n) && c.chars().all(is_cjk)
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

pub(crate) fn read_table(lines: &[SrcLine]) -> TableRead {
    let mut out = TableRead {
        rows: Vec::new(),
        unread: Vec::new(),
        baseline_year: None,
        target_years: Vec::new(),
        region: None,
    };
    for start in 0..lines.len() {
        let text = &lines[start].text;
        if text.is_empty() {
            continue;
        }
        if let Some(cells) = split_delimited(text) {
            let header: Option<Vec<HeaderCell>> = cells.iter().map(|c| classify(c)).collect();
            if let Some((roles, by, ty)) = header.as_deref().and_then(resolve)
                && roles.contains(&Role::Seq)
            {
                out.baseline_year = by;
                out.target_years = ty;
                let end = read_delimited_rows(lines, start + 1, &roles, &mut out);
                out.region = Some((start, end));
                return out;
            }
            continue;
        }
        match classify(text) {
            Some(HeaderCell::Domain) | Some(HeaderCell::Seq) => {}
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
            match classify(t) {
                Some(h) => {
                    header.push(h);
                    header_end = j + 1;
                    j += 1;
                }
                None => break,
            }
        }
        if let Some((roles, by, ty)) = resolve(&header)
            && roles.contains(&Role::Seq)
        {
            out.baseline_year = by;
            out.target_years = ty;
            let end = read_cell_rows(lines, header_end, &roles, &mut out);
            out.region = Some((start, end));
            return out;
        }
    }
    out
}

/// The cells of one row as read, by role, before they become a `TableRow`.
#[derive(Default)]
struct RawRow {
    domain: String,
    seq: u32,
    name: String,
    unit: Option<String>,
    baseline: Option<Target>,
    targets: BTreeMap<i32, Target>,
    lead: Option<String>,
    starred_years: Vec<i32>,
    baseline_starred: bool,
    line: usize,
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

fn read_cell_rows(lines: &[SrcLine], from: usize, roles: &[Role], out: &mut TableRead) -> usize {
    let has_domain = roles.contains(&Role::Domain);
    let after_seq: Vec<Role> = roles
        .iter()
        .filter(|r| !matches!(r, Role::Domain | Role::Seq))
        .cloned()
        .collect();
    let target_years = out.target_years.clone();
    let baseline_year = out.baseline_year;
    let mut domain = String::new();
    let mut i = from;
    loop {
        let Some(j) = next_nonempty(lines, i) else {
            return lines.len();
        };
        let l = &lines[j];
        if ends_table(&l.text) {
            return j;
        }
        if let Some(seq) = as_seq(&l.text) {
            // A number where a row should start, out of sequence and followed by another
            // cell value rather than a name: an extra cell of the previous row.
            if let Some(prev) = out.rows.last()
                && seq != prev.seq + 1
                && next_nonempty(lines, j + 1)
                    .is_some_and(|n| Target::parse(&strip_stars(&lines[n].text).0).is_ok())
            {
                out.unread.push(Unread {
                    line: l.no,
                    text: l.text.clone(),
                    reason: format!("序号 {} 的行之后多出的单元格", prev.seq),
                });
                i = j + 1;
                continue;
            }
            let mut raw = RawRow {
                domain: domain.clone(),
                seq,
                line: l.no,
                ..RawRow::default()
            };
            i = j + 1;
            read_cells(lines, &mut i, &after_seq, &mut raw, out);
            if has_domain && raw.domain.is_empty() {
                out.unread.push(Unread {
                    line: raw.line,
                    text: l.text.clone(),
                    reason: format!("序号 {seq} 的行之前没有领域名称"),
                });
            }
            out.rows.push(finish_row(raw, &target_years, baseline_year));
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
                domain = parts
                    .iter()
                    .map(|p| strip_stars(&compact(&lines[*p].text)).0)
                    .collect();
                i = k;
                continue;
            }
            if !row_start_ahead(lines, k) {
                return j;
            }
            for p in parts {
                out.unread.push(Unread {
                    line: lines[p].no,
                    text: lines[p].text.clone(),
                    reason: "表格中无法识别的行:其后不是序号,不像领域名称".into(),
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

fn read_cells(
    lines: &[SrcLine],
    i: &mut usize,
    roles: &[Role],
    raw: &mut RawRow,
    out: &mut TableRead,
) {
    for (k, role) in roles.iter().enumerate() {
        let next = next_nonempty(lines, *i).filter(|j| !ends_table(&lines[*j].text));
        let Some(j) = next else {
            missing(raw, &roles[k..], out);
            return;
        };
        let cell = &lines[j].text;
        match role {
            Role::Baseline | Role::Target(_) => {
                let (txt, star) = strip_stars(cell);
                match Target::parse(&txt) {
                    Ok(t) => {
                        store(raw, role, t, star);
                        *i = j + 1;
                    }
                    Err(e) => {
                        if domain_like(cell) || cell.contains(['(', '（']) {
                            // The next row (or domain) has begun: this row is short.
                            missing(raw, &roles[k..], out);
                            return;
                        }
                        out.unread.push(Unread {
                            line: lines[j].no,
                            text: cell.clone(),
                            reason: format!("序号 {} 的{}:{e}", raw.seq, role.label()),
                        });
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
                *i = j + 1;
            }
        }
    }
}

fn missing(raw: &RawRow, roles: &[Role], out: &mut TableRead) {
    let labels: Vec<String> = roles.iter().map(Role::label).collect();
    out.unread.push(Unread {
        line: raw.line,
        text: format!("{} {}", raw.seq, raw.name),
        reason: format!(
            "序号 {} 的行缺少 {} 个单元格({})",
            raw.seq,
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

fn read_delimited_rows(
    lines: &[SrcLine],
    from: usize,
    roles: &[Role],
    out: &mut TableRead,
) -> usize {
    let target_years = out.target_years.clone();
    let baseline_year = out.baseline_year;
    let mut domain = String::new();
    for (idx, l) in lines.iter().enumerate().skip(from) {
        if l.text.is_empty() {
            continue;
        }
        let Some(cells) = split_delimited(&l.text) else {
            return idx;
        };
        if is_separator_row(&cells) {
            continue;
        }
        if cells.len() != roles.len() {
            out.unread.push(Unread {
                line: l.no,
                text: l.text.clone(),
                reason: format!("此行有 {} 个单元格,表头有 {} 列", cells.len(), roles.len()),
            });
            continue;
        }
        let mut raw = RawRow {
            domain: domain.clone(),
            line: l.no,
            ..RawRow::default()
        };
        let mut seq_ok = true;
        for (role, cell) in roles.iter().zip(&cells) {
            match role {
                Role::Seq => match as_seq(cell) {
                    Some(s) => raw.seq = s,
                    None => seq_ok = false,
                },
                Role::Baseline | Role::Target(_) => {
                    let (txt, star) = strip_stars(cell);
                    match Target::parse(&txt) {
                        Ok(t) => store(&mut raw, role, t, star),
                        Err(e) => out.unread.push(Unread {
                            line: l.no,
                            text: cell.clone(),
                            reason: format!("{}:{e}", role.label()),
                        }),
                    }
                }
                _ => store_text(&mut raw, role, cell),
            }
        }
        if !seq_ok {
            out.unread.push(Unread {
                line: l.no,
                text: l.text.clone(),
                reason: "序号无法识别".into(),
            });
            continue;
        }
        if raw.domain.is_empty() && roles.contains(&Role::Domain) {
            out.unread.push(Unread {
                line: l.no,
                text: clip(&l.text, 60),
                reason: format!("序号 {} 的行之前没有领域名称", raw.seq),
            });
        }
        domain = raw.domain.clone();
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
    }
}
