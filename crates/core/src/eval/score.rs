//! The ranking's indicator score s_ik from the light and its gap: the band rule of
//! methods §4, so that a red indicator always scores below a yellow one and a yellow below
//! a green one.
//!
//! s lies in the band of the light shown — green [1, cap (1.2)], yellow [0.7, 1), red
//! [0, 0.7) — placed within the band by the §2 gap (percentage points; negative ahead):
//!
//! - proportional schedule (band edges `yellow_above` 0 and `red_above` 30):
//!   s = 1 − gap ÷ 100, clamped to [0, cap]; with other edges each band is scaled the
//!   same way (yellow 1 − 0.3·(gap − lo) ÷ (hi − lo), red 0.7·(1 − (gap − hi) ÷ (100 − hi)));
//! - a hold year or a bound (`<5`, `≥28.07`; gap = shortfall ÷ |T| × 100, edges 0 and
//!   `hold_red_above` 5): green 1 — beating a bound by far is still 1, never more;
//!   yellow 1 − 0.3·gap ÷ 5; red max(0, 0.7·(1 − (gap − 5) ÷ 95)); a miss of a target of
//!   0 (no scale) scores 0;
//! - a milestone: green 1, yellow 0.85, red 0;
//! - a red light forced by a run of yellows (§2) scores 0.69.
//!
//! Whatever the configured bands, the result is kept inside the light's band, so the
//! order of the lights is never contradicted. A grey light (no data, no target) has no
//! score: the ranking lists it as 无数据.

use serde::{Deserialize, Serialize};

use super::explain::fmt_num;
use super::schedule::{Judgement, Light, LightBands, Schedule, ScheduleMode};

/// The bottom of the green band.
pub const GREEN_FLOOR: f64 = 1.0;
/// The bottom of the yellow band (the top of the red band, exclusive).
pub const YELLOW_FLOOR: f64 = 0.7;
/// A milestone that is late (yellow).
pub const MILESTONE_LATE: f64 = 0.85;
/// A red light forced by a run of yellows.
pub const FORCED_RED: f64 = 0.69;
/// The default top of the green band.
pub const DEFAULT_CAP: f64 = 1.2;

/// What the score of one indicator is computed from: its judged light and gap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    /// The light shown (after the run-of-yellows rule).
    pub light: Light,
    /// The light from the bands alone.
    pub band_light: Light,
    pub mode: ScheduleMode,
    /// The §2 gap: percentage points of the year's task behind (proportional), or the
    /// shortfall in percent of |T| (hold, bound).
    pub gap: Option<f64>,
    /// A pass/fail milestone (done or on track, late, missed).
    #[serde(default)]
    pub milestone: bool,
}

impl Judged {
    /// From a period's schedule as the engine explains it.
    pub fn from_schedule(s: &Schedule, milestone: bool) -> Self {
        Judged {
            light: s.light,
            band_light: s.band_light,
            mode: s.mode,
            gap: s.gap,
            milestone,
        }
    }

    /// From a judgement by the bands and the light shown after the run-of-yellows rule.
    pub fn from_judgement(j: &Judgement, light: Light, milestone: bool) -> Self {
        Judged {
            light,
            band_light: j.band_light,
            mode: j.mode,
            gap: j.gap,
            milestone,
        }
    }
}

/// The top of the green band: `cap` when it is a number not below 1, else 1.2.
pub fn cap_value(cap: f64) -> f64 {
    if cap.is_finite() && cap >= GREEN_FLOOR {
        cap
    } else {
        DEFAULT_CAP
    }
}

/// The band [low, high] of a light's scores (high exclusive but for green).
fn band_of(light: Light, cap: f64) -> Option<(f64, f64)> {
    match light {
        Light::Green => Some((GREEN_FLOOR, cap)),
        Light::Yellow => Some((YELLOW_FLOOR, GREEN_FLOOR.next_down())),
        Light::Red => Some((0.0, YELLOW_FLOOR.next_down())),
        Light::Grey => None,
    }
}

