//! The key tasks (二、重点任务) and the quantified targets inside their sentences.

use youxiang_core::Target;

use super::plan::STANDARD_DOMAINS;
use super::text::{SrcLine, clip, first_sentence, numbered_item, paren_heading, top_heading};
use super::{ImportedTask, Section, TaskTarget, Unread, YearBasis};

pub(crate) struct TasksRead {
    pub sections: Vec<Section>,
    pub tasks: Vec<ImportedTask>,
    pub targets: Vec<TaskTarget>,
    pub unread: Vec<Unread>,
}

/// Units written after a number. Longest first at match time.
const UNITS: &[&str] = &[
    "万平方米",
    "平方米",
    "万人次",
    "人次",
    "万人",
    "万元",
    "亿元",
    "万户",
    "万套",
    "万册",
    "公里",
    "千米",
    "公顷",
    "平米",
    "周岁",
    "分钟",
    "小时",
    "万",
    "亿",
    "%",
    "％",
    "‰",
    "㎡",
    "个",
    "家",
    "人",
    "名",
    "年",
    "户",
    "间",
    "套",
    "台",
    "元",
    "张",
    "所",
    "次",
    "项",
    "座",
    "处",
    "条",
    "支",
    "床",
    "辆",
    "场",
    "批",
    "件",
    "本",
    "米",
    "亩",
    "吨",
    "倍",
    "天",
    "岁",
    "级",
    "册",
    "类",
    "门",
    "班",
];

/// Units that describe who or what ("80岁以上老人", "15分钟公共服务圈"), never a target.
const DESCRIPTOR_UNITS: &[&str] = &["岁", "周岁", "分钟", "小时", "级"];

/// Comparators that belong to the target text (`不少于120个`).
const COMPARATOR_VERBS: &[&str] = &[
    "不少于",
    "不低于",
    "不小于",
    "不超过",
    "不高于",
    "不大于",
    "超过",
    "高于",
    "大于",
    "低于",
    "小于",
];

/// Verbs that introduce a target value and are not part of its text.
const VALUE_VERBS: &[&str] = &[
    "达到",
    "保持在",
    "控制在",
    "稳定在",
    "提高到",
    "提高至",
    "提升到",
    "提升至",
    "增加到",
    "增长到",
    "降至",
    "降低到",
    "下降到",
    "达",
    "为",
];

/// Verbs whose object follows the number ("建成1家医康养护融合型养老机构"); the object is
/// part of the name.
const OBJECT_VERBS: &[&str] = &[
    "建成", "覆盖", "新增", "培育", "建设", "创建", "打造", "完成",
];

/// Leading words that are not part of a target's name.
const NAME_PREFIXES: &[&str] = &[
    "每年", "实现", "巩固", "确保", "力争", "推进", "其中", "并", "且", "使",
];

/// Words that close a clause with a full-coverage target. Kept verbatim when
/// `Target::parse` reads them; otherwise read as `全覆盖` with a note.
const FULL_ENDINGS: &[&str] = &["全覆盖", "全区覆盖", "全面覆盖", "全部覆盖", "应保尽保"];

/// A year context in a sentence.
#[derive(Clone, Copy, PartialEq)]
enum Marker {
    Year(i32),
    Every,
}

struct Ctx<'a> {
    task: Option<&'a ImportedTask>,
    outside: bool,
    target_years: &'a [i32],
}

