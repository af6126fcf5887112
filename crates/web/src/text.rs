//! Text in and out: the dates, times, periods and codes the API and the forms accept (each
//! refusal a 422 naming what was sent), and numbers, lights and codes as the pages and the
//! API write them.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use youxiang_core::eval::Light;
use youxiang_core::labels::Labelled;
use youxiang_core::period::Period;

use crate::error::{ApiError, ApiResult};

pub fn parse_period(text: &str) -> ApiResult<Period> {
    text.parse::<Period>()
        .map_err(|e| ApiError::invalid(format!("期间“{text}”无效:{e}")))
}

pub fn parse_date(text: &str, what: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("{what}“{text}”不是日期(应为 2025-06-30)")))
}

/// A time in RFC 3339, `2025-06-30T08:00:00` (UTC) or a day (its start).
pub fn parse_time(text: &str, what: &str) -> ApiResult<NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| parse_date(text, what).map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|_| {
            ApiError::invalid(format!(
                "{what}“{text}”不是时间(应为 2025-06-30 或 2025-06-30T08:00:00)"
            ))
        })
}

/// A value's serde code (`in_progress`), or its JSON when it is not a plain string.
pub fn enum_str<T: Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A value's serde code, empty when it is not a plain string.
pub fn code_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Every value of a closed set as a form's choices: its code and its label in the page's
/// language, in display order.
pub fn labels<T: Labelled>(en: bool) -> Vec<(&'static str, String)> {
    T::all()
        .iter()
        .map(|v| {
            (
                v.code(),
                if en { v.label_en() } else { v.label_zh() }.to_string(),
            )
        })
        .collect()
}

/// The value whose code (or Chinese or English label) is `s`: core's `FromStr`.
pub fn parse_code<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

/// A period as the page's language names it: `2025年9月` / `Sep 2025`.
pub fn period_label(p: &Period, en: bool) -> String {
    if en { p.label_en() } else { p.label_zh() }
}

pub fn light_str(l: Light) -> &'static str {
    match l {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
        Light::Grey => "grey",
    }
}

/// A number JSON can carry, or none.
pub fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// A number with its unit, at most 2 decimals, `—` when absent.
pub fn num(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let s = format!("{x:.2}");
            let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
            if unit.is_empty() {
                s
            } else {
                format!("{s} {unit}")
            }
        }
        _ => "—".into(),
    }
}

/// A figure beside its target (as written), with the digits that keep the judgement
/// visible (82.4484 against 82.45 is `82.448`: core's `show_value`), and its unit; `—`
/// when absent. A target that is not a number (`无分解目标`, `/`) gives the usual precision.
pub fn num_vs(v: Option<f64>, target: &str, unit: &str) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let t = youxiang_core::Target::parse(target).ok();
            let s = youxiang_core::value::show_value(x, t.as_ref(), 2);
            if unit.is_empty() {
                s
            } else {
                format!("{s} {unit}")
            }
        }
        _ => "—".into(),
    }
}

/// An amount in 亿元.
pub fn yi(v: f64) -> String {
    num(Some(v), "亿元")
}

/// A ratio as a percentage with one decimal, `—` when absent.
pub fn pctf(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{:.1}%", x * 100.0),
        _ => "—".into(),
    }
}

/// A target as the plan writes it, with the unit only when it names a number: `4.0 %`,
/// but `/` (no numeric target), `全覆盖` or `—` (no target) as they are.
pub fn target_text(text: &str, value: Option<f64>, unit: &str) -> String {
    let text = text.trim();
    // A derived target (`≥80%(推算)`) gets its unit before the mark, as a written one.
    if let Some(bare) = text.strip_suffix(youxiang_core::target::DERIVED_MARK) {
        return format!(
            "{}{}",
            target_text(bare, value, unit),
            youxiang_core::target::DERIVED_MARK
        );
    }
    if text.is_empty() {
        "—".into()
    } else if value.is_none()
        || unit.is_empty()
        || text.ends_with(unit)
        || !text.chars().any(|c| c.is_ascii_digit())
    {
        text.into()
    } else {
        format!("{text} {unit}")
    }
}

/// Who did something, as people know them: a user's name (`区卫健局填报员`), the server's
/// own actions and the demo loader in words; a login the server no longer knows as it is.
pub fn person(state: &youxiang_app::State, login: &str, en: bool) -> String {
    match (login, en) {
        ("system", false) => "系统(自动)".into(),
        ("system", true) => "system (automatic)".into(),
        ("demo", false) => "演示数据载入".into(),
        ("demo", true) => "demo loader".into(),
        _ => state
            .reporter(login)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| login.to_string()),
    }
}