/// The indicator score s_ik by the band rule (see the module documentation); None for a
/// grey light or a period without a judgement.
pub fn band_score(j: &Judged, bands: &LightBands, cap: f64) -> Option<f64> {
    let cap = cap_value(cap);
    let (low, high) = band_of(j.light, cap)?;
    if j.light == Light::Red && j.band_light == Light::Yellow {
        return Some(FORCED_RED);
    }
    if j.milestone {
        return Some(match j.light {
            Light::Green => GREEN_FLOOR,
            Light::Yellow => MILESTONE_LATE,
            _ => 0.0,
        });
    }
    let (lo, hi) = match j.mode {
        ScheduleMode::Proportional => (bands.yellow_above, bands.red_above),
        ScheduleMode::Hold | ScheduleMode::Bound => (0.0, bands.hold_red_above),
        ScheduleMode::None => return None,
    };
    let gap = j.gap.filter(|g| g.is_finite());
    let s = match j.light {
        Light::Green => match (j.mode, gap) {
            (ScheduleMode::Proportional, Some(g)) => GREEN_FLOOR + (lo - g) / 100.0,
            _ => GREEN_FLOOR,
        },
        Light::Yellow => match gap {
            Some(g) if hi > lo => GREEN_FLOOR - 0.3 * (g - lo) / (hi - lo),
            _ => YELLOW_FLOOR,
        },
        _ => match gap {
            Some(g) if hi < 100.0 => YELLOW_FLOOR * (1.0 - (g - hi) / (100.0 - hi)),
            _ => 0.0,
        },
    };
    let s = if s.is_finite() { s } else { low };
    Some(s.clamp(low, high))
}

/// The band rule in Chinese, numbered from `first`, as printed with every ranking.
pub fn describe_zh(bands: &LightBands, cap: f64, first: u32) -> String {
    let cap = fmt_num(cap_value(cap));
    let (y, r, h) = (
        fmt_num(bands.yellow_above),
        fmt_num(bands.red_above),
        fmt_num(bands.hold_red_above),
    );
    let n = |k: u32| first + k;
    format!(
        "{}. 单项得分随指标灯色定档:绿灯 1–{cap},黄灯 0.7–1(不含 1),红灯 0–0.7(不含 0.7),红灯得分一定低于黄灯,黄灯一定低于绿灯;档内位置由序时进度差距(百分点,超前为负)决定。\n\
         {}. 按序时进度评价(黄灯线 {y}、红灯线 {r} 个百分点):单项得分 = 1 − 差距 ÷ 100,取 0–{cap}。\n\
         {}. 本年无新增任务或约束性目标(如“<5”“≥28.07”),差距 = 未达部分 ÷ |目标值| × 100(红灯线 {h}%):达标得 1,超出约束再多也只得 1;黄灯 1 − 0.3 × 差距 ÷ {h};红灯 0.7 × (1 − (差距 − {h}) ÷ (100 − {h})),不低于 0;目标为 0 而未达标得 0。\n\
         {}. 达标类(节点)指标:完成或按计划推进得 1,滞后(黄灯)得 0.85,红灯得 0。\n\
         {}. 连续黄灯转为红灯的,得 0.69。\n\
         {}. 未报数据或没有目标的指标列为“无数据”,不计分,也不按 0 分计。\n",
        n(0),
        n(1),
        n(2),
        n(3),
        n(4),
        n(5),
    )
}

/// The band rule in English, numbered from `first`.
pub fn describe_en(bands: &LightBands, cap: f64, first: u32) -> String {
    let cap = fmt_num(cap_value(cap));
    let (y, r, h) = (
        fmt_num(bands.yellow_above),
        fmt_num(bands.red_above),
        fmt_num(bands.hold_red_above),
    );
    let n = |k: u32| first + k;
    format!(
        "{}. Indicator scores follow the light: green 1–{cap}, yellow 0.7 to below 1, red 0 to below 0.7, so red always scores below yellow and yellow below green; the schedule gap (points behind, negative when ahead) places the score within its band.\n\
         {}. Time-proportional schedule (yellow above {y}, red above {r} points): s = 1 − gap ÷ 100, within 0–{cap}.\n\
         {}. Hold years and bounds (such as <5 or ≥28.07), gap = shortfall ÷ |target| × 100 (red above {h}%): met scores 1, never more however far a bound is beaten; yellow 1 − 0.3 × gap ÷ {h}; red 0.7 × (1 − (gap − {h}) ÷ (100 − {h})), at least 0; a missed target of 0 scores 0.\n\
         {}. Milestones: done or on track 1, late (yellow) 0.85, red 0.\n\
         {}. A red light forced by a run of yellows scores 0.69.\n\
         {}. An indicator without a figure or a target is listed as no data, not scored (and not scored zero).\n",
        n(0),
        n(1),
        n(2),
        n(3),
        n(4),
        n(5),
    )
}

