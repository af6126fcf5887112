//! 季分析: the quarterly analysis report, assembled from the same figures, lights,
//! rankings and orders the dashboard shows to a reader outside the scope of the figures —
//! the official ones (submitted and approved values only): a draft is never published —
//! then rendered by `youxiang_report` as HTML, PDF or Word.

use chrono::{Datelike, NaiveDate};
use youxiang_core::eval::Light;
use youxiang_core::manage::WorkItem;
use youxiang_core::manage::projects::MajorProject;
use youxiang_core::manage::{RankRow, unit_stats};
use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::place::Level;
use youxiang_report as report;

use crate::manage::{OrderFilter, RankBy};
use crate::{App, AppError, Result, State};

/// The output formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Pdf,
    Docx,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "html" => Ok(ReportFormat::Html),
            "pdf" => Ok(ReportFormat::Pdf),
            "docx" | "word" => Ok(ReportFormat::Docx),
            other => Err(format!("格式“{other}”无效:应为 html、pdf 或 docx")),
        }
    }
}

impl ReportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Pdf => "pdf",
            ReportFormat::Docx => "docx",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ReportFormat::Html => "text/html; charset=utf-8",
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

fn light(l: Light) -> report::Light {
    match l {
        Light::Green => report::Light::Green,
        Light::Yellow => report::Light::Yellow,
        Light::Red => report::Light::Red,
        Light::Grey => report::Light::NoData,
    }
}

/// A number as people write it: at most two decimals, no trailing zeros.
pub fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn count(c: &mut report::LightCounts, l: report::Light) {
    match l {
        report::Light::Green => c.green += 1,
        report::Light::Yellow => c.yellow += 1,
        report::Light::Red => c.red += 1,
        report::Light::NoData => c.no_data += 1,
    }
}

/// The latest period of `end`'s year, ending by `end`, with an official figure (the
/// ranking and the report are published: drafts never count in them).
pub(crate) fn latest_by(
    state: &State,
    indicator: &str,
    place: &str,
    end: NaiveDate,
) -> Option<Period> {
    state
        .official
        .series_at(indicator, place)
        .into_iter()
        .filter(|(p, _)| p.year() == end.year() && p.end() <= end)
        .max_by_key(|(p, _)| (p.end(), p.kind() == PeriodKind::Year))
        .map(|(p, _)| p)
}

/// One indicator at one place as of a date: value, expected, light, gap.
struct Judged {
    period: Option<Period>,
    value: Option<f64>,
    expected: Option<f64>,
    light: Light,
    gap: Option<f64>,
    mode: youxiang_core::eval::ScheduleMode,
    /// The pace still required to reach the final target, when it can be said.
    pace: Option<String>,
    /// The target judged, as written (`≥75%(推算)` when derived), when there is one.
    target: Option<String>,
}

fn judge(state: &State, indicator: &str, place: &str, end: NaiveDate) -> Judged {
    let Some(p) = latest_by(state, indicator, place, end) else {
        return Judged {
            period: None,
            value: None,
            expected: None,
            light: Light::Grey,
            gap: None,
            mode: youxiang_core::eval::ScheduleMode::None,
            pace: None,
            target: None,
        };
    };
    let e = state.official.explain(indicator, place, p);
    let schedule = e.as_ref().and_then(|e| e.schedule.clone());
    Judged {
        period: Some(p),
        value: e.as_ref().and_then(|e| e.value),
        expected: schedule.as_ref().and_then(|s| s.expected),
        light: schedule.as_ref().map(|s| s.light).unwrap_or(Light::Grey),
        gap: schedule.as_ref().and_then(|s| s.gap),
        mode: schedule.map_or(youxiang_core::eval::ScheduleMode::None, |s| s.mode),
        pace: e
            .as_ref()
            .filter(|e| e.pace.status != youxiang_core::eval::PaceStatus::NotAvailable)
            .map(|e| e.pace.sentence.clone()),
        target: e
            .as_ref()
            .and_then(|e| e.target.as_ref())
            .filter(|t| t.is_set())
            .map(|t| t.text.clone()),
    }
}