pub(crate) fn read_tasks(
    lines: &[SrcLine],
    table: Option<(usize, usize)>,
    target_years: &[i32],
    table_domains: &[String],
) -> TasksRead {
    let mut out = TasksRead {
        sections: Vec::new(),
        tasks: Vec::new(),
        targets: Vec::new(),
        unread: Vec::new(),
    };
    let in_table = |i: usize| table.is_some_and(|(s, e)| i >= s && i < e);
    let start = (0..lines.len()).find(|i| {
        !in_table(*i) && top_heading(&lines[*i].text).is_some_and(|h| h.1.contains("任务"))
    });
    let (start, end) = match start {
        Some(s) => {
            let e = (s + 1..lines.len())
                .find(|i| top_heading(&lines[*i].text).is_some())
                .unwrap_or(lines.len());
            (s + 1, e)
        }
        None => (0, lines.len()),
    };
    let mut known: Vec<String> = table_domains.to_vec();
    known.extend(STANDARD_DOMAINS.iter().map(|d| d.0.to_string()));

    for (i, l) in lines.iter().enumerate() {
        if l.text.is_empty() || in_table(i) {
            continue;
        }
        if i < start || i >= end {
            let ctx = Ctx {
                task: None,
                outside: true,
                target_years,
            };
            scan_paragraph(&l.text, l.no, &ctx, &mut out.targets, &mut out.unread);
            continue;
        }
        if let Some((n, rest)) = paren_heading(&l.text) {
            out.sections.push(Section {
                number: n,
                title: first_sentence(&rest),
                domain: section_domain(&rest, &known),
                lead_unit: lead_unit(&rest),
                line: l.no,
            });
            let ctx = Ctx {
                task: None,
                outside: false,
                target_years,
            };
            scan_paragraph(&rest, l.no, &ctx, &mut out.targets, &mut out.unread);
            continue;
        }
        if let Some((n, rest)) = numbered_item(&l.text) {
            let (section, domain, lead) = match out.sections.last() {
                Some(s) => (s.number, s.domain.clone(), s.lead_unit.clone()),
                None => (0, String::new(), String::new()),
            };
            out.tasks.push(ImportedTask {
                code: format!("{section}.{n}"),
                section,
                number: n,
                domain,
                lead_unit: lead,
                title: first_sentence(&rest),
                text: rest.clone(),
                line: l.no,
            });
            if let Some(task) = out.tasks.last() {
                let ctx = Ctx {
                    task: Some(task),
                    outside: false,
                    target_years,
                };
                scan_paragraph(&rest, l.no, &ctx, &mut out.targets, &mut out.unread);
            }
            continue;
        }
        // A continuation of the current task, or prose under a section heading.
        let in_task = out
            .tasks
            .last()
            .is_some_and(|t| out.sections.last().is_none_or(|s| s.line < t.line));
        if in_task && let Some(task) = out.tasks.last_mut() {
            task.text.push('\n');
            task.text.push_str(&l.text);
        }
        let task = if in_task { out.tasks.last() } else { None };
        let ctx = Ctx {
            task,
            outside: false,
            target_years,
        };
        scan_paragraph(&l.text, l.no, &ctx, &mut out.targets, &mut out.unread);
    }
    out
}

fn section_domain(heading: &str, known: &[String]) -> String {
    if let Some(d) = known
        .iter()
        .find(|d| !d.is_empty() && heading.contains(d.as_str()))
    {
        return d.clone();
    }
    // A quoted name: “…”.
    if let Some((_, rest)) = heading.split_once('“')
        && let Some((inner, _)) = rest.split_once('”')
    {
        return inner.trim().to_string();
    }
    String::new()
}

fn lead_unit(heading: &str) -> String {
    for key in ["牵头单位", "责任单位", "牵头部门"] {
        if let Some((_, rest)) = heading.split_once(key) {
            let rest = rest.trim_start_matches([':', '：', ' ']);
            let end = rest
                .find([')', '）', '。', ';', '；'])
                .unwrap_or(rest.len());
            return rest[..end].trim().to_string();
        }
    }
    String::new()
}

fn starts_at(chars: &[char], i: usize, pat: &str) -> bool {
    pat.chars()
        .enumerate()
        .all(|(k, p)| chars.get(i + k) == Some(&p))
}

/// Whether `pat` ends right before position `i`.
fn ends_at(chars: &[char], i: usize, pat: &str) -> bool {
    let n = pat.chars().count();
    n <= i && starts_at(chars, i - n, pat)
}

fn longest_at<'a>(chars: &[char], i: usize, list: &[&'a str]) -> Option<&'a str> {
    list.iter()
        .filter(|p| starts_at(chars, i, p))
        .max_by_key(|p| p.chars().count())
        .copied()
}

