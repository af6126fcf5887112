//! The status table: one row per indicator at a place for a year (or a period), with the
//! figure, the target as written, the light and the progress — what `youxiang status`
//! prints and the overview shows.

use serde::Serialize;
use youxiang_core::eval::{Light, ProgressStatus, YearStatus};
use youxiang_core::period::Period;

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
    /// The year's target as the plan writes it.
    pub target: String,
    pub as_of: Option<Period>,
    pub value: Option<f64>,
    pub light: Light,
    pub light_zh: String,
    pub gap: Option<f64>,
    pub year_status: YearStatus,
    /// Whether the figure covers the whole year (only then is the year check final).
    pub year_complete: bool,
    /// The year check in words: 达标 / 未达标 / 无目标 / 无数据, or 年度未结束 while the
    /// year's figures are still coming in.
    pub year_label: String,
    pub progress: ProgressStatus,
    pub score: Option<f64>,
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
        let target = ind
            .targets
            .get(&year)
            .map(|t| t.text.clone())
            .unwrap_or_default();
        let engine = state.view_for(reader, &place_code, &ind.code);
        let status = engine.status(&ind.code, &place_code, year).copied();
        let (as_of, value, light, gap) = match filter.period {
            // The light as `explain` judges it, without building its text.
            Some(period) => match engine.as_of(&ind.code, &place_code, period) {
                Some(a) => (a.value.map(|_| period), a.value, a.light, a.gap),
                None => (None, None, Light::Grey, None),
            },
            None => (
                status.and_then(|s| s.as_of),
                status.and_then(|s| s.value),
                status.map(|s| s.light).unwrap_or(Light::Grey),
                status.and_then(|s| s.gap),
            ),
        };
        rows.push(StatusRow {
            domain: ind.domain.clone(),
            domain_name: domain.map(|d| d.name.clone()).unwrap_or_default(),
            indicator: ind.code.clone(),
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            place: place.code.clone(),
            place_name: place.name.clone(),
            year,
            target,
            as_of,
            value,
            light,
            light_zh: light.label_zh().to_string(),
            gap,
            year_status: status.map(|s| s.year).unwrap_or(YearStatus::NoData),
            year_complete: status.is_some_and(|s| s.year_complete),
            year_label: match status {
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
