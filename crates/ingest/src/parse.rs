//! Cell texts → numbers and periods, as people type them.

use youxiang_core::period::Period;

/// A number read from a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Whether the text ended in `%` (stripped; the caller decides whether that is allowed).
    pub percent: bool,
}

/// Reads a number as people write it: `1,234.5`, full-width digits `１２３．４`, spaces
/// anywhere (`1 234`), a leading sign, `1.5E+03`, and a trailing `%`. Refuses `abc`,
/// `1.2.3`, misplaced thousands separators (`1,23`), `NaN`, `inf` and anything that is not
/// a finite number. The error is the reason in Chinese, to follow the quoted cell text.
pub fn parse_number(text: &str) -> Result<Number, String> {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            '，' => ',',
            '－' | '−' | '–' => '-',
            '＋' => '+',
            '％' => '%',
            'Ｅ' | 'ｅ' => 'e',
            c if c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}' => continue,
            c => c,
        };
        s.push(c);
    }
    if s.is_empty() {
        return Err("不是数字(为空)".into());
    }
    let (body, percent) = match s.strip_suffix('%') {
        Some(b) => (b, true),
        None => (s.as_str(), false),
    };
    let not_a_number = || "不是数字".to_string();
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | 'e' | 'E' | '+' | '-'))
        || !body.chars().any(|c| c.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    let unsigned = body.strip_prefix(['+', '-']).unwrap_or(body);
    let mantissa_end = unsigned.find(['e', 'E']).unwrap_or(unsigned.len());
    let (mantissa, exponent) = unsigned.split_at(mantissa_end);
    if exponent.contains(',') || mantissa.contains(['+', '-']) {
        return Err(not_a_number());
    }
    if mantissa.matches('.').count() > 1 {
        return Err("不是数字(有多个小数点)".into());
    }
    if mantissa.contains(',') {
        let int_part = mantissa.split('.').next().unwrap_or("");
        let groups: Vec<&str> = int_part.split(',').collect();
        let ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups[1..].iter().all(|g| g.len() == 3)
            && !mantissa.split('.').nth(1).is_some_and(|f| f.contains(','));
        if !ok {
            return Err("不是数字(千分位逗号的位置不对,应写作 1,234.5)".into());
        }
    }
    let plain: String = body.chars().filter(|c| *c != ',').collect();
    match plain.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Number { value: v, percent }),
        Ok(_) => Err("超出数值范围".into()),
        Err(_) => Err(not_a_number()),
    }
}

/// Reads a period in the system's form (`2024`, `2024H1`, `2024Q1`, `2024-03`, `2024W05`)
/// or in the Chinese form the system prints (`2024年`, `2024年上半年`, `2024年第1季度`,
/// `2024年3月`, `2024年第5周`); letters in any case, full-width digits allowed.
pub fn parse_period(text: &str) -> Result<Period, String> {
    let s: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '－' | '—' => '-',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    if let Ok(p) = s.parse::<Period>() {
        return Ok(p);
    }
    if let Some(p) = parse_chinese_period(&s) {
        return Ok(p);
    }
    // The core's message names the accepted forms.
    s.parse::<Period>()
        .map_err(|e| e.to_string())
        .and_then(|_| Err("不是有效的期间".to_string()))
}

fn parse_chinese_period(s: &str) -> Option<Period> {
    let (year, rest) = s.split_once('年')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = year.parse().ok()?;
    let num = |t: &str| -> Option<u8> {
        if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    match rest {
        "" | "度" => Period::year_of(y).ok(),
        "上半年" => Period::half(y, 1).ok(),
        "下半年" => Period::half(y, 2).ok(),
        _ => {
            if let Some(m) = rest.strip_suffix('月') {
                return Period::month(y, num(m)?).ok();
            }
            if let Some(q) = rest.strip_suffix("季度") {
                let q = q.strip_prefix('第').unwrap_or(q);
                return Period::quarter(y, num(q)?).ok();
            }
            if let Some(w) = rest.strip_suffix('周') {
                let w = w.strip_prefix('第').unwrap_or(w);
                return Period::week(y, num(w)?).ok();
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> f64 {
        parse_number(s).unwrap().value
    }

    #[test]
    fn numbers_as_people_write_them() {
        assert_eq!(n("1,234.5"), 1234.5);
        assert_eq!(n(" 12 "), 12.0);
        assert_eq!(n("１２３．４"), 123.4);
        assert_eq!(n("1 234"), 1234.0);
        assert_eq!(n("-3"), -3.0);
        assert_eq!(n("1.5E+03"), 1500.0);
        assert_eq!(n(".5"), 0.5);
        assert_eq!(n("1,234,567"), 1234567.0);
        let p = parse_number("35.5%").unwrap();
        assert!(p.percent && p.value == 35.5);
        assert!(parse_number("３５％").unwrap().percent);
        for bad in [
            "abc",
            "1.2.3",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "Infinity",
            "",
            "%",
            "1,23",
            "12,34.5",
            "1e",
            "e5",
            "--1",
            "1-2",
            "1e400",
            "0x10",
            "1,234.5,6",
            "+",
            ".",
            "1e5,0",
        ] {
            assert!(parse_number(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn periods_in_both_forms() {
        let p = |s: &str| parse_period(s).map(|p| p.to_string());
        assert_eq!(p("2024").unwrap(), "2024");
        assert_eq!(p("2024年").unwrap(), "2024");
        assert_eq!(p("2024年3月").unwrap(), "2024-03");
        assert_eq!(p("2024年03月").unwrap(), "2024-03");
        assert_eq!(p("2024年第1季度").unwrap(), "2024Q1");
        assert_eq!(p("2024年1季度").unwrap(), "2024Q1");
        assert_eq!(p("2024q2").unwrap(), "2024Q2");
        assert_eq!(p("2024年上半年").unwrap(), "2024H1");
        assert_eq!(p("2024年第5周").unwrap(), "2024W05");
        assert_eq!(p("２０２４").unwrap(), "2024");
        assert!(p("2024年13月").is_err());
        assert!(p("明年").is_err());
        let msg = p("2024-3").unwrap_err();
        assert!(msg.contains("月份"), "{msg}");
    }
}
