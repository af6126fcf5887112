//! The status table: one row per indicator at a place for a year (or a period), with the
//! figure, the target as written, the light and the progress — what `youxiang status`
//! prints and the overview shows.

use chrono::NaiveDate;
use serde::Serialize;
use youxiang_core::decompose::PlaceTarget;
use youxiang_core::eval::{Light, ProgressStatus, ScheduleMode, YearStatus, lag_words};
use youxiang_core::manage::MilestoneTrack;
use youxiang_core::period::{Period, PeriodKind};
use youxiang_engine::Engine;

use crate::{Reader, State};

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct StatusFilter {
    /// Place code; the plan's own place when absent.
    pub place: Option<String>,
    /// Target year; the latest year with data when absent.
    pub year: Option<i32>,
    /// A period within the year: figures and lights as of that period.
    pub period: Option<Period>,
    /// Domain code or name.
    pub domain: Option<String>,
    /// Include the task-text indicators, not only the table's.
    pub all: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusRow {
    pub domain: String,
    pub domain_name: String,
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub place: String,
    pub place_name: String,
    pub year: i32,
    /// The target the place is judged against that year, as written: the plan's at the
    /// district; below it the place's own (decomposed) target, the district's for a rate,
    /// or 无分解目标 for a summed indicator not decomposed to the place.
    pub target: String,
    /// 原目标: the plan's text before a revision (方案调整) changed the year's target, when
    /// it differs from the target shown.
    pub original_target: Option<String>,
    /// The period of the figure shown: the latest with a figure up to the year's (or the
    /// asked period's) end.
    pub as_of: Option<Period>,
    /// Set when that figure is of an earlier period than the one asked for, to mark it:
    /// `2024年值` (an annual indicator without this year's figure yet), `2025年第1季度值`.
    pub as_of_note: Option<String>,
    pub value: Option<f64>,
    pub light: Light,
    pub light_zh: String,
    pub gap: Option<f64>,
    /// The value the schedule expected at `as_of`, and how it was judged: with `gap`, what
    /// [`StatusRow::lag_words`] says.
    pub expected: Option<f64>,
    pub mode: ScheduleMode,
    pub year_status: YearStatus,
    /// Whether the figure covers the whole year (only then is the year check final).
    pub year_complete: bool,
    /// The year check in words: 达标 / 未达标 / 无目标 / 无数据, or 年度未结束 while the
    /// year's figures are still coming in.
    pub year_label: String,
    pub progress: ProgressStatus,
    pub score: Option<f64>,
}

impl StatusRow {
    /// The lag behind the schedule in the indicator's unit and as a share of the year's
    /// task (Chinese, English): `落后序时进度 0.06 个百分点(相当于本年任务的 200%)`.
    pub fn lag_words(&self) -> Option<(String, String)> {
        lag_words(self.mode, &self.unit, self.value, self.expected, self.gap)
    }
}

/// The latest target year that has any figure at the place, as `reader` sees the figures.
pub fn latest_year(state: &State, reader: Reader<'_>, place: &str) -> Option<i32> {
    state.plan.target_years.iter().rev().copied().find(|y| {
        state.plan.indicators.iter().any(|i| {
            state
                .view_for(reader, place, &i.code)
                .status(&i.code, place, *y)
                .is_some_and(|s| s.value.is_some())
        })
    })
}

/// The latest figure of an indicator at a place in a period ending on or before `until`
/// (a yearly figure after the sub-periods ending the same day).
fn latest_figure(engine: &Engine, code: &str, place: &str, until: NaiveDate) -> Option<Period> {
    engine
        .series_at(code, place)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.end() <= until)
        .max_by_key(|p| (p.end(), p.kind() == PeriodKind::Year))
}

/// Whether a year without a target waits for a first year-end figure to derive one: the
/// plan sets a later, non-milestone target.
fn awaits_first(ind: &youxiang_core::Indicator, year: i32) -> bool {
    !ind.has_milestone_target() && ind.final_target().is_some_and(|(y, _)| y > year)
}

/// The target text a place is judged against (see [`StatusRow::target`]).
fn target_text(engine: &Engine, code: &str, place: &str, year: i32) -> String {
    match engine.target_at(code, place, year) {
        Some(PlaceTarget::Own(t) | PlaceTarget::District(t)) => t.text.clone(),
        Some(PlaceTarget::Undecomposed) => YearStatus::Undecomposed.label_zh().into(),
        None => String::new(),
    }
}

/// What a year without a target shows when the plan sets one later: the derived path
/// waits for the first year-end figure (待首次报送, methods §2).
pub const AWAITING_FIRST: &str = "待首次报送";

