//! Small text helpers shared by the table and the task readers. Everything works on
//! `char`s, never on byte offsets, so no input can split a UTF-8 sequence.

/// One line of the input: its 1-based number and its text, trimmed of whitespace
/// (including no-break and ideographic spaces).
#[derive(Debug, Clone)]
pub(crate) struct SrcLine {
    pub no: usize,
    pub text: String,
}

/// Splits the input into lines: strips a byte-order mark, accepts `\n`, `\r\n` and `\r`.
pub(crate) fn split_lines(text: &str) -> Vec<SrcLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    normalized
        .split('\n')
        .enumerate()
        .map(|(i, l)| SrcLine {
            no: i + 1,
            text: l.trim().to_string(),
        })
        .collect()
}

/// The text without any whitespace.
pub(crate) fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Star marks a plan puts on constrained (约束性) indicators or on cells.
pub(crate) fn is_star(c: char) -> bool {
    matches!(c, '☆' | '★' | '✩' | '✭' | '*' | '＊')
}

/// Removes star marks; returns the text and whether there was one.
pub(crate) fn strip_stars(s: &str) -> (String, bool) {
    let starred = s.chars().any(is_star);
    let text: String = s.chars().filter(|c| !is_star(*c)).collect();
    (text.trim().to_string(), starred)
}

pub(crate) fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

pub(crate) fn cjk_numeral(s: &str) -> Option<u32> {
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', d] => Some(10 + digit(*d)?),
        [d, '十'] => Some(digit(*d)? * 10),
        [d, '十', e] => Some(digit(*d)? * 10 + digit(*e)?),
        _ => None,
    }
}

/// A top-level heading such as `二、重点任务`: returns the numeral and the title.
pub(crate) fn top_heading(line: &str) -> Option<(u32, String)> {
    let (head, rest) = line.split_once('、')?;
    let n = cjk_numeral(head.trim())?;
    Some((n, rest.trim().to_string()))
}

/// A section heading such as `(一)全面推进“幼有善育”。…`: the numeral and the rest.
pub(crate) fn paren_heading(line: &str) -> Option<(u32, String)> {
    let rest = line.strip_prefix('(').or_else(|| line.strip_prefix('（'))?;
    let close = rest.find([')', '）'])?;
    let inner = &rest[..close];
    let n = cjk_numeral(inner.trim())?;
    let after = &rest[close..];
    let after = after
        .strip_prefix(')')
        .or_else(|| after.strip_prefix('）'))
        .unwrap_or(after);
    Some((n, after.trim().to_string()))
}