/// How many lines [`describe_zh`] and [`describe_en`] print.
pub const DESCRIBE_LINES: u32 = 6;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::schedule::{Flow, ScheduleInput, escalate, judge};
    use crate::plan::Polarity;
    use crate::target::Target;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn judged(target: &str, pol: Polarity, b: f64, a: f64, f: f64) -> Judged {
        let t = Target::parse(target).unwrap();
        let j = judge(
            &ScheduleInput {
                target: &t,
                polarity: pol,
                start: Some(b),
                actual: Some(a),
                fraction: f,
                flow: Flow::Level,
                as_of: None,
            },
            &LightBands::default(),
        );
        Judged::from_judgement(&j, j.band_light, false)
    }

    fn s(j: &Judged) -> f64 {
        band_score(j, &LightBands::default(), DEFAULT_CAP).unwrap()
    }

    #[test]
    fn proportional_is_one_minus_the_gap() {
        // B 50, T 60, half year: expected 55.
        let on = judged("60", Polarity::HigherIsBetter, 50.0, 55.0, 0.5);
        assert_eq!(on.light, Light::Green);
        assert!(close(s(&on), 1.0));
        let ahead = judged("60", Polarity::HigherIsBetter, 50.0, 57.0, 0.5);
        assert!(close(s(&ahead), 1.2), "20 points ahead: 1.2");
        let far = judged("60", Polarity::HigherIsBetter, 50.0, 60.0, 0.5);
        assert!(close(s(&far), 1.2), "capped");
        let yellow = judged("60", Polarity::HigherIsBetter, 50.0, 54.0, 0.5);
        assert_eq!(yellow.light, Light::Yellow);
        assert!(close(s(&yellow), 0.9));
        let edge = judged("60", Polarity::HigherIsBetter, 50.0, 52.0, 0.5);
        assert!(close(s(&edge), 0.7), "gap 30 is yellow: 0.7");
        let red = judged("60", Polarity::HigherIsBetter, 50.0, 51.0, 0.5);
        assert_eq!(red.light, Light::Red);
        assert!(close(s(&red), 0.6));
        let worse = judged("60", Polarity::HigherIsBetter, 50.0, 40.0, 0.5);
        assert_eq!(s(&worse), 0.0, "clamped at 0");
    }

    #[test]
    fn a_level_behind_its_small_task_is_not_nearly_full_marks() {
        // The case: 28.05 at the year's end against 28.07 from 28.04 — two
        // thirds of the year's task undone. A ÷ expected was 0.9996; the band rule places
        // it by its gap (here measured in the floor of the year's task, 0.5 % of 28.07).
        let j = judged("28.07", Polarity::HigherIsBetter, 28.04, 28.05, 1.0);
        assert_eq!(j.light, Light::Yellow);
        let gap = j.gap.unwrap();
        assert!(gap > 10.0, "{gap}");
        assert!(close(s(&j), 1.0 - gap / 100.0));
        assert!(s(&j) < 0.9);
        // Without the floor (methods §2 to the letter): 66.7 points behind, red.
        let t = Target::parse("28.07").unwrap();
        let bands = LightBands {
            min_task_percent: 0.0,
            ..LightBands::default()
        };
        let strict = judge(
            &ScheduleInput {
                target: &t,
                polarity: Polarity::HigherIsBetter,
                start: Some(28.04),
                actual: Some(28.05),
                fraction: 1.0,
                flow: Flow::Level,
                as_of: None,
            },
            &bands,
        );
        let strict = Judged::from_judgement(&strict, strict.band_light, false);
        assert_eq!(strict.light, Light::Red);
        assert!(close(
            band_score(&strict, &bands, 1.2).unwrap(),
            1.0 - 200.0 / 3.0 / 100.0
        ));
    }

    #[test]
    fn bounds_and_holds() {
        // Beating a bound by far is still 1.
        let b = judged("<5", Polarity::LowerIsBetter, 4.0, 1.0, 0.5);
        assert_eq!((b.mode, b.light), (ScheduleMode::Bound, Light::Green));
        assert_eq!(s(&b), 1.0);
        // 2 % over a bound of 5.0 (5.1): yellow 1 − 0.3 × 2 / 5 = 0.88.
        let y = judged("≤5.0", Polarity::LowerIsBetter, 4.0, 5.1, 0.5);
        assert_eq!(y.light, Light::Yellow);
        assert!(close(s(&y), 0.88));
        // 24 % over: red 0.7 × (1 − 19 / 95) = 0.56.
        let r = judged("≤5.0", Polarity::LowerIsBetter, 4.0, 6.2, 0.5);
        assert_eq!(r.light, Light::Red);
        assert!(close(s(&r), 0.56));
        // A hold year 95 → 95, met and missed by 1 %.
        let h = judged("95", Polarity::HigherIsBetter, 95.0, 95.0, 0.5);
        assert_eq!((h.mode, s(&h)), (ScheduleMode::Hold, 1.0));
        let h = judged("95", Polarity::HigherIsBetter, 95.0, 94.05, 0.5);
        assert!(close(s(&h), 0.94));
        // A target of 0 missed: red, no scale, 0.
        let z = judged("0", Polarity::LowerIsBetter, 0.0, 1.0, 0.5);
        assert_eq!((z.light, s(&z)), (Light::Red, 0.0));
    }

    #[test]
    fn milestones_and_forced_red() {
        let mut m = judged("100", Polarity::HigherIsBetter, 0.0, 100.0, 1.0);
        m.milestone = true;
        assert_eq!(s(&m), 1.0);
        m.light = Light::Yellow;
        m.band_light = Light::Yellow;
        assert_eq!(s(&m), MILESTONE_LATE);
        m.light = Light::Red;
        m.band_light = Light::Red;
        assert_eq!(s(&m), 0.0);
        let y = judged("60", Polarity::HigherIsBetter, 50.0, 54.0, 0.5);
        let forced = Judged {
            light: escalate(
                y.band_light,
                &[Light::Yellow, Light::Yellow],
                &LightBands::default(),
            ),
            ..y
        };
        assert_eq!(forced.light, Light::Red);
        assert_eq!(s(&forced), FORCED_RED);
        let grey = Judged {
            light: Light::Grey,
            band_light: Light::Grey,
            mode: ScheduleMode::None,
            gap: None,
            milestone: false,
        };
        assert_eq!(band_score(&grey, &LightBands::default(), 1.2), None);
    }

    #[test]
    fn other_bands_keep_the_order() {
        let bands = LightBands {
            yellow_above: 10.0,
            red_above: 50.0,
            ..LightBands::default()
        };
        let j = |light, gap| Judged {
            light,
            band_light: light,
            mode: ScheduleMode::Proportional,
            gap: Some(gap),
            milestone: false,
        };
        assert!(close(
            band_score(&j(Light::Green, 5.0), &bands, 1.2).unwrap(),
            1.05
        ));
        assert!(close(
            band_score(&j(Light::Yellow, 30.0), &bands, 1.2).unwrap(),
            0.85
        ));
        assert!(band_score(&j(Light::Red, 50.5), &bands, 1.2).unwrap() < 0.7);
        // A bad cap falls back to 1.2; a cap below 1 would put green under yellow.
        assert_eq!(cap_value(0.5), 1.2);
        assert_eq!(cap_value(f64::NAN), 1.2);
        assert_eq!(cap_value(1.1), 1.1);
    }

    #[test]
    fn described() {
        let zh = describe_zh(&LightBands::default(), 1.2, 1);
        for w in ["1–1.2", "0.69", "0.85", "无数据", "1 − 差距 ÷ 100", "2."] {
            assert!(zh.contains(w), "{w} missing from {zh}");
        }
        assert_eq!(zh.lines().count() as u32, DESCRIBE_LINES);
        let en = describe_en(&LightBands::default(), 1.2, 3);
        assert!(en.starts_with("3. ") && en.contains("0.69"), "{en}");
        assert_eq!(en.lines().count() as u32, DESCRIBE_LINES);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn any_light() -> impl Strategy<Value = Light> {
            prop_oneof![Just(Light::Green), Just(Light::Yellow), Just(Light::Red)]
        }

        fn target() -> impl Strategy<Value = String> {
            prop_oneof![
                (0.0f64..200.0).prop_map(|v| format!("{v:.2}")),
                (0.0f64..50.0).prop_map(|v| format!("<{v:.1}")),
                (0.0f64..50.0).prop_map(|v| format!("≥{v:.2}")),
                Just("0".to_string()),
                Just("100".to_string()),
            ]
        }

        /// One indicator's judgement from arbitrary figures, with its history.
        fn data() -> impl Strategy<Value = Judged> {
            (
                target(),
                any::<bool>(),
                -10.0f64..200.0,
                -10.0f64..200.0,
                0.0f64..=1.0,
                prop::collection::vec(any_light(), 0..4),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(t, lower, b, a, f, history, milestone, ytd)| {
                    let t = Target::parse(&t).unwrap();
                    let polarity = if lower {
                        Polarity::LowerIsBetter
                    } else {
                        Polarity::HigherIsBetter
                    };
                    let bands = LightBands::default();
                    let j = judge(
                        &ScheduleInput {
                            target: &t,
                            polarity,
                            start: Some(b),
                            actual: Some(a),
                            fraction: f,
                            flow: if ytd { Flow::YearToDate } else { Flow::Level },
                            as_of: None,
                        },
                        &bands,
                    );
                    let light = escalate(j.band_light, &history, &bands);
                    Judged::from_judgement(&j, light, milestone)
                })
        }

        proptest! {
            #[test]
            fn red_below_yellow_below_green(items in prop::collection::vec(data(), 1..12)) {
                let bands = LightBands::default();
                let mut by: [Vec<f64>; 3] = Default::default();
                for j in &items {
                    let s = band_score(j, &bands, DEFAULT_CAP);
                    match j.light {
                        Light::Grey => prop_assert_eq!(s, None),
                        l => {
                            let s = s.unwrap();
                            prop_assert!(s.is_finite() && (0.0..=DEFAULT_CAP).contains(&s));
                            by[l as usize].push(s);
                        }
                    }
                }
                let max = |v: &Vec<f64>| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let min = |v: &Vec<f64>| v.iter().copied().fold(f64::INFINITY, f64::min);
                let [green, yellow, red] = &by;
                prop_assert!(max(red) < min(yellow), "red {red:?} yellow {yellow:?}");
                prop_assert!(max(yellow) < min(green), "yellow {yellow:?} green {green:?}");
                prop_assert!(max(red) < min(green));
            }

            #[test]
            fn any_bands_any_gap_keep_the_order(
                yellow in -20.0f64..60.0,
                width in 0.0f64..80.0,
                hold in 0.0f64..120.0,
                gaps in prop::collection::vec((any_light(), prop::option::of(-500.0f64..500.0), 0u8..3), 1..12),
                cap in -1.0f64..3.0,
            ) {
                let bands = LightBands {
                    yellow_above: yellow,
                    red_above: yellow + width,
                    hold_red_above: hold,
                    ..LightBands::default()
                };
                let mut by: [Vec<f64>; 3] = Default::default();
                for (light, gap, mode) in gaps {
                    let mode = [ScheduleMode::Proportional, ScheduleMode::Hold, ScheduleMode::Bound][mode as usize];
                    let j = Judged { light, band_light: light, mode, gap, milestone: false };
                    by[light as usize].push(band_score(&j, &bands, cap).unwrap());
                }
                let all: Vec<f64> = by.iter().flatten().copied().collect();
                prop_assert!(all.iter().all(|s| s.is_finite() && *s >= 0.0));
                let max = |v: &Vec<f64>| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let min = |v: &Vec<f64>| v.iter().copied().fold(f64::INFINITY, f64::min);
                let [green, yellow, red] = &by;
                prop_assert!(max(red) < min(yellow) && max(yellow) < min(green));
            }
        }
    }
}