/// Marks the rows of milestone targets before their year (no derived path) with where the
/// lead unit's dated plan stands ([`crate::App::milestone_tracks`]): on track or done is
/// green, late is red, no dated plan stays grey. The target shown is the final one, with
/// its year.
pub fn mark_milestone_tracks(
    plan: &youxiang_core::Plan,
    rows: &mut [StatusRow],
    tracks: &std::collections::BTreeMap<String, MilestoneTrack>,
) {
    for row in rows.iter_mut().filter(|r| r.target.is_empty()) {
        let (Some(track), Some(ind)) = (tracks.get(&row.indicator), plan.indicator(&row.indicator))
        else {
            continue;
        };
        let Some((final_year, t)) = ind.final_target().filter(|(y, _)| *y > row.year) else {
            continue;
        };
        row.target = format!("{final_year}年{}", t.text);
        row.light = match track {
            MilestoneTrack::Done | MilestoneTrack::OnTrack => Light::Green,
            MilestoneTrack::Late => Light::Red,
            MilestoneTrack::NoPlan => Light::Grey,
        };
        row.light_zh = row.light.label_zh().to_string();
        row.year_label = format!("里程碑:{}", track.label_zh());
    }
}

/// The rows of the status table, each from the figures `reader` may see of it (drafts
/// only where their role reports or approves and their scope covers the row).
pub fn status_rows(
    state: &State,
    reader: Reader<'_>,
    filter: &StatusFilter,
) -> Result<Vec<StatusRow>, String> {
    let place_code = filter
        .place
        .clone()
        .unwrap_or_else(|| state.plan.place.clone());
    let place = state
        .tree
        .by_code(&place_code)
        .ok_or_else(|| format!("地点“{place_code}”不存在"))?;
    let year = filter
        .period
        .map(|p| p.year())
        .or(filter.year)
        .or_else(|| latest_year(state, reader, &place_code))
        .unwrap_or_else(|| state.plan.final_year());
    if !state.plan.target_years.contains(&year) {
        return Err(format!(
            "{year} 年不是方案目标年份({:?})",
            state.plan.target_years
        ));
    }
    let mut rows = Vec::new();
    for ind in &state.plan.indicators {
        if !filter.all && !ind.is_table_row() {
            continue;
        }
        let domain = state.plan.domain(&ind.domain);
        if let Some(d) = &filter.domain
            && !(ind.domain == *d || domain.is_some_and(|x| x.name == *d))
        {
            continue;
        }
        let engine = state.view_for(reader, &place_code, &ind.code);
        let target = target_text(engine, &ind.code, &place_code, year);
        let status = engine.status(&ind.code, &place_code, year).copied();
        // The light of a figure as `explain` judges it as of its period, without the text.
        let judged = |period: Period| match engine.as_of(&ind.code, &place_code, period) {
            Some(a) => (
                a.value.map(|_| period),
                a.value,
                a.light,
                (a.gap, a.expected, a.mode),
            ),
            None => (None, None, Light::Grey, (None, None, ScheduleMode::None)),
        };
        let (mut as_of, mut value, mut light, mut sched) = match filter.period {
            Some(period) => judged(period),
            None => (
                status.and_then(|s| s.as_of),
                status.and_then(|s| s.value),
                status.map(|s| s.light).unwrap_or(Light::Grey),
                status.map_or((None, None, ScheduleMode::None), |s| {
                    (s.gap, s.expected, s.mode)
                }),
            ),
        };
        // Never a false 无数据: without a figure for the period (or year) asked, the latest
        // earlier figure is shown with its own period's evaluation, marked with its period
        // (an annual indicator as of a month, a quarterly one as of a month in between).
        let mut as_of_note = None;
        if value.is_none() {
            let until = filter
                .period
                .map(|p| p.end())
                .or_else(|| NaiveDate::from_ymd_opt(year, 12, 31));
            if let Some(earlier) =
                until.and_then(|u| latest_figure(engine, &ind.code, &place_code, u))
            {
                (as_of, value, light, sched) = judged(earlier);
                let same_end = filter.period.is_some_and(|p| p.end() == earlier.end());
                if !same_end {
                    as_of_note = Some(format!("{}值", earlier.label_zh()));
                }
            }
        }
        let awaiting = target.is_empty() && value.is_none() && awaits_first(ind, year);
        rows.push(StatusRow {
            domain: ind.domain.clone(),
            domain_name: domain.map(|d| d.name.clone()).unwrap_or_default(),
            indicator: ind.code.clone(),
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            place: place.code.clone(),
            place_name: place.name.clone(),
            year,
            original_target: state
                .plan
                .original_target(&ind.code, year)
                .filter(|old| *old != target)
                .map(str::to_string),
            target,
            as_of,
            as_of_note,
            value,
            light,
            light_zh: light.label_zh().to_string(),
            gap: sched.0,
            expected: sched.1,
            mode: sched.2,
            year_status: status.map(|s| s.year).unwrap_or(YearStatus::NoData),
            year_complete: status.is_some_and(|s| s.year_complete),
            year_label: match status {
                _ if awaiting => AWAITING_FIRST.into(),
                Some(s)
                    if s.value.is_some() && !s.year_complete && s.year == YearStatus::NoData =>
                {
                    "年度未结束".into()
                }
                Some(s) => s.year.label_zh().into(),
                None => YearStatus::NoData.label_zh().into(),
            },
            progress: status
                .map(|s| s.progress)
                .unwrap_or(ProgressStatus::NotAvailable),
            score: status.and_then(|s| s.score),
        });
    }
    Ok(rows)
}