fn longest_ending_at<'a>(chars: &[char], i: usize, list: &[&'a str]) -> Option<&'a str> {
    list.iter()
        .filter(|p| ends_at(chars, i, p))
        .max_by_key(|p| p.chars().count())
        .copied()
}

fn skip_spaces(chars: &[char], mut i: usize, end: usize) -> usize {
    while i < end && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

fn skip_spaces_back(chars: &[char], mut i: usize, start: usize) -> usize {
    while i > start && chars[i - 1].is_whitespace() {
        i -= 1;
    }
    i
}

/// Skips a parenthesised remark `(含市本级)` at `i`.
fn skip_paren(chars: &[char], i: usize, end: usize) -> usize {
    if i < end && (chars[i] == '(' || chars[i] == '（') {
        let mut k = i + 1;
        while k < end {
            if chars[k] == ')' || chars[k] == '）' {
                return k + 1;
            }
            k += 1;
        }
    }
    i
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

/// Year markers (`到2027年`, `至 2027 年`, `截至2025年`) and `每年`: (position after the
/// marker, the marker).
fn markers(chars: &[char]) -> Vec<(usize, Marker)> {
    let mut found = Vec::new();
    for i in 0..chars.len() {
        if matches!(chars[i], '到' | '至' | '止') {
            let mut k = skip_spaces(chars, i + 1, chars.len());
            let digits_start = k;
            while k < chars.len() && ascii_digit(chars[k]).is_some() {
                k += 1;
            }
            if k - digits_start == 4 {
                let y: String = chars[digits_start..k]
                    .iter()
                    .filter_map(|c| ascii_digit(*c))
                    .collect();
                let after = skip_spaces(chars, k, chars.len());
                if let Ok(y) = y.parse::<i32>()
                    && (1900..=2100).contains(&y)
                    && chars.get(after) == Some(&'年')
                {
                    let mut e = after + 1;
                    if matches!(chars.get(e), Some('底') | Some('末')) {
                        e += 1;
                    }
                    found.push((e, Marker::Year(y)));
                }
            }
        }
        if starts_at(chars, i, "每年") {
            found.push((i + 2, Marker::Every));
        }
    }
    found
}

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if matches!(c, '。' | '；' | ';' | '！' | '？' | '!' | '?') {
            if !cur.trim().is_empty() {
                out.push(cur.trim().to_string());
            }
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

struct Found {
    names: Vec<String>,
    text: String,
    display: Option<String>,
    marker: Option<Marker>,
    cumulative: bool,
}

fn scan_paragraph(
    text: &str,
    line: usize,
    ctx: &Ctx<'_>,
    targets: &mut Vec<TaskTarget>,
    unread: &mut Vec<Unread>,
) {
    for sentence in sentences(text) {
        let chars: Vec<char> = sentence.chars().collect();
        let (found, problems) = scan_sentence(&chars);
        let stated = found
            .iter()
            .any(|f| matches!(f.marker, Some(Marker::Year(_)) | Some(Marker::Every)));
        let task = match (ctx.task, ctx.outside) {
            (Some(t), false) => t,
            (_, outside) => {
                if stated || !problems.is_empty() {
                    let where_ = if outside {
                        "不在“重点任务”部分"
                    } else {
                        "不属于任何编号任务"
                    };
                    let what: Vec<String> = found.iter().map(|f| f.text.clone()).collect();
                    unread.push(Unread {
                        line,
                        text: sentence.clone(),
                        reason: format!(
                            "含年份和数值的目标句{where_},未作为任务目标读取{}",
                            if what.is_empty() {
                                String::new()
                            } else {
                                format!("(“{}”)", what.join("”“"))
                            }
                        ),
                    });
                }
                continue;
            }
        };
        if !problems.is_empty() {
            // One entry per sentence, however many numbers it has.
            let mut reason: Vec<String> = problems.iter().take(5).cloned().collect();
            if problems.len() > 5 {
                reason.push(format!("等共 {} 处", problems.len()));
            }
            unread.push(Unread {
                line,
                text: sentence.clone(),
                reason: reason.join(";"),
            });
        }
        for f in found {
            let (years, basis, mut note) = match f.marker {
                Some(Marker::Year(y)) => (vec![y], YearBasis::Stated, String::new()),
                Some(Marker::Every) => (
                    ctx.target_years.to_vec(),
                    YearBasis::EveryYear,
                    if ctx.target_years.is_empty() {
                        "“每年”但方案没有目标年份".into()
                    } else {
                        String::new()
                    },
                ),
                None => match ctx.target_years.last() {
                    Some(y) => (
                        vec![*y],
                        YearBasis::Unstated,
                        format!("原文未写年份,按方案末年 {y} 年"),
                    ),
                    None => (Vec::new(), YearBasis::Unstated, "原文未写年份".into()),
                },
            };
            if let Some(d) = &f.display {
                if !note.is_empty() {
                    note.push(';');
                }
                note.push_str(d);
            }
            let target = match Target::parse(&f.text) {
                Ok(t) => t,
                Err(e) => {
                    unread.push(Unread {
                        line,
                        text: sentence.clone(),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            for name in f.names {
                targets.push(TaskTarget {
                    task: task.code.clone(),
                    domain: task.domain.clone(),
                    lead_unit: task.lead_unit.clone(),
                    cumulative: f.cumulative || name.contains("累计"),
                    name,
                    unit: target.unit.clone().unwrap_or_default(),
                    years: years.clone(),
                    year_basis: basis,
                    target: target.clone(),
                    sentence: sentence.clone(),
                    line,
                    note: note.clone(),
                });
            }
        }
    }
}

/// The marker that governs position `i`: the last `到20xx年` before it in the sentence, or a
/// `每年` earlier in the same clause (which wins, being nearer).
fn marker_at(marks: &[(usize, Marker)], clause_start: usize, i: usize) -> Option<Marker> {
    let mut m = None;
    for (pos, mark) in marks {
        if *pos > i {
            break;
        }
        match mark {
            Marker::Year(_) => m = Some(*mark),
            Marker::Every if *pos > clause_start => m = Some(*mark),
            Marker::Every => {}
        }
    }
    m
}

/// Finds the targets of one sentence, and the numbers after a stated year that are not
/// targets (as problems).
fn scan_sentence(chars: &[char]) -> (Vec<Found>, Vec<String>) {
    let mut marks = markers(chars);
    marks.sort_by_key(|m| m.0);
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut clause_start = 0;
    for ce in 0..=chars.len() {
        let at_break = ce == chars.len()
            || matches!(
                chars[ce],
                ',' | '，' | ':' | '：' | '。' | '；' | ';' | '！' | '？' | '!' | '?'
            );
        if !at_break {
            continue;
        }
        scan_clause(chars, clause_start, ce, &marks, &mut found, &mut problems);
        clause_start = ce + 1;
    }
    (found, problems)
}

fn clean_name(chars: &[char], from: usize, to: usize, marks: &[(usize, Marker)]) -> String {
    let mut from = from;
    for (pos, _) in marks {
        if *pos > from && *pos <= to {
            from = *pos;
        }
    }
    let mut name: String = chars[from.min(to)..to].iter().collect();
    name = name
        .trim()
        .trim_matches(['、', ',', '，'])
        .trim()
        .to_string();
    loop {
        let before = name.clone();
        for p in NAME_PREFIXES {
            if let Some(r) = name.strip_prefix(p) {
                name = r.trim().to_string();
            }
        }
        if name == before {
            break;
        }
    }
    name
}

fn split_names(name: &str, multi: bool) -> Vec<String> {
    let pieces: Vec<String> = name
        .split(['、', '和', '及', '与'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let rates = pieces.len() >= 2
        && pieces.iter().all(|p| {
            ["率", "比例", "占比", "比重"]
                .iter()
                .any(|s| p.ends_with(s))
        });
    if (multi && pieces.len() >= 2) || rates {
        pieces
            .into_iter()
            .map(|p| {
                let mut p = p;
                for pre in NAME_PREFIXES {
                    if let Some(r) = p.strip_prefix(pre) {
                        p = r.to_string();
                    }
                }
                p
            })
            .collect()
    } else {
        vec![name.to_string()]
    }
}

fn scan_clause(
    chars: &[char],
    cs: usize,
    ce: usize,
    marks: &[(usize, Marker)],
    found: &mut Vec<Found>,
    problems: &mut Vec<String>,
) {
    let mut seg = cs;
    let first_cumulative = (cs..ce).find(|k| starts_at(chars, *k, "累计"));
    let mut i = cs;
    while i < ce {
        let is_start = ascii_digit(chars[i]).is_some()
            && (i == cs
                || !(ascii_digit(chars[i - 1]).is_some()
                    || chars[i - 1] == '.'
                    || chars[i - 1].is_ascii_alphabetic()));
        if !is_start {
            i += 1;
            continue;
        }
        let mut ne = i;
        while ne < ce && ascii_digit(chars[ne]).is_some() {
            ne += 1;
        }
        let int_len = ne - i;
        if ne + 1 < ce && matches!(chars[ne], '.' | '．') && ascii_digit(chars[ne + 1]).is_some() {
            ne += 1;
            while ne < ce && ascii_digit(chars[ne]).is_some() {
                ne += 1;
            }
        }
        // A ratio or a range (`10/10万`, `0-3岁`, `5~6个`) is not a single target value.
        if ne + 1 < ce
            && matches!(chars[ne], '/' | '／' | '-' | '~' | '～' | '—' | '–' | '－')
            && ascii_digit(chars[ne + 1]).is_some()
        {
            let mut e = ne + 1;
            while e < ce
                && (ascii_digit(chars[e]).is_some()
                    || matches!(
                        chars[e],
                        '.' | '/' | '／' | '-' | '~' | '～' | '—' | '–' | '－'
                    ))
            {
                e += 1;
            }
            let unit = longest_at(chars, e, UNITS);
            let descriptor = unit.is_some_and(|u| DESCRIPTOR_UNITS.contains(&u));
            let vb = skip_spaces_back(chars, i, seg);
            let verb = longest_ending_at(chars, vb, COMPARATOR_VERBS)
                .or_else(|| longest_ending_at(chars, vb, VALUE_VERBS));
            if !descriptor && (verb.is_some() || marker_at(marks, cs, i).is_some()) {
                let end = e + unit.map_or(0, |u| u.chars().count());
                problems.push(format!(
                    "“{}”是比值或区间,不能读作单一目标值",
                    chars[i..end].iter().collect::<String>()
                ));
            }
            i = e;
            continue;
        }
        let number: String = chars[i..ne].iter().collect();
        let after = skip_spaces(chars, ne, ce);
        // A year (`2000 年`, the `2027` of `到2027年`) is not a value.
        if int_len == 4 && ne - i == 4 && chars.get(after) == Some(&'年') {
            let y: i32 = number.parse().unwrap_or(0);
            if (1900..=2100).contains(&y) {
                i = ne;
                continue;
            }
        }
        let unit = if after < ce {
            longest_at(chars, after, UNITS)
        } else {
            None
        };
        if unit.is_some_and(|u| DESCRIPTOR_UNITS.contains(&u)) {
            i = ne;
            continue;
        }
        let ue = after + unit.map_or(0, |u| u.chars().count());
        let ue = if unit.is_some() { ue } else { ne };
        let s1 = skip_spaces(chars, ue, ce);
        let se = match longest_at(chars, s1, &["及以上", "及以下", "以上", "以下"]) {
            Some(s) => s1 + s.chars().count(),
            None => ue,
        };
        let vb = skip_spaces_back(chars, i, seg);
        let comparator = longest_ending_at(chars, vb, COMPARATOR_VERBS);
        let value_verb = longest_ending_at(chars, vb, VALUE_VERBS);
        let object_verb = longest_ending_at(chars, vb, OBJECT_VERBS);
        let verb = comparator.or(value_verb).or(object_verb);
        let verb_start = vb - verb.map_or(0, |v| v.chars().count());
        let mut k = skip_spaces(chars, se, ce);
        k = skip_paren(chars, k, ce);
        k = skip_spaces(chars, k, ce);
        let at_end = k >= ce || matches!(chars[k], '、' | '和' | '及' | '与' | '并');
        let marker = marker_at(marks, cs, i);
        let strong = comparator.is_some() || value_verb.is_some();
        let accept = match marker {
            Some(_) => verb.is_some() || (at_end && unit.is_some()),
            None => strong,
        };
        if !accept {
            if marker.is_some() {
                problems.push(format!(
                    "句中数字“{}”未能识别为目标(既无“达到”等动词,也不在分句末尾)",
                    clip(&chars[i..se.max(ne)].iter().collect::<String>(), 20)
                ));
            }
            i = ne;
            continue;
        }
        // The object of 建成/覆盖/…: up to the next 、 or the clause end.
        let mut obj_end = se;
        let mut object = String::new();
        if object_verb.is_some() && comparator.is_none() && value_verb.is_none() && !at_end {
            let mut e = k;
            while e < ce && chars[e] != '、' {
                e += 1;
            }
            object = chars[k..e].iter().collect::<String>().trim().to_string();
            obj_end = e;
        }
        let multi = ends_at(chars, verb_start, "均");
        let name_end = if multi { verb_start - 1 } else { verb_start };
        let mut name = clean_name(chars, seg, name_end, marks);
        if let Some(v) = object_verb
            && comparator.is_none()
            && value_verb.is_none()
        {
            name = format!("{name}{v}{object}");
        }
        if let Some(r) = name.strip_suffix("累计") {
            name = format!("累计{}", r.trim());
        }
        let text_start = if comparator.is_some() { verb_start } else { i };
        let text: String = chars[text_start..se]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        let cumulative = first_cumulative.is_some_and(|c| c < i);
        if name.is_empty() {
            problems.push(format!("目标“{text}”找不到指标名称"));
        } else {
            found.push(Found {
                names: split_names(&name, multi),
                text,
                display: None,
                marker,
                cumulative,
            });
        }
        let next = obj_end.max(k);
        seg = next;
        while seg < ce && matches!(chars[seg], '、' | '和' | '及' | '与' | '并' | ' ') {
            seg += 1;
        }
        i = seg.max(ne);
    }
    // A clause that closes with 全覆盖 or 清零.
    let end = skip_spaces_back(chars, ce, seg);
    if end <= seg {
        return;
    }
    let marker = marker_at(marks, cs, end);
    if let Some(w) = longest_ending_at(chars, end, FULL_ENDINGS) {
        let ws = end - w.chars().count();
        let name = clean_name(chars, seg, ws, marks);
        if !name.is_empty() {
            let verbatim = Target::parse(w).is_ok_and(|t| t.op == youxiang_core::Op::Full);
            found.push(Found {
                names: vec![name],
                text: if verbatim {
                    w.into()
                } else {
                    "全覆盖".into()
                },
                display: (!verbatim).then(|| format!("原文“{w}”,按“全覆盖”读取")),
                marker,
                cumulative: false,
            });
        }
    } else if ends_at(chars, end, "清零") {
        let mut ws = end - 2;
        for tail in ["动态", "实施", "实现", "全面"] {
            if ends_at(chars, ws, tail) {
                ws -= tail.chars().count();
            }
        }
        for tail in ["实施", "实现"] {
            if ends_at(chars, ws, tail) {
                ws -= tail.chars().count();
            }
        }
        let name = clean_name(chars, seg, ws, marks);
        if !name.is_empty() {
            found.push(Found {
                names: vec![name],
                text: "≤0".into(),
                display: Some("原文“清零”,按“≤0”读取,越低越好".into()),
                marker,
                cumulative: false,
            });
        }
    }
}
