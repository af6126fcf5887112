//! Within the year: the time-proportional schedule (序时进度) and the lights (methods §2).
//!
//! Three ways to judge a period, chosen from the target and the start value:
//! - **proportional**: expected = B + (T − B)·f (a year-to-date flow: T·f); the gap is
//!   (expected − A) ÷ |T − B| × 100 percentage points of the year's task, sign flipped
//!   for lower-is-better;
//! - **bound**: a strict or inclusive bound (`<5`, `≥28.07`) is checked directly;
//! - **hold**: no task left (B already meets the target, or T = B): the schedule is the
//!   target itself; green while A meets T, else the shortfall ÷ |T| × 100 against the
//!   hold band.
//!
//! A bound that is not met is judged by the same shortfall rule as a hold year: both
//! compare A with T directly. When T = 0 the shortfall has no scale, so any miss is red.
//! No path divides by zero: every light is one of four values and every gap is finite.

use serde::{Deserialize, Serialize};

use super::explain::{Explanation, fmt_num};
use crate::plan::Polarity;
use crate::target::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
    Grey,
}

impl Light {
    pub fn label_zh(self) -> &'static str {
        match self {
            Light::Green => "达标",
            Light::Yellow => "预警",
            Light::Red => "滞后",
            Light::Grey => "无数据",
        }
    }

    /// The colour word used in sentences: 绿灯, 黄灯, 红灯, 灰灯.
    pub fn colour_zh(self) -> &'static str {
        match self {
            Light::Green => "绿灯",
            Light::Yellow => "黄灯",
            Light::Red => "红灯",
            Light::Grey => "灰灯",
        }
    }
}

/// The bands of the lights: local configuration (methods §2 defaults; 银川 uses
/// yellow above 10, 三亚 red above 50).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LightBands {
    /// Yellow when the gap (percentage points) is above this.
    pub yellow_above: f64,
    /// Red when the gap is above this.
    pub red_above: f64,
    /// A run of this many yellow periods (the current one included) shows red; 0 turns
    /// the rule off. Default 3: "red also after 2 consecutive yellow periods" (methods
    /// §2) — the yellow that follows two yellows shows red.
    pub consecutive_yellow_for_red: u32,
    /// Hold years and bounds: red when the shortfall is above this many percent of |T|.
    pub hold_red_above: f64,
    /// The year's task |T − B| that a proportional gap is measured in is at least this
    /// many percent of |T| (0.5): a year that asks for hundredths of a point (28.06 →
    /// 28.07) is nearly a hold year, and a figure 0.05 short of its schedule must not read
    /// as hundreds of points behind. 0 turns the floor off (methods §2 to the letter).
    pub min_task_percent: f64,
}

impl Default for LightBands {
    fn default() -> Self {
        LightBands {
            yellow_above: 0.0,
            red_above: 30.0,
            consecutive_yellow_for_red: 3,
            hold_red_above: 5.0,
            min_task_percent: 0.5,
        }
    }
}

/// Whether the reported value is a level (a rate, a count at a date) or a flow summed
/// from 1 January (year-to-date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    #[default]
    Level,
    YearToDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleMode {
    Proportional,
    Bound,
    Hold,
    /// Nothing to judge: no target, no data, or an input that is not a number.
    None,
}

/// One period's inputs.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleInput<'a> {
    /// The year's target.
    pub target: &'a Target,
    pub polarity: Polarity,
    /// B: the value at the start of the year (last year's actual, or the baseline).
    /// Ignored for a year-to-date flow, whose start is 0.
    pub start: Option<f64>,
    /// A: the current value.
    pub actual: Option<f64>,
    /// f: the fraction of the year elapsed (see `Period::year_fraction_at_end`);
    /// clamped to 0..=1.
    pub fraction: f64,
    pub flow: Flow,
    /// Words for "as of when", e.g. `6月` or `2024年第2季度`, used in the sentence.
    pub as_of: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// The light shown, after the run-of-yellows rule (see `with_history`).
    pub light: Light,
    /// The light from the bands alone; store this one and pass it back as history.
    pub band_light: Light,
    pub mode: ScheduleMode,
    /// The value expected now (the target itself for bound and hold).
    pub expected: Option<f64>,
    /// Percentage points behind schedule (negative: ahead); for bound and hold, the
    /// shortfall in percent of |T| (0 when met).
    pub gap: Option<f64>,
    pub explanation: Explanation,
}