/// 原目标: where a revision (方案调整) changed the target shown — the year's own cell, or
/// for a derived target (推算) the final one it is derived from — the text the plan wrote
/// before, with the year it is for and the revision's date; `None` when never revised or
/// when the year keeps the target then in force.
pub(crate) fn original_target(
    plan: &youxiang_core::Plan,
    ind: &youxiang_core::plan::Indicator,
    year: i32,
    shown: &str,
) -> Option<String> {
    let derived = shown.ends_with(youxiang_core::target::DERIVED_MARK);
    let cell_year = if derived {
        ind.final_target().map(|(y, _)| y)?
    } else {
        year
    };
    let first = crate::revisions::revision_entries(plan, Some(&ind.code))
        .into_iter()
        .find(|r| r.year == cell_year)?;
    if !derived && first.old.trim() == shown.trim() {
        return None;
    }
    let old = if first.old.trim().is_empty() {
        "/".to_string()
    } else {
        first.old.clone()
    };
    Some(if cell_year == year {
        format!("{old},{}方案调整", first.date)
    } else {
        format!("{cell_year}年{old},{}方案调整", first.date)
    })
}

/// A key-task target judged before its year by its lead unit's dated plan (a milestone
/// target): the light and words of the track, as the status table shows them.
pub(crate) fn milestone_light(
    ind: &youxiang_core::plan::Indicator,
    year: i32,
    track: Option<&youxiang_core::manage::MilestoneTrack>,
) -> Option<(Light, String, String)> {
    use youxiang_core::manage::MilestoneTrack;
    let track = track?;
    let (final_year, t) = ind.final_target().filter(|(y, _)| *y > year)?;
    let light = match track {
        MilestoneTrack::Done | MilestoneTrack::OnTrack => Light::Green,
        MilestoneTrack::Late => Light::Red,
        MilestoneTrack::NoPlan => Light::Grey,
    };
    Some((
        light,
        format!("{final_year}年{}", t.text),
        format!("里程碑:{}", track.label_zh()),
    ))
}

fn rank_change(row: &RankRow) -> report::RankChange {
    match (row.change, row.previous_rank) {
        (_, None) => report::RankChange::New,
        (Some(c), _) if c > 0 => report::RankChange::Up(c as u32),
        (Some(c), _) if c < 0 => report::RankChange::Down((-c) as u32),
        _ => report::RankChange::Same,
    }
}

