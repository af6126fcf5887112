//! A forecast of the final-year value from the base and the current value.
//!
//! The default is compound growth: the same constant annual rate that the progress
//! measure (Open SDG) and the UNSD ratio assume, so the forecast, the status and the ratio
//! never tell different stories. Compound growth has no meaning when base and current are
//! not both of one sign (or the base is 0); there the default falls back to the straight
//! line through the two points, and says so. A natural limit (100 for a share), when
//! given, caps the forecast: a coverage rate is not forecast at 104%.

use serde::{Deserialize, Serialize};

use super::explain::{Explanation, fmt_num};
use super::progress::Point;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMethod {
    /// Compound growth, falling back to linear where compound growth is undefined.
    #[default]
    Compound,
    Linear,
}

impl ForecastMethod {
    pub fn label_zh(self) -> &'static str {
        match self {
            ForecastMethod::Compound => "按年均复合增长率外推",
            ForecastMethod::Linear => "按线性趋势外推",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The forecast for `year`; `None` when base and current are missing, not finite, or
    /// less than one year apart.
    pub value: Option<f64>,
    pub year: f64,
    /// The method actually used (Linear where Compound fell back).
    pub method: ForecastMethod,
    /// Whether the natural limit capped the value.
    pub capped: bool,
    pub explanation: Explanation,
}

/// Forecasts the value in `year` (the plan's final year). `limit` caps the result in the
/// direction it lies from the base (an upper cap for 100%, a lower cap for 0 when the
/// limit is below the base).
pub fn forecast(
    base: Option<Point>,
    current: Option<Point>,
    year: impl Into<f64>,
    method: ForecastMethod,
    limit: Option<f64>,
) -> Forecast {
    let year = year.into();
    let mut e = Explanation::default()
        .opt("基期值", base.map(|p| p.value))
        .opt("基期年", base.map(|p| p.year))
        .opt("当前值", current.map(|p| p.value))
        .opt("当前年", current.map(|p| p.year))
        .num("预测年", year)
        .text("方法", method.label_zh());
    if let Some(l) = limit {
        e = e.num("自然上限L", l);
    }
    let fin = |p: &Point| p.value.is_finite() && p.year.is_finite();
    let none = |e: Explanation, why: &str| Forecast {
        value: None,
        year,
        method,
        capped: false,
        explanation: Explanation {
            formula: format!("{why},无法预测"),
            ..e
        },
    };
    let (Some(b), Some(c)) = (base.filter(fin), current.filter(fin)) else {
        return none(e, "缺少基期值或当前值");
    };
    if !year.is_finite() || c.year - b.year < 1.0 {
        return none(e, "当前年与基期年相隔不足1年");
    }
    let span = c.year - b.year;
    let compound_ok = b.value != 0.0 && (b.value < 0.0) == (c.value < 0.0) && c.value != 0.0;
    let (used, raw, words) = if method == ForecastMethod::Compound && compound_ok {
        let rate = (c.value / b.value).powf(1.0 / span) - 1.0;
        let v = c.value * (1.0 + rate).powf(year - c.year);
        (
            ForecastMethod::Compound,
            v,
            format!(
                "年均增长率 = ({}÷{})^(1÷{}) − 1 = {:.2}%;预测值 = {}×(1 + 年均增长率)^({} − {})",
                fmt_num(c.value),
                fmt_num(b.value),
                fmt_num(span),
                rate * 100.0,
                fmt_num(c.value),
                fmt_num(year),
                fmt_num(c.year)
            ),
        )
    } else {
        let slope = (c.value - b.value) / span;
        let v = c.value + slope * (year - c.year);
        let fallback = if method == ForecastMethod::Compound {
            "基期值与当前值不同号或为0,复合增长率无定义,改用线性:"
        } else {
            ""
        };
        (
            ForecastMethod::Linear,
            v,
            format!(
                "{fallback}年均变化 = ({} − {})÷{} = {};预测值 = {} + 年均变化×({} − {})",
                fmt_num(c.value),
                fmt_num(b.value),
                fmt_num(span),
                fmt_num(slope),
                fmt_num(c.value),
                fmt_num(year),
                fmt_num(c.year)
            ),
        )
    };
    if !raw.is_finite() {
        return none(e, "外推结果溢出");
    }
    let (value, capped) = match limit.filter(|l| l.is_finite()) {
        Some(l) if l >= b.value && raw > l => (l, true),
        Some(l) if l < b.value && raw < l => (l, true),
        _ => (raw, false),
    };
    let cap = if capped {
        format!(",受自然上限 {} 约束", fmt_num(value))
    } else {
        String::new()
    };
    Forecast {
        value: Some(value),
        year,
        method: used,
        capped,
        explanation: Explanation {
            formula: format!("{words} = {}{cap}", fmt_num(raw)),
            ..e
        }
        .num("预测值", value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ForecastMethod::*;

    fn pt(v: f64, y: i32) -> Option<Point> {
        Some(Point::new(v, y))
    }

    #[test]
    fn compound_matches_the_unsd_projection() {
        let f = forecast(pt(60.0, 2022), pt(66.0, 2024), 2027, Compound, None);
        let cagr = (66.0f64 / 60.0).powf(0.5) - 1.0;
        assert_eq!(f.value, Some(66.0 * (1.0 + cagr).powf(3.0)));
        assert_eq!(f.method, Compound);
        let r = crate::eval::unsd::unsd_ratio(
            pt(60.0, 2022),
            pt(66.0, 2024),
            pt(80.0, 2027),
            crate::Polarity::HigherIsBetter,
        );
        assert_eq!(f.value, r.projected);
    }

    #[test]
    fn linear_alternative() {
        let f = forecast(pt(60.0, 2022), pt(66.0, 2024), 2027, Linear, None);
        assert_eq!((f.value, f.method), (Some(75.0), Linear));
    }

    #[test]
    fn compound_falls_back_to_linear() {
        let f = forecast(pt(0.0, 2022), pt(4.0, 2024), 2027, Compound, None);
        assert_eq!((f.value, f.method), (Some(10.0), Linear));
        assert!(f.explanation.formula.contains("改用线性"));
        let f = forecast(pt(-2.0, 2022), pt(2.0, 2024), 2026, Compound, None);
        assert_eq!((f.value, f.method), (Some(6.0), Linear));
    }

    #[test]
    fn limit_caps() {
        let f = forecast(pt(80.0, 2022), pt(95.0, 2024), 2027, Compound, Some(100.0));
        assert_eq!((f.value, f.capped), (Some(100.0), true));
        let f = forecast(pt(10.0, 2022), pt(4.0, 2024), 2030, Linear, Some(0.0));
        assert_eq!((f.value, f.capped), (Some(0.0), true));
        let f = forecast(pt(80.0, 2022), pt(82.0, 2024), 2027, Compound, Some(100.0));
        assert!(!f.capped);
    }

    #[test]
    fn not_available() {
        assert_eq!(
            forecast(None, pt(1.0, 2024), 2027, Compound, None).value,
            None
        );
        assert_eq!(
            forecast(pt(1.0, 2024), pt(2.0, 2024), 2027, Compound, None).value,
            None
        );
        assert_eq!(
            forecast(pt(f64::NAN, 2022), pt(2.0, 2024), 2027, Linear, None).value,
            None
        );
    }
}