/// Why a period has no light.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unjudged {
    NoAim,
    NoActual,
    BadFraction,
    NoStart,
}

/// The numbers of a period's judgement without the words: what the engine keeps for
/// every indicator and place, and what `evaluate` explains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    pub band_light: Light,
    pub mode: ScheduleMode,
    pub expected: Option<f64>,
    pub gap: Option<f64>,
    /// For a proportional schedule: the start value B used.
    pub start: Option<f64>,
    pub unjudged: Option<Unjudged>,
}

/// Judges one period by the bands (no history), numbers only. `evaluate` gives the same
/// light with its explanation.
pub fn judge(input: &ScheduleInput<'_>, bands: &LightBands) -> Judgement {
    let t = input.target;
    let none = |why: Unjudged| Judgement {
        band_light: Light::Grey,
        mode: ScheduleMode::None,
        expected: None,
        gap: None,
        start: None,
        unjudged: Some(why),
    };
    let Some(aim) = t.aim().filter(|v| v.is_finite()) else {
        return none(Unjudged::NoAim);
    };
    let Some(a) = input.actual.filter(|v| v.is_finite()) else {
        return none(Unjudged::NoActual);
    };
    if !input.fraction.is_finite() {
        return none(Unjudged::BadFraction);
    }
    let f = input.fraction.clamp(0.0, 1.0);
    // A figure meets the target when it does at the precision the plan writes the target
    // in: 99.98 meets "100", 28.065 meets "28.07" — never red for what rounds to the target.
    let met = |v: f64| {
        t.is_met(v, input.polarity).unwrap_or(false)
            || written_decimals(&t.text)
                .is_some_and(|d| t.is_met(round_to(v, d), input.polarity).unwrap_or(false))
    };
    // A floor on an amount gathered over the year ("每年…6万人以上") is a task spread
    // over the year like any other; every other bound holds at every moment.
    let floor_on_flow = input.flow == Flow::YearToDate
        && matches!(t.op, crate::target::Op::Ge | crate::target::Op::Gt);
    if t.is_bound() && !floor_on_flow {
        return direct_judgement(ScheduleMode::Bound, aim, a, met(a), bands);
    }
    let b = match input.flow {
        Flow::YearToDate => 0.0,
        Flow::Level => match input.start.filter(|v| v.is_finite()) {
            Some(b) => b,
            None => return none(Unjudged::NoStart),
        },
    };
    if aim == b || met(b) {
        return direct_judgement(ScheduleMode::Hold, aim, a, met(a), bands);
    }
    let expected = b + (aim - b) * f;
    let task = task_scale(aim, b, bands);
    let behind = match input.polarity {
        Polarity::HigherIsBetter => expected - a,
        Polarity::LowerIsBetter => a - expected,
    };
    // Multiplying first keeps band edges exact (3 ÷ 10 × 100 is 30.000000000000004).
    let mut gap = behind * 100.0 / task;
    if gap > 0.0 && met(a) {
        // Already at this year's target (at the plan's precision): not behind.
        gap = 0.0;
    }
    Judgement {
        band_light: band(gap, bands),
        mode: ScheduleMode::Proportional,
        expected: Some(expected),
        gap: Some(gap),
        start: Some(b),
        unjudged: None,
    }
}

/// The year's task a proportional gap is measured in: |T − B|, at least
/// `min_task_percent` of |T| (see [`LightBands::min_task_percent`]).
fn task_scale(aim: f64, b: f64, bands: &LightBands) -> f64 {
    let floor = aim.abs() * bands.min_task_percent.max(0.0) / 100.0;
    (aim - b)
        .abs()
        .max(if floor.is_finite() { floor } else { 0.0 })
}

/// The number of decimals the first number of a target's text is written with (`28.07`
/// → 2, `100` → 0, `1‰以下` → 0); `None` when it has none (`全覆盖`).
pub(crate) fn written_decimals(text: &str) -> Option<i32> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = &text[start..];
    let int_len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let after = &rest[int_len..];
    let decimals = after
        .strip_prefix('.')
        .map(|d| d.chars().take_while(char::is_ascii_digit).count())
        .unwrap_or(0);
    i32::try_from(decimals).ok()
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals.clamp(0, 12));
    let r = (v * scale).round() / scale;
    if r.is_finite() { r } else { v }
}