/// A numbered task `1.加快…`, `2、…`, `(3)…`: the number and the rest. `1.12名` is not
/// a task number (a digit follows the dot).
pub(crate) fn numbered_item(line: &str) -> Option<(u32, String)> {
    let chars: Vec<char> = line.chars().collect();
    if let Some(&first) = chars.first()
        && (first == '(' || first == '（')
    {
        let digits: String = chars[1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let k = 1 + digits.chars().count();
        if !digits.is_empty() && digits.len() <= 3 && matches!(chars.get(k), Some(')') | Some('）'))
        {
            let n = digits.parse().ok()?;
            return Some((
                n,
                chars[k + 1..].iter().collect::<String>().trim().to_string(),
            ));
        }
        return None;
    }
    let digits: String = chars.iter().take_while(|c| c.is_ascii_digit()).collect();
    let k = digits.chars().count();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    match chars.get(k) {
        Some('.') | Some('．') | Some('、') => {
            if chars.get(k + 1).is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            let n = digits.parse().ok()?;
            Some((
                n,
                chars[k + 1..].iter().collect::<String>().trim().to_string(),
            ))
        }
        _ => None,
    }
}

/// The text up to (not including) the first full stop.
pub(crate) fn first_sentence(s: &str) -> String {
    s.split(['。', '；', ';'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// A four-digit year 1900–2100 followed by `年` anywhere in `s` (e.g. `2022年`,
/// `2022年完成值`).
pub(crate) fn find_year(s: &str) -> Option<i32> {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    for i in 0..chars.len() {
        if i + 4 <= chars.len()
            && chars[i..i + 4].iter().all(|c| c.is_ascii_digit())
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        {
            let y: i32 = chars[i..i + 4].iter().collect::<String>().parse().ok()?;
            if (1900..=2100).contains(&y) {
                return Some(y);
            }
        }
    }
    None
}

/// Every four-digit year 1900–2100 in `s`, in order (`2023—2027年` gives both).
pub(crate) fn find_years(s: &str) -> Vec<i32> {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= chars.len() {
        if chars[i..i + 4].iter().all(|c| c.is_ascii_digit())
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        {
            let y: i32 = chars[i..i + 4]
                .iter()
                .collect::<String>()
                .parse()
                .unwrap_or(0);
            if (1900..=2100).contains(&y) {
                out.push(y);
            }
            i += 4;
        } else {
            i += 1;
        }
    }
    out
}

/// The years of a horizon written in the text: `到2027年`, `至2025年`, `截至2026年`.
pub(crate) fn horizon_years(s: &str) -> Vec<i32> {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    for i in 0..chars.len() {
        if matches!(chars[i], '到' | '至')
            && i + 5 < chars.len()
            && chars[i + 1..i + 5].iter().all(|c| c.is_ascii_digit())
            && chars[i + 5] == '年'
        {
            let y: i32 = chars[i + 1..i + 5]
                .iter()
                .collect::<String>()
                .parse()
                .unwrap_or(0);
            if (1900..=2100).contains(&y) {
                out.push(y);
            }
        }
    }
    out
}

/// Words that name a plan document in its title line.
const TITLE_WORDS: &[&str] = &[
    "方案",
    "工作要点",
    "要点",
    "实施意见",
    "行动计划",
    "工作计划",
    "规划",
    "清单",
];

/// The document's title: the first line naming a 方案 / 工作要点 (not a page's navigation,
/// not prose), else the first line that is neither navigation nor prose, else the first.
pub(crate) fn title_line(lines: &[SrcLine]) -> String {
    let plain = |t: &str| {
        !t.is_empty()
            && !t.contains(['|', '｜', '\t', '。'])
            && t.chars().count() <= 80
            && !t.starts_with(['(', '（'])
            && top_heading(t).is_none()
    };
    // `…实施方案(2023—2027年)`: the name ends with the word, before a span of years.
    let ends_with_word = |t: &str| {
        let core = match t.rfind(['(', '（']) {
            Some(i) if find_year(&t[i..]).is_some() => &t[..i],
            _ => t,
        };
        TITLE_WORDS.iter().any(|w| core.trim_end().ends_with(w))
    };
    lines
        .iter()
        .find(|l| plain(&l.text) && ends_with_word(&l.text))
        .or_else(|| {
            lines
                .iter()
                .find(|l| plain(&l.text) && TITLE_WORDS.iter().any(|w| l.text.contains(w)))
        })
        .or_else(|| lines.iter().find(|l| plain(&l.text)))
        .or_else(|| lines.iter().find(|l| !l.text.is_empty()))
        .map(|l| l.text.clone())
        .unwrap_or_default()
}

/// Splits `名称(单位)` into name and unit; the unit is the last parenthesised group when
/// it closes the text. ASCII and full-width parentheses.
pub(crate) fn split_name_unit(s: &str) -> (String, String) {
    let s = s.trim();
    let chars: Vec<char> = s.chars().collect();
    if let Some(&last) = chars.last()
        && (last == ')' || last == '）')
    {
        let mut depth = 0usize;
        for i in (0..chars.len()).rev() {
            match chars[i] {
                ')' | '）' => depth += 1,
                '(' | '（' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let name: String = chars[..i].iter().collect();
                        let unit: String = chars[i + 1..chars.len() - 1].iter().collect();
                        if name.trim().is_empty() {
                            break;
                        }
                        return (name.trim().to_string(), unit.trim().to_string());
                    }
                }
                _ => {}
            }
        }
    }
    (s.to_string(), String::new())
}

/// Shortens a text for a message.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_items() {
        assert_eq!(top_heading("二、重点任务"), Some((2, "重点任务".into())));
        assert_eq!(top_heading("十二、其他"), Some((12, "其他".into())));
        assert_eq!(paren_heading("(一)全面推进").map(|h| h.0), Some(1));
        assert_eq!(paren_heading("（七）全面").map(|h| h.0), Some(7));
        assert_eq!(numbered_item("1.加快").map(|h| h.0), Some(1));
        assert_eq!(numbered_item("12、加快").map(|h| h.0), Some(12));
        assert_eq!(numbered_item("(3)加快").map(|h| h.0), Some(3));
        assert_eq!(numbered_item("1.12名"), None);
        assert_eq!(numbered_item("2022年"), None);
    }

    #[test]
    fn names_and_units() {
        assert_eq!(
            split_name_unit("每千人口拥有3岁以下婴幼儿托位数(个)"),
            ("每千人口拥有3岁以下婴幼儿托位数".into(), "个".into())
        );
        assert_eq!(
            split_name_unit("困难群众医疗费用综合保障率 (%)"),
            ("困难群众医疗费用综合保障率".into(), "%".into())
        );
        assert_eq!(split_name_unit("(%)"), ("(%)".into(), String::new()));
        assert_eq!(
            split_name_unit("人均寿命"),
            ("人均寿命".into(), String::new())
        );
        assert_eq!(find_year("2022年完成值"), Some(2022));
        assert_eq!(find_year("20221年"), None);
        assert_eq!(find_years("(2023—2027年)"), [2023, 2027]);
        assert_eq!(horizon_years("到 2027 年,达到;至2025年"), [2027, 2025]);
    }

    #[test]
    fn the_title_is_the_line_naming_the_plan() {
        let lines = split_lines(
            "专题网站 | 政务公开 | 政策速递 |\n首页 > 政策文件\n某县公共服务“七优享”工程实施方案\n",
        );
        assert_eq!(title_line(&lines), "某县公共服务“七优享”工程实施方案");
        let lines = split_lines("| a | b |\n五年目标\n");
        assert_eq!(title_line(&lines), "五年目标");
        let lines = split_lines(
            "关于印发某县“七优享”工程实施方案的通知\n某县“七优享”工程实施方案(2023—2027年)\n",
        );
        assert_eq!(title_line(&lines), "某县“七优享”工程实施方案(2023—2027年)");
    }
}
