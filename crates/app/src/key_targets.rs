//! 重点任务目标: the key tasks' quantified targets (the plan's `K…` indicators), one row
//! each with its domain, lead unit and task, the figure, the target as the plan writes it
//! and the one judged this year (推算 when derived), the light, the figures for a trend,
//! and for a milestone target where its task's dated plan stands and the work item that
//! carries it (`task:<code>`).

use serde::Serialize;
use youxiang_core::manage::MilestoneTrack;
use youxiang_core::period::Period;

use crate::{App, AppError, Reader, Result, StatusFilter, StatusRow, mark_milestone_tracks};

/// Which task targets to list.
#[derive(Debug, Clone, Default)]
pub struct KeyTargetFilter {
    /// Target year; the latest year with data when absent.
    pub year: Option<i32>,
    /// Domain code or name.
    pub domain: Option<String>,
    /// Only the targets this unit leads (牵头单位).
    pub lead_unit: Option<String>,
}

/// One task target.
#[derive(Debug, Clone, Serialize)]
pub struct KeyTargetRow {
    /// The status row at the district: figure, the target judged (ending in `(推算)` when
    /// derived), light, year check; for a milestone target before its year, the light
    /// of its dated plan.
    pub status: StatusRow,
    pub domain_name_en: String,
    pub lead_unit: String,
    pub partner_units: Vec<String>,
    /// The key task it was read from (`1.2`) and its title.
    pub task: String,
    pub task_title: String,
    /// The sentence of the plan it was read from, verbatim.
    pub sentence: String,
    /// The target as the plan writes it: the year's own cell, else the final one
    /// (`90%以上`), and the year it is for.
    pub written: String,
    pub written_year: i32,
    /// 原目标 of that cell, when a revision (方案调整) changed it.
    pub written_original: Option<String>,
    /// Whether the target judged this year is derived from the final one (推算).
    pub derived: bool,
    /// A milestone target (全覆盖, 动态清零, 100 % by a year): where its dated plan stands.
    pub milestone: Option<MilestoneTrack>,
    /// The work item that carries the dated steps (`task:1.2`), for a milestone target.
    pub work_item: Option<String>,
    /// The figures at the district by period, oldest first (the trend).
    pub series: Vec<(Period, f64)>,
    /// +1 when the latest figure is better than the one before (by the indicator's
    /// polarity), −1 when worse, 0 when equal; `None` with fewer than two figures.
    pub trend: Option<i8>,
}

impl App {
    /// The task targets `login` may see, at the district, in the plan's order (by domain),
    /// each from the figures that reader sees. Answers the year listed and the rows.
    pub async fn key_targets(
        &self,
        login: &str,
        filter: &KeyTargetFilter,
    ) -> Result<(i32, Vec<KeyTargetRow>)> {
        let who = self.user(login)?;
        let tracks = self.milestone_tracks().await?;
        let state = self.read();
        let reader = Reader::Person(&who);
        let status_filter = StatusFilter {
            year: filter.year,
            domain: filter.domain.clone(),
            all: true,
            ..Default::default()
        };
        let mut rows = crate::status_rows(&state, reader, &status_filter)
            .map_err(|e| AppError::Invalid(vec![e]))?;
        rows.retain(|r| {
            state
                .plan
                .indicator(&r.indicator)
                .is_some_and(|i| !i.is_table_row())
        });
        mark_milestone_tracks(&state.plan, &mut rows, &tracks);
        let year = rows.first().map(|r| r.year).or(filter.year).unwrap_or(0);
        let place = state.plan.place.clone();
        let out = rows
            .into_iter()
            .filter_map(|row| {
                let ind = state.plan.indicator(&row.indicator)?;
                if filter
                    .lead_unit
                    .as_deref()
                    .is_some_and(|u| !u.is_empty() && u != ind.lead_unit)
                {
                    return None;
                }
                let task = ind.task_code().unwrap_or_default().to_string();
                let key_task = state.plan.tasks.iter().find(|t| t.code == task);
                let (written_year, written) = match ind.target(row.year) {
                    Some(t) => (row.year, t.text.clone()),
                    None => ind
                        .final_target()
                        .map(|(y, t)| (y, t.text.clone()))
                        .unwrap_or((row.year, String::new())),
                };
                let series: Vec<(Period, f64)> = state
                    .view_for(reader, &place, &ind.code)
                    .series_at(&ind.code, &place)
                    .into_iter()
                    .filter(|(_, v)| v.is_finite())
                    .collect();
                let trend = match series.as_slice() {
                    [.., (_, a), (_, b)] => {
                        let d = (b - a) * ind.polarity.direction();
                        Some(if d > 0.0 {
                            1
                        } else if d < 0.0 {
                            -1
                        } else {
                            0
                        })
                    }
                    _ => None,
                };
                let milestone = tracks.get(&ind.code).copied();
                Some(KeyTargetRow {
                    domain_name_en: state
                        .plan
                        .domain(&ind.domain)
                        .map(|d| d.name_en.clone())
                        .unwrap_or_default(),
                    lead_unit: ind.lead_unit.clone(),
                    partner_units: ind.partner_units.clone(),
                    task_title: key_task.map(|t| t.title.clone()).unwrap_or_default(),
                    sentence: match &ind.source {
                        youxiang_core::IndicatorSource::Task { sentence, .. } => sentence.clone(),
                        youxiang_core::IndicatorSource::Table { .. } => String::new(),
                    },
                    work_item: milestone.map(|_| format!("task:{task}")),
                    task,
                    written_original: state
                        .plan
                        .original_target(&ind.code, written_year)
                        .map(str::to_string),
                    written,
                    written_year,
                    derived: row.target.ends_with(youxiang_core::target::DERIVED_MARK),
                    milestone,
                    series,
                    trend,
                    status: row,
                })
            })
            .collect();
        Ok((year, out))
    }
}