fn direct_judgement(
    mode: ScheduleMode,
    aim: f64,
    a: f64,
    met: bool,
    bands: &LightBands,
) -> Judgement {
    let (band_light, gap) = if met {
        (Light::Green, Some(0.0))
    } else if aim == 0.0 {
        (Light::Red, None)
    } else {
        let gap = (aim - a).abs() * 100.0 / aim.abs();
        let light = if gap > bands.hold_red_above {
            Light::Red
        } else {
            Light::Yellow
        };
        (light, Some(gap))
    };
    Judgement {
        band_light,
        mode,
        expected: Some(aim),
        gap,
        start: None,
        unjudged: None,
    }
}

/// Judges one period by the bands (no history; see `with_history`), with the formula in
/// words and the inputs.
pub fn evaluate(input: &ScheduleInput<'_>, bands: &LightBands) -> Schedule {
    let t = input.target;
    let j = judge(input, bands);
    let as_of = input.as_of.map(|s| format!("截至{s},")).unwrap_or_default();
    let base_expl = |formula: String| {
        Explanation::new(formula)
            .text("目标", t.text.clone())
            .text("指标方向", input.polarity.label_zh())
            .text(
                "数据类型",
                match input.flow {
                    Flow::Level => "时点值",
                    Flow::YearToDate => "年初至今累计",
                },
            )
            .opt("年初值B", input.start)
            .opt("当前值A", input.actual)
            .num("时间进度f", input.fraction)
    };
    let schedule = |formula: String, explanation_extra: Option<(&str, f64)>| {
        let mut e = base_expl(formula);
        if let Some((name, v)) = explanation_extra {
            e = e.num(name, v);
        }
        Schedule {
            light: j.band_light,
            band_light: j.band_light,
            mode: j.mode,
            expected: j.expected,
            gap: j.gap,
            explanation: e,
        }
    };
    match (j.mode, j.unjudged) {
        (ScheduleMode::None, why) => {
            let formula = match why {
                Some(Unjudged::NoAim) => format!("{as_of}目标“{}”无数值,不亮灯 → 灰灯", t.text),
                Some(Unjudged::NoActual) => format!("{as_of}未报送当前值 → 灰灯"),
                Some(Unjudged::BadFraction) => {
                    format!("{as_of}时间进度不是有效数值 → 灰灯")
                }
                Some(Unjudged::NoStart) | None => {
                    format!("{as_of}缺少年初值,无法计算序时进度 → 灰灯")
                }
            };
            schedule(formula, None)
        }
        (ScheduleMode::Proportional, _) => {
            let (b, expected, gap) = (
                j.start.unwrap_or(0.0),
                j.expected.unwrap_or(0.0),
                j.gap.unwrap_or(0.0),
            );
            let aim = t.aim().unwrap_or(0.0);
            let f = input.fraction.clamp(0.0, 1.0);
            let due = f * 100.0;
            let done = due - gap;
            let verdict = if gap > 0.0 {
                format!("落后{:.1}个百分点", gap)
            } else {
                format!("超前{:.1}个百分点", -gap)
            };
            let floored = task_scale(aim, b, bands) > (aim - b).abs();
            let formula = format!(
                "{as_of}应完成{due:.1}%,实际完成{done:.1}%,{verdict} → {}(期望值 = {} + ({} − {})×{:.4} = {};差距 = (期望值 − 当前值)÷{}×100{})",
                j.band_light.colour_zh(),
                fmt_num(b),
                fmt_num(aim),
                fmt_num(b),
                f,
                fmt_num(expected),
                if floored {
                    format!(
                        "(|目标值|×{}%,本年任务|目标值 − 年初值|小于此数时按此计)",
                        fmt_num(bands.min_task_percent)
                    )
                } else {
                    "|目标值 − 年初值|".to_string()
                },
                if input.polarity == Polarity::LowerIsBetter {
                    ",越低越好取反"
                } else {
                    ""
                }
            );
            let mut s = schedule(formula, Some(("期望值", expected)));
            s.explanation = s.explanation.num("差距(百分点)", gap);
            s
        }
        (mode, _) => {
            let a = input.actual.unwrap_or(0.0);
            let why = match mode {
                ScheduleMode::Bound => "约束性目标逐期直接比较",
                _ => "本年无新增任务(年初已达目标或目标等于年初值),序时进度即目标本身",
            };
            let verdict = match (j.band_light, j.gap) {
                (Light::Green, _) => format!("当前值 {} 满足目标“{}”", fmt_num(a), t.text),
                (_, None) => format!(
                    "当前值 {} 未满足目标“{}”,目标为0,任何差距均为滞后",
                    fmt_num(a),
                    t.text
                ),
                (_, Some(gap)) => format!(
                    "当前值 {} 未满足目标“{}”,差距 = |目标值 − 当前值|÷|目标值|×100 = {:.1}%(超过{}%为红灯)",
                    fmt_num(a),
                    t.text,
                    gap,
                    fmt_num(bands.hold_red_above)
                ),
            };
            let formula = format!("{as_of}{why}:{verdict} → {}", j.band_light.colour_zh());
            schedule(formula, j.gap.map(|g| ("差距(%)", g)))
        }
    }
}