impl App {
    /// Assembles the quarterly analysis of `quarter` (e.g. 2025Q3) for the plan's place.
    pub async fn quarterly_report(
        &self,
        login: &str,
        quarter: Period,
        today: NaiveDate,
    ) -> Result<report::QuarterlyReport> {
        if quarter.kind() != PeriodKind::Quarter {
            return Err(AppError::Invalid(vec![format!(
                "季分析按季度生成:“{quarter}”不是季度(如 2025Q3)"
            )]));
        }
        // 服务达标, read before the state is held below.
        let compliance = self.quarterly_compliance(quarter).await?;
        let end = quarter.end();
        let last_month = Period::containing(PeriodKind::Month, end)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let mut rankings = Vec::new();
        let mut rank_points = Vec::new();
        for by in [RankBy::Town, RankBy::Department] {
            let r = self.ranking(by, last_month).await?;
            let rows: Vec<report::RankRow> = r
                .ranking
                .rows
                .iter()
                .map(|row| {
                    let flags = r.ranking.marks_zh(row, &r.flagged);
                    report::RankRow {
                        rank: row.rank.unwrap_or(0),
                        unit: row.unit.clone(),
                        score: row.score,
                        change: rank_change(row),
                        flags,
                    }
                })
                .collect();
            if let (Some(first), Some(last)) =
                (rows.first(), rows.iter().rfind(|x| x.score.is_some()))
            {
                rank_points.push(format!(
                    "{}{}月度排名:{}居首({}分),{}居末({}分)。",
                    last_month.label_zh(),
                    by.label_zh(),
                    first.unit,
                    first.score.map(number).unwrap_or_default(),
                    last.unit,
                    last.score.map(number).unwrap_or_default()
                ));
            }
            rankings.push(report::Ranking {
                kind: match by {
                    RankBy::Town => report::RankingKind::Town,
                    RankBy::Department => report::RankingKind::Department,
                },
                title: format!("{}月度排名", by.label_zh()),
                period: last_month.label_zh(),
                score_unit: "分".into(),
                rule: r.rule_zh.clone(),
                rows,
            });
        }
        // The orders stand as of the quarter's end (or today, while the quarter runs): a
        // report on 2025Q3 counts the orders raised by 30 September and judges their
        // deadlines on that day, whenever it is printed.
        let orders_as_of = end.min(today);
        let orders = self
            .orders(login, &OrderFilter::default(), orders_as_of)
            .await?;
        let orders: Vec<_> = orders
            .into_iter()
            .map(|o| o.item)
            .filter(|o| youxiang_core::china_time::beijing_date(o.created_at) <= orders_as_of)
            .collect();
        let stats = unit_stats(&orders, orders_as_of);
        let open_orders = orders.iter().filter(|o| o.state.is_open()).count();
        let notes = self.lag_notes(None).await?;
        // Read before the state's guard is taken: nothing may be awaited while it is held.
        let work = self.work_progress(quarter, orders_as_of).await?;
        let survey = self.report_survey(orders_as_of).await?;
        let config = self.manage_config().await?;
        let tracks = self.milestone_tracks().await?;

        let state = self.read();
        let plan = state.plan.clone();
        let root = plan.place.clone();
        let root_name = state
            .tree
            .by_code(&root)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| root.clone());
        let towns: Vec<(String, String)> = state
            .tree
            .id(&root)
            .map(|r| {
                state
                    .tree
                    .children(r)
                    .iter()
                    .map(|t| state.tree.get(*t))
                    .filter(|t| t.level == Level::Town)
                    .map(|t| (t.code.clone(), t.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let year = quarter.year();
        // 重点任务目标: the key tasks' targets at the district as the status table judges
        // them as of the quarter (the latest earlier figure, marked, for a yearly one; a
        // milestone target by its lead unit's dated plan; 推算 where derived).
        let mut task_rows = crate::status_rows(
            &state,
            crate::Reader::Official,
            &crate::StatusFilter {
                year: Some(year),
                period: Some(quarter),
                all: true,
                ..Default::default()
            },
        )
        .map_err(|e| AppError::Invalid(vec![e]))?;
        task_rows.retain(|r| {
            plan.indicator(&r.indicator)
                .is_some_and(|i| !i.is_table_row())
        });
        crate::mark_milestone_tracks(&plan, &mut task_rows, &tracks);
        let mut total = report::LightCounts::default();
        let mut task_total = report::LightCounts::default();
        let mut domains = Vec::new();
        let mut lagging = Vec::new();
        let mut trends = Vec::new();
        let note_for = |ind: &str, place: &str| {
            notes
                .iter()
                .filter(|n| n.indicator == ind && n.place == place && n.period.end() <= end)
                .filter(|n| n.period.year() == year)
                .max_by_key(|n| (n.period.end(), n.at))
        };
        let lag_row = |ind: &youxiang_core::plan::Indicator,
                       place: &str,
                       place_name: &str,
                       j: &Judged,
                       lead: &str| {
            let note = note_for(&ind.code, place);
            report::LaggingIndicator {
                key_task: !ind.is_table_row(),
                target: j.target.clone(),
                code: ind.code.clone(),
                name: ind.name.clone(),
                unit: ind.unit.clone(),
                place: place_name.to_string(),
                light: light(j.light),
                value: j.value.map(number),
                expected: j.expected.map(number),
                // The shortfall in the indicator's unit, then the share of the year's
                // task it makes (methods §2), never "N percentage points" of a task.
                gap: youxiang_core::eval::lag_words(j.mode, &ind.unit, j.value, j.expected, j.gap)
                    .map(|(zh, _)| zh)
                    .unwrap_or_else(|| "—".into()),
                lead_unit: lead.to_string(),
                cause: note.map(|n| n.cause.clone()).filter(|c| !c.is_empty()),
                measures: note.map(|n| n.measure.clone()).filter(|c| !c.is_empty()),
            }
        };
        for d in &plan.domains {
            let mut counts = report::LightCounts::default();
            let mut rows = Vec::new();
            for ind in plan
                .indicators
                .iter()
                .filter(|i| i.is_table_row() && i.domain == d.code)
            {
                let j = judge(&state, &ind.code, &root, end);
                let l = light(j.light);
                count(&mut counts, l);
                count(&mut total, l);
                let target = ind
                    .targets
                    .get(&year)
                    .map(|t| t.text.clone())
                    .unwrap_or_else(|| "/".into());
                let lag =
                    youxiang_core::eval::lag_words(j.mode, &ind.unit, j.value, j.expected, j.gap);
                let reason = match (j.value, j.expected, j.gap) {
                    (Some(v), Some(e), Some(g)) if g > 0.0 => format!(
                        "应达{}{u},实际{}{u},{}",
                        number(e),
                        number(v),
                        lag.map(|(zh, _)| zh).unwrap_or_default(),
                        u = ind.unit
                    ),
                    (Some(v), Some(e), _) => {
                        format!("应达{}{u},实际{}{u}", number(e), number(v), u = ind.unit)
                    }
                    (Some(_), None, _) => "本年无可比目标".into(),
                    _ => "截至本季度末无数据".into(),
                };
                let original_target = original_target(&plan, ind, year, &target);
                rows.push(report::IndicatorRow {
                    code: ind.code.clone(),
                    name: ind.name.clone(),
                    unit: ind.unit.clone(),
                    // Beside the target, with the digits that keep a miss visible.
                    value: j
                        .value
                        .map(|v| youxiang_core::value::show_value(v, ind.target(year), 2)),
                    target,
                    value_period: j.period.map(|p| p.label_zh()),
                    expected: j.expected.map(number),
                    light: l,
                    reason,
                    pace: j.pace.clone(),
                    original_target,
                });
                if matches!(j.light, Light::Red | Light::Yellow) {
                    lagging.push(lag_row(ind, &root, &root_name, &j, &ind.lead_unit));
                }
                for (code, name) in &towns {
                    let tj = judge(&state, &ind.code, code, end);
                    if tj.light == Light::Red {
                        // The indicator's lead unit answers for it in every town, as
                        // for the orders its red lights raise.
                        lagging.push(lag_row(ind, code, name, &tj, &ind.lead_unit));
                    }
                }
                // The trend: every figure from the start of last year to the quarter's end,
                // against the plan's path (baseline and yearly targets at the year ends) and
                // the schedule the dashboard draws, on a time axis to the end of the year.
                let mut series: Vec<(Period, f64)> = state
                    .official
                    .series_at(&ind.code, &root)
                    .into_iter()
                    .filter(|(p, _)| {
                        p.year() >= year - 1 && p.end() <= end && p.kind() != PeriodKind::Year
                    })
                    .collect();
                series.sort_by_key(|(p, _)| (p.end(), p.start()));
                if !series.is_empty() {
                    let schedule = series
                        .iter()
                        .map(|(p, _)| {
                            state
                                .official
                                .explain(&ind.code, &root, *p)
                                .and_then(|e| e.schedule.and_then(|s| s.expected))
                        })
                        .collect();
                    let mut plan: Vec<report::PlanPoint> = Vec::new();
                    if let Some(v) = ind.baseline.value {
                        plan.push(report::PlanPoint {
                            year: state.plan.baseline_year,
                            value: v,
                            label: "基期".into(),
                            joined: true,
                        });
                    }
                    let mut bound = false;
                    for &y in &state.plan.target_years {
                        let Some((t, v)) = ind.target(y).and_then(|t| Some((t, t.aim()?))) else {
                            continue;
                        };
                        let joined = plan
                            .last()
                            .is_none_or(|p| t.joins_path(p.value, bound, ind.polarity));
                        bound = t.is_bound();
                        plan.push(report::PlanPoint {
                            year: y,
                            value: v,
                            label: format!("目标 {}", t.text),
                            joined,
                        });
                    }
                    trends.push(report::Trend {
                        code: ind.code.clone(),
                        name: ind.name.clone(),
                        unit: ind.unit.clone(),
                        light: l,
                        periods: series.iter().map(|(p, _)| p.to_string()).collect(),
                        at: series
                            .iter()
                            .map(|(p, _)| p.year() as f64 + p.year_fraction_at_end())
                            .collect(),
                        actual: series.iter().map(|(_, v)| Some(*v)).collect(),
                        schedule,
                        plan,
                        plan_joined: ind.flow != youxiang_core::eval::Flow::YearToDate,
                        axis_end: Some(year as f64 + 1.0),
                    });
                }
            }
            // 重点任务目标: the key tasks' targets of the domain, judged at the district
            // like the indicators (the target derived where the plan writes only the
            // final one; a milestone target by its lead unit's dated plan).
            let mut task_counts = report::LightCounts::default();
            let mut tasks = Vec::new();
            for row in task_rows.iter().filter(|r| r.domain == d.code) {
                let Some(ind) = plan.indicator(&row.indicator) else {
                    continue;
                };
                let l = light(row.light);
                count(&mut task_counts, l);
                count(&mut task_total, l);
                let lag = row.lag_words().map(|(zh, _)| zh);
                let reason = [Some(row.year_label.clone()), row.as_of_note.clone(), lag]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(",");
                if matches!(row.light, Light::Red | Light::Yellow) {
                    let note = note_for(&ind.code, &root);
                    lagging.push(report::LaggingIndicator {
                        code: ind.code.clone(),
                        name: ind.name.clone(),
                        unit: ind.unit.clone(),
                        place: root_name.clone(),
                        light: l,
                        value: row.value.map(number),
                        expected: row.expected.map(number),
                        gap: row
                            .lag_words()
                            .map(|(zh, _)| zh)
                            .unwrap_or_else(|| row.year_label.clone()),
                        lead_unit: ind.lead_unit.clone(),
                        cause: note.map(|n| n.cause.clone()).filter(|c| !c.is_empty()),
                        measures: note.map(|n| n.measure.clone()).filter(|c| !c.is_empty()),
                        key_task: true,
                        target: Some(row.target.clone()),
                    });
                }
                tasks.push(report::IndicatorRow {
                    code: ind.code.clone(),
                    name: ind.name.clone(),
                    unit: ind.unit.clone(),
                    value: row
                        .value
                        .map(|v| youxiang_core::value::show_value(v, ind.target(year), 2)),
                    original_target: original_target(&plan, ind, year, &row.target)
                        .or_else(|| row.original_target.clone()),
                    target: if row.target.is_empty() {
                        "/".into()
                    } else {
                        row.target.clone()
                    },
                    value_period: row.as_of.map(|p| p.label_zh()),
                    expected: row.expected.map(number),
                    light: l,
                    reason,
                    pace: None,
                });
            }
            domains.push(report::DomainStatus {
                code: d.code.clone(),
                name: d.name.clone(),
                lead_unit: d.lead_unit.clone(),
                lights: counts,
                indicators: rows,
                tasks,
                task_lights: task_counts,
            });
        }
        drop(state);

        let row = |s: &youxiang_core::manage::UnitOrderStats| report::SupervisionRow {
            unit: s.unit.clone(),
            raised: s.raised as u32,
            closed: s.closed as u32,
            overdue: s.overdue as u32,
            closure_rate: s.closure_rate.map(|r| r * 100.0),
            overdue_rate: s.overdue_rate.map(|r| r * 100.0),
        };
        let totals = stats
            .iter()
            .find(|s| s.total)
            .map(row)
            .unwrap_or(report::SupervisionRow {
                unit: "合计".into(),
                raised: 0,
                closed: 0,
                overdue: 0,
                closure_rate: None,
                overdue_rate: None,
            });
        let overdue_open = orders
            .iter()
            .filter(|o| o.state.is_open() && o.is_overdue(orders_as_of))
            .map(|o| report::OverdueOrder {
                number: o.id.clone(),
                subject: o.title.clone(),
                lead_unit: o.lead_unit.clone(),
                deadline: o.deadline.to_string(),
                days_overdue: o.days_overdue(orders_as_of),
                state: o.state.label_zh().into(),
                escalation: o
                    .escalation(orders_as_of, &config.escalation)
                    .map(|(_, l)| l),
            })
            .collect();

        let mut key_points = vec![format!(
            "截至{},{}项核心指标中,绿灯{}项、黄灯{}项、红灯{}项、无数据{}项。",
            format!("{}末", quarter.label_zh()),
            total.total(),
            total.green,
            total.yellow,
            total.red,
            total.no_data
        )];
        let reds: Vec<String> = domains
            .iter()
            .flat_map(|d| d.indicators.iter())
            .filter(|r| r.light == report::Light::Red)
            .map(|r| r.name.clone())
            .collect();
        if !reds.is_empty() {
            key_points.push(format!("亮红灯的指标:{}。", reds.join("、")));
        }
        if task_total.total() > 0 {
            key_points.push(format!(
                "{}项重点任务目标中,绿灯{}项、黄灯{}项、红灯{}项、无数据{}项(方案只写期末目标的,本年目标按推算值评价)。",
                task_total.total(),
                task_total.green,
                task_total.yellow,
                task_total.red,
                task_total.no_data
            ));
        }
        key_points.extend(rank_points);
        // The rate's denominator is what was due: closed orders and open ones past their
        // deadline; the open ones not yet due are said apart, so that "100 %" never hides
        // a pile of open orders.
        let due = stats.iter().find(|s| s.total).map(|s| s.due).unwrap_or(0);
        key_points.push(format!(
            "截至{},督办单共{}件:已审结{}件,在办{}件(其中逾期{}件){}。",
            orders_as_of.format("%Y年%-m月%-d日"),
            totals.raised,
            totals.closed,
            open_orders,
            totals.overdue,
            totals
                .closure_rate
                .map(|r| format!(
                    ";已到期{due}件中按期办结率{}%(逾期未办结的计入分母)",
                    number(r)
                ))
                .unwrap_or_else(|| ";尚无到期督办单,不计按期办结率".into())
        ));

        Ok(report::QuarterlyReport {
            title: format!("{}“七优享”工程{}分析报告", root_name, quarter.label_zh()),
            programme: plan.name.clone(),
            place: root_name,
            quarter: quarter.label_zh(),
            as_of: end.format("%Y年%-m月%-d日").to_string(),
            generated_at: format!(
                "{}(北京时间)",
                youxiang_core::china_time::show_minute(chrono::Utc::now().naive_utc())
            ),
            issuer: plan.issuer.clone(),
            data_note: Some(match self.demo() {
                Some(d) => format!("{}——本报告的数字均为演示用虚构数据", d.label),
                None => "数据与驾驶舱同源,按序时进度评价".into(),
            }),
            summary: report::Summary {
                lights: total,
                counted: format!("{}项核心指标", total.total()),
                key_points,
            },
            domains,
            lagging,
            rankings,
            supervision: report::Supervision {
                scope: format!(
                    "截至{}立项的全部督办单(逾期按该日判断)",
                    orders_as_of.format("%Y年%-m月%-d日")
                ),
                units: stats.iter().filter(|s| !s.total).map(row).collect(),
                totals,
                overdue_open,
            },
            survey,
            compliance,
            trends,
            work,
        })
    }

    /// 六、重点任务与重大项目: the key tasks' milestones due in the quarter, done in it, or
    /// overdue at `as_of` (the quarter's end, or today within it); the projects' year
    /// investment with the light on `as_of` and their physical progress.
    async fn work_progress(
        &self,
        quarter: Period,
        as_of: NaiveDate,
    ) -> Result<report::WorkProgress> {
        let works: Vec<WorkItem> = self
            .work_items()
            .await?
            .into_iter()
            .map(|w| w.item)
            .collect();
        let all: Vec<MajorProject> = self.projects().await?.into_iter().map(|p| p.item).collect();
        Ok(work_section(
            &works,
            &all,
            quarter,
            as_of,
            self.project_goal_wan(),
            &self.light_bands(),
        ))
    }

    /// The quarterly report rendered in a format.
    pub async fn quarterly_report_file(
        &self,
        login: &str,
        quarter: Period,
        today: NaiveDate,
        format: ReportFormat,
    ) -> Result<Vec<u8>> {
        let r = self.quarterly_report(login, quarter, today).await?;
        let bytes = match format {
            ReportFormat::Html => report::render_html(&r).into_bytes(),
            ReportFormat::Pdf => {
                let fonts =
                    report::find_cjk_font().map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
                report::render_pdf(&r, &fonts)
                    .map_err(|e| AppError::Invalid(vec![e.to_string()]))?
            }
            ReportFormat::Docx => {
                report::render_docx(&r).map_err(|e| AppError::Invalid(vec![e.to_string()]))?
            }
        };
        Ok(bytes)
    }
}

/// The section's rows from the work items and the register (see
/// [`App::work_progress`]).
pub(crate) fn work_section(
    works: &[WorkItem],
    all: &[MajorProject],
    quarter: Period,
    as_of: NaiveDate,
    goal_wan: Option<f64>,
    bands: &youxiang_core::eval::LightBands,
) -> report::WorkProgress {
    let (from, to) = (quarter.start(), quarter.end());
    let mut milestones = Vec::new();
    for item in works {
        if item.kind != youxiang_core::manage::WorkKind::Task {
            continue;
        }
        let mut ms: Vec<_> = item
            .milestones
            .iter()
            .filter(|m| {
                let due_in = (from..=to).contains(&m.due);
                let done_in = m.done_on.is_some_and(|d| (from..=to).contains(&d));
                due_in || done_in || m.is_overdue(as_of)
            })
            .collect();
        ms.sort_by_key(|m| (m.due, m.id));
        for m in ms {
            let state = match m.done_on {
                Some(d) if d <= m.due => "按期完成",
                Some(d) if d <= as_of => "逾期完成",
                _ if m.is_overdue(as_of) => "逾期未完成",
                _ => "未到期",
            };
            milestones.push(report::MilestoneRow {
                task: format!("{} {}", item.code, item.title),
                title: m.title.clone(),
                lead_unit: item.lead_unit.clone(),
                due: m.due.to_string(),
                state: state.into(),
                late: state == "逾期未完成",
            });
        }
    }
    let year = quarter.year();
    let light = |l: youxiang_core::eval::Light| match l {
        youxiang_core::eval::Light::Green => report::Light::Green,
        youxiang_core::eval::Light::Yellow => report::Light::Yellow,
        youxiang_core::eval::Light::Red => report::Light::Red,
        youxiang_core::eval::Light::Grey => report::Light::NoData,
    };
    let wan = |v: f64| format!("{}万元", youxiang_core::manage::projects::fmt_wan(v));
    let projects = all
        .iter()
        .map(|v| {
            let p = v;
            let y = p.year(year);
            let done = p.milestones.iter().filter(|m| m.done_on.is_some()).count();
            let late = p.overdue_milestones(as_of);
            report::ProjectRow {
                code: p.code.clone(),
                name: p.name.clone(),
                lead_unit: p.lead_unit.clone(),
                status: p.status.label_zh().into(),
                planned: y.map(|y| wan(y.planned_wan)).unwrap_or_else(|| "—".into()),
                completed: y
                    .and_then(|y| y.completed_wan)
                    .map(wan)
                    .unwrap_or_else(|| "未报送".into()),
                light: p
                    .year_schedule(year, as_of, bands)
                    .map_or(report::Light::NoData, |s| light(s.light)),
                progress: format!(
                    "节点完成{done}/{}个{}",
                    p.milestones.len(),
                    if late > 0 {
                        format!(",逾期{late}个")
                    } else {
                        String::new()
                    }
                ),
            }
        })
        .collect();
    let investment = if all.is_empty() {
        None
    } else {
        let refs: Vec<_> = all.iter().collect();
        let t = youxiang_core::manage::projects::programme_total(all, goal_wan, year, as_of, bands);
        let y = youxiang_core::manage::projects::year_total(&refs, year, as_of, bands);
        Some(format!(
            "登记重大项目{}个,截至{}累计完成投资{}{};{year}年计划投资{},已完成{}({})。累计投资进度{}。",
            t.projects,
            as_of.format("%Y年%-m月%-d日"),
            wan(t.completed_to_date_wan),
            match (t.goal_wan, t.share_of_goal) {
                (Some(g), Some(s)) => format!(",占方案目标{}的{}%", wan(g), number(s * 100.0)),
                _ => String::new(),
            },
            wan(y.planned_wan),
            y.completed_wan.map(wan).unwrap_or_else(|| "未报送".into()),
            y.schedule.light.colour_zh(),
            t.schedule.light.colour_zh(),
        ))
    };
    report::WorkProgress {
        milestones,
        investment,
        projects,
    }
}