fn band(gap: f64, bands: &LightBands) -> Light {
    if gap > bands.red_above {
        Light::Red
    } else if gap > bands.yellow_above {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// The light shown after a run of yellows: `previous` are the band lights of the earlier
/// periods of the same indicator and place, oldest first (store `Schedule::band_light`,
/// not the escalated light, so that a run is counted once). A yellow that completes a
/// run of `consecutive_yellow_for_red` yellows shows red.
pub fn escalate(band_light: Light, previous: &[Light], bands: &LightBands) -> Light {
    let n = bands.consecutive_yellow_for_red as usize;
    if band_light != Light::Yellow || n == 0 {
        return band_light;
    }
    let run = 1 + previous
        .iter()
        .rev()
        .take_while(|l| **l == Light::Yellow)
        .count();
    if run >= n { Light::Red } else { Light::Yellow }
}

/// Applies `escalate` to a result and says so in its formula.
pub fn with_history(mut s: Schedule, previous: &[Light], bands: &LightBands) -> Schedule {
    let shown = escalate(s.band_light, previous, bands);
    if shown != s.light {
        s.explanation.formula.push_str(&format!(
            ";连续{}期黄灯(含本期)→ 红灯",
            bands.consecutive_yellow_for_red
        ));
        s.explanation = s.explanation.num(
            "连续黄灯期数阈值",
            f64::from(bands.consecutive_yellow_for_red),
        );
        s.light = shown;
    }
    s
}

/// A figure's lag behind its schedule in words a reader can weigh: the shortfall in the
/// indicator's own unit first (points for a rate), then the §2 gap it makes — a share of
/// the year's task for a proportional schedule, of the target for a bound or a hold year.
/// The gap alone misleads on rates: a rate whose year's task is 0.03 points and that fell
/// 0.04 points is "133 % of the year's task" behind, never "133 percentage points".
/// `None` without a gap; ahead of schedule reads as such. Chinese and English.
pub fn lag_words(
    mode: ScheduleMode,
    unit: &str,
    value: Option<f64>,
    expected: Option<f64>,
    gap: Option<f64>,
) -> Option<(String, String)> {
    let gap = gap.filter(|g| g.is_finite())?;
    let (of_zh, of_en) = match mode {
        ScheduleMode::Bound | ScheduleMode::Hold => ("目标值", "of the target"),
        _ => ("本年任务", "of the year's task"),
    };
    let behind = gap > 0.0;
    let rel_zh = format!(
        "相当于{of_zh}的 {}%",
        fmt_num((gap.abs() * 10.0).round() / 10.0)
    );
    let rel_en = format!("{}% {of_en}", fmt_num((gap.abs() * 10.0).round() / 10.0));
    let (unit_zh, unit_en) = match unit {
        "%" => (" 个百分点".to_string(), " points".to_string()),
        "" => (String::new(), String::new()),
        u => (format!(" {u}"), format!(" {u}")),
    };
    let short = match (value, expected) {
        (Some(v), Some(e)) if v.is_finite() && e.is_finite() => {
            Some(fmt_num(((e - v).abs() * 100.0).round() / 100.0))
        }
        _ => None,
    };
    let (lead_zh, lead_en) = match mode {
        ScheduleMode::Bound | ScheduleMode::Hold if behind => ("未达目标", "short of the target"),
        ScheduleMode::Bound | ScheduleMode::Hold => ("达到目标", "meets the target"),
        _ if behind => ("落后序时进度", "behind schedule"),
        _ => ("领先序时进度", "ahead of schedule"),
    };
    Some(match short {
        Some(d) if gap != 0.0 => (
            format!("{lead_zh} {d}{unit_zh}({rel_zh})"),
            format!("{lead_en} by {d}{unit_en} ({rel_en})"),
        ),
        _ if gap == 0.0 => (lead_zh.to_string(), lead_en.to_string()),
        _ => (
            format!("{lead_zh}({rel_zh})"),
            format!("{lead_en} ({rel_en})"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Polarity::*;

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    fn run(target: &str, pol: Polarity, b: Option<f64>, a: Option<f64>, f: f64) -> Schedule {
        let target = t(target);
        evaluate(
            &ScheduleInput {
                target: &target,
                polarity: pol,
                start: b,
                actual: a,
                fraction: f,
                flow: Flow::Level,
                as_of: Some("6月"),
            },
            &LightBands::default(),
        )
    }

    #[test]
    fn a_rates_lag_reads_in_points_and_as_a_share_of_the_years_task() {
        // The issue's case: a level rate whose year's task is 28.04 → 28.07.
        let (zh, en) = lag_words(
            ScheduleMode::Proportional,
            "%",
            Some(28.0),
            Some(28.06),
            Some(200.0),
        )
        .unwrap();
        assert_eq!(zh, "落后序时进度 0.06 个百分点(相当于本年任务的 200%)");
        assert_eq!(
            en,
            "behind schedule by 0.06 points (200% of the year's task)"
        );
        let (zh, _) = lag_words(
            ScheduleMode::Proportional,
            "人",
            Some(90.0),
            Some(100.0),
            Some(-12.5),
        )
        .unwrap();
        assert_eq!(zh, "领先序时进度 10 人(相当于本年任务的 12.5%)");
        let (zh, _) = lag_words(ScheduleMode::Bound, "%", Some(5.2), Some(5.0), Some(4.0)).unwrap();
        assert_eq!(zh, "未达目标 0.2 个百分点(相当于目标值的 4%)");
        let (zh, _) = lag_words(ScheduleMode::Proportional, "%", None, None, Some(31.04)).unwrap();
        assert_eq!(zh, "落后序时进度(相当于本年任务的 31%)");
        assert_eq!(
            lag_words(ScheduleMode::Proportional, "%", None, None, None),
            None
        );
        assert_eq!(
            lag_words(ScheduleMode::Proportional, "%", None, None, Some(f64::NAN)),
            None
        );
    }

    #[test]
    fn proportional_schedule_and_bands() {
        // B 50, T 60, half year: expected 55.
        let s = run("60", HigherIsBetter, Some(50.0), Some(55.0), 0.5);
        assert_eq!(
            (s.mode, s.expected, s.gap, s.light),
            (
                ScheduleMode::Proportional,
                Some(55.0),
                Some(0.0),
                Light::Green
            )
        );
        let s = run("60", HigherIsBetter, Some(50.0), Some(54.0), 0.5);
        assert_eq!((s.gap, s.light), (Some(10.0), Light::Yellow));
        let s = run("60", HigherIsBetter, Some(50.0), Some(52.0), 0.5);
        assert_eq!((s.gap, s.light), (Some(30.0), Light::Yellow));
        let s = run("60", HigherIsBetter, Some(50.0), Some(51.0), 0.5);
        assert_eq!((s.gap, s.light), (Some(40.0), Light::Red));
        let s = run("60", HigherIsBetter, Some(50.0), Some(58.0), 0.5);
        assert_eq!((s.gap, s.light), (Some(-30.0), Light::Green));
    }

    #[test]
    fn gap_of_exactly_thirty_is_yellow() {
        let s = run("100", HigherIsBetter, Some(0.0), Some(20.0), 0.5);
        assert_eq!((s.gap, s.light), (Some(30.0), Light::Yellow));
    }

    #[test]
    fn lower_is_better_flips_the_sign() {
        // B 12, T 10: expected at half year 11.
        let s = run("10", LowerIsBetter, Some(12.0), Some(11.5), 0.5);
        assert_eq!(
            (s.expected, s.gap, s.light),
            (Some(11.0), Some(25.0), Light::Yellow)
        );
        let s = run("10", LowerIsBetter, Some(12.0), Some(10.5), 0.5);
        assert_eq!((s.gap, s.light), (Some(-25.0), Light::Green));
    }

    #[test]
    fn a_yearly_floor_on_a_flow_is_spread_over_the_year() {
        // 每年免费健康体检6万人以上, reported year-to-date: 2.5 at mid-year is behind 3.
        let target = t("6万人以上");
        let input = ScheduleInput {
            target: &target,
            polarity: HigherIsBetter,
            start: None,
            actual: Some(2.5),
            fraction: 0.5,
            flow: Flow::YearToDate,
            as_of: None,
        };
        let s = evaluate(&input, &LightBands::default());
        assert_eq!(s.mode, ScheduleMode::Proportional);
        assert_eq!(s.expected, Some(3.0));
        assert_eq!(s.light, Light::Yellow);
        // The same bound on a level is checked directly.
        let level = ScheduleInput {
            flow: Flow::Level,
            start: Some(5.0),
            ..input
        };
        assert_eq!(
            evaluate(&level, &LightBands::default()).mode,
            ScheduleMode::Bound
        );
    }

    #[test]
    fn year_to_date_flow_expects_t_times_f() {
        let target = t("1200");
        let s = evaluate(
            &ScheduleInput {
                target: &target,
                polarity: HigherIsBetter,
                start: Some(900.0),
                actual: Some(480.0),
                fraction: 0.5,
                flow: Flow::YearToDate,
                as_of: None,
            },
            &LightBands::default(),
        );
        assert_eq!(
            (s.expected, s.gap, s.light),
            (Some(600.0), Some(10.0), Light::Yellow)
        );
        assert!(
            s.explanation
                .formula
                .contains("应完成50.0%,实际完成40.0%,落后10.0个百分点 → 黄灯"),
            "{}",
            s.explanation.formula
        );
    }

    #[test]
    fn bounds_are_checked_directly() {
        let s = run("<5", LowerIsBetter, Some(3.0), Some(4.9), 0.1);
        assert_eq!((s.mode, s.light), (ScheduleMode::Bound, Light::Green));
        let s = run("<5", LowerIsBetter, Some(3.0), Some(5.0), 0.1);
        assert_eq!(
            (s.mode, s.light, s.gap),
            (ScheduleMode::Bound, Light::Yellow, Some(0.0))
        );
        let s = run("<5", LowerIsBetter, Some(3.0), Some(5.5), 0.1);
        assert_eq!((s.light, s.gap), (Light::Red, Some(10.0)));
        let s = run("≥28.07", HigherIsBetter, None, Some(28.07), 0.9);
        assert_eq!(s.light, Light::Green);
    }

    #[test]
    fn hold_years_never_divide_by_zero() {
        // 95 → 95.
        let s = run("95", HigherIsBetter, Some(95.0), Some(95.0), 0.5);
        assert_eq!(
            (s.mode, s.light, s.gap),
            (ScheduleMode::Hold, Light::Green, Some(0.0))
        );
        let s = run("95", HigherIsBetter, Some(95.0), Some(92.0), 0.5);
        assert_eq!(s.light, Light::Yellow);
        assert!((s.gap.unwrap() - 300.0 / 95.0).abs() < 1e-12);
        let s = run("95", HigherIsBetter, Some(95.0), Some(80.0), 0.5);
        assert_eq!(s.light, Light::Red);
        // Start already beyond the target.
        let s = run("90", HigherIsBetter, Some(96.0), Some(91.0), 0.5);
        assert_eq!((s.mode, s.light), (ScheduleMode::Hold, Light::Green));
        // Target 0 and missed: red, no gap number.
        let s = run("0", LowerIsBetter, Some(0.0), Some(1.0), 0.5);
        assert_eq!(
            (s.mode, s.light, s.gap),
            (ScheduleMode::Hold, Light::Red, None)
        );
        let s = run("0", LowerIsBetter, Some(0.0), Some(0.0), 0.5);
        assert_eq!(s.light, Light::Green);
    }

    #[test]
    fn grey_when_nothing_to_judge() {
        assert_eq!(
            run("60", HigherIsBetter, Some(50.0), None, 0.5).light,
            Light::Grey
        );
        assert_eq!(
            run("/", HigherIsBetter, Some(50.0), Some(1.0), 0.5).light,
            Light::Grey
        );
        assert_eq!(
            run("60", HigherIsBetter, None, Some(55.0), 0.5).light,
            Light::Grey
        );
        assert_eq!(
            run("60", HigherIsBetter, Some(50.0), Some(55.0), f64::NAN).light,
            Light::Grey
        );
        assert_eq!(
            run("60", HigherIsBetter, Some(f64::INFINITY), Some(55.0), 0.5).light,
            Light::Grey
        );
    }

    #[test]
    fn full_coverage_aims_at_100() {
        let s = run("全覆盖", HigherIsBetter, Some(80.0), Some(90.0), 0.5);
        assert_eq!((s.expected, s.light), (Some(90.0), Light::Green));
    }

    #[test]
    fn red_after_two_consecutive_yellows() {
        let b = LightBands::default();
        use Light::*;
        assert_eq!(escalate(Yellow, &[], &b), Yellow);
        assert_eq!(escalate(Yellow, &[Green], &b), Yellow);
        assert_eq!(escalate(Yellow, &[Yellow], &b), Yellow);
        assert_eq!(escalate(Yellow, &[Yellow, Yellow], &b), Red);
        assert_eq!(escalate(Yellow, &[Yellow, Yellow, Green], &b), Yellow);
        assert_eq!(escalate(Yellow, &[Red, Yellow, Yellow], &b), Red);
        assert_eq!(escalate(Green, &[Yellow, Yellow], &b), Green);
        assert_eq!(escalate(Grey, &[Yellow, Yellow], &b), Grey);
        let two = LightBands {
            consecutive_yellow_for_red: 2,
            ..b
        };
        assert_eq!(escalate(Yellow, &[Yellow], &two), Red);
        let off = LightBands {
            consecutive_yellow_for_red: 0,
            ..b
        };
        assert_eq!(escalate(Yellow, &[Yellow, Yellow], &off), Yellow);

        let s = run("60", HigherIsBetter, Some(50.0), Some(54.0), 0.5);
        let s = with_history(s, &[Yellow, Yellow], &b);
        assert_eq!((s.light, s.band_light), (Red, Yellow));
        assert!(s.explanation.formula.contains("连续3期黄灯(含本期)"));
    }

    #[test]
    fn a_figure_that_rounds_to_the_target_is_never_red() {
        // 99.98 % of a 100 % target: met at the precision the plan writes "100" in, in
        // every mode, and no run of yellows can turn it red.
        for start in [99.9, 100.0, 80.0] {
            let s = run("100", HigherIsBetter, Some(start), Some(99.98), 1.0);
            assert_eq!((s.light, s.gap), (Light::Green, Some(0.0)), "start {start}");
            let s = with_history(s, &[Light::Yellow, Light::Yellow], &LightBands::default());
            assert_eq!(s.light, Light::Green);
        }
        // 28.065 rounds to 28.07; 28.064 does not, and is judged on its schedule.
        let s = run("28.07", HigherIsBetter, Some(28.04), Some(28.065), 1.0);
        assert_eq!(s.light, Light::Green);
        let s = run("28.07", HigherIsBetter, Some(28.04), Some(28.064), 1.0);
        assert_ne!(s.light, Light::Green);
        // A bound is the same: 4.996 is "<5" at no precision, 5.004 misses "≤5" by less
        // than the plan writes.
        let s = run("≤5", LowerIsBetter, Some(4.0), Some(5.004), 0.5);
        assert_eq!(s.light, Light::Green);
        // Without a written number (全覆盖) nothing is rounded: short of full is yellow.
        let s = run("全覆盖", HigherIsBetter, Some(100.0), Some(99.98), 0.5);
        assert_eq!(s.light, Light::Yellow);
        assert_eq!(written_decimals("≥28.07"), Some(2));
        assert_eq!(written_decimals("1‰以下"), Some(0));
        assert_eq!(written_decimals("全覆盖"), None);
    }

    #[test]
    fn a_tiny_yearly_task_is_not_hundreds_of_points() {
        // 28.06 → 28.07 asks for a hundredth of a point; a figure 0.06 short of the
        // schedule (0.2 % of the target) was 620 points behind. The task counts as at
        // least 0.5 % of the target (0.14035), so it is 44 points behind: red, but on a
        // scale people can read, and agreeing with "差0.06个百分点".
        let s = run("28.07", HigherIsBetter, Some(28.06), Some(28.003), 0.5);
        let gap = s.gap.unwrap();
        assert!(
            (gap - 0.062 * 100.0 / (28.07 * 0.005)).abs() < 1e-9,
            "{gap}"
        );
        assert!(gap < 100.0);
        assert!(
            s.explanation.formula.contains("|目标值|×0.5%"),
            "{}",
            s.explanation.formula
        );
        // The floor off: methods §2 to the letter.
        let letter = LightBands {
            min_task_percent: 0.0,
            ..LightBands::default()
        };
        let target = t("28.07");
        let j = judge(
            &ScheduleInput {
                target: &target,
                polarity: HigherIsBetter,
                start: Some(28.06),
                actual: Some(28.003),
                fraction: 0.5,
                flow: Flow::Level,
                as_of: None,
            },
            &letter,
        );
        assert!((j.gap.unwrap() - 620.0).abs() < 1e-6);
        // A task larger than the floor is untouched.
        let s = run("60", HigherIsBetter, Some(50.0), Some(55.0), 0.5);
        assert_eq!(s.gap, Some(0.0));
    }

    #[test]
    fn configurable_bands() {
        let target = t("60");
        let yinchuan = LightBands {
            yellow_above: 10.0,
            ..LightBands::default()
        };
        let s = evaluate(
            &ScheduleInput {
                target: &target,
                polarity: HigherIsBetter,
                start: Some(50.0),
                actual: Some(54.5),
                fraction: 0.5,
                flow: Flow::Level,
                as_of: None,
            },
            &yinchuan,
        );
        assert_eq!(s.light, Light::Green);
        let j: LightBands = serde_json::from_str(r#"{"red_above": 50}"#).unwrap();
        assert_eq!(
            j,
            LightBands {
                red_above: 50.0,
                ..LightBands::default()
            }
        );
    }

    #[test]
    fn serializes_snake_case() {
        assert_eq!(serde_json::to_value(Light::Yellow).unwrap(), "yellow");
        assert_eq!(Light::Grey.label_zh(), "无数据");
        assert_eq!(Light::Red.label_zh(), "滞后");
    }

    proptest::proptest! {
        #[test]
        fn never_nan_or_infinite(
            tv in -1.0e6f64..1.0e6, b in -1.0e6f64..1.0e6, a in -1.0e6f64..1.0e6,
            f in -0.5f64..1.5, op in 0usize..6, lower in proptest::bool::ANY, ytd in proptest::bool::ANY,
            same in proptest::bool::ANY,
        ) {
            let prefix = ["", "<", ">", "≥", "≤", ""][op];
            let tv = if same { b } else { tv };
            let text = if op == 5 { "全覆盖".to_string() } else { format!("{prefix}{tv}") };
            let target = t(&text);
            let s = evaluate(
                &ScheduleInput {
                    target: &target,
                    polarity: if lower { LowerIsBetter } else { HigherIsBetter },
                    start: Some(b),
                    actual: Some(a),
                    fraction: f,
                    flow: if ytd { Flow::YearToDate } else { Flow::Level },
                    as_of: None,
                },
                &LightBands::default(),
            );
            proptest::prop_assert!(s.light != Light::Grey);
            proptest::prop_assert!(s.gap.is_none_or(f64::is_finite));
            proptest::prop_assert!(s.expected.is_none_or(f64::is_finite));
            proptest::prop_assert!(!s.explanation.formula.contains("NaN") && !s.explanation.formula.contains("inf"));
        }
    }
}
