//! 年度监测评估报告 (and the mid-term one): assembled from the official figures like the
//! quarterly report — every indicator's and key-task target's year result against the
//! year's target (推算 where derived, 原目标 where revised), the progress toward the final
//! year and the pace still required, the key tasks' milestones and the projects of the
//! year, the causes of what was missed (the lead units' cause-and-measures notes of the
//! 问题清单), and next year's measures (下一年度细化措施) that each lead unit enters by a
//! deadline (default 1 February of the next year; the office may set another). The
//! measures and the deadline are management records, written through the one write path
//! (scope check → store transaction + audit).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use youxiang_core::eval::{Light, ProgressStatus, YearStatus};
use youxiang_core::manage::WorkItem;
use youxiang_core::manage::projects::MajorProject;
use youxiang_core::period::Period;
use youxiang_core::permission;
use youxiang_report as report;
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::forbid;
use crate::quarterly::{ReportFormat, latest_by, milestone_light, number, original_target};
use crate::{App, AppError, Result};

/// The records' kinds: one unit's measures for the year after `year`, and the deadline.
pub const KIND_YEAR_MEASURES: &str = "year_measures";
pub const KIND_MEASURES_DEADLINE: &str = "year_measures_deadline";

/// The longest measures text kept (characters).
pub const MEASURES_MAX_CHARS: usize = 4000;

/// A stored unit's measures (the record's body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MeasuresBody {
    year: i32,
    unit: String,
    text: String,
    /// The app's day it was entered on (the demo's day in a demo, else the Beijing day):
    /// lateness is judged on it, not on the stored timestamp's wall clock.
    #[serde(default)]
    entered_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DeadlineBody {
    year: i32,
    deadline: NaiveDate,
}

/// One lead unit's measures entry for the year after the report's year, as the form, the
/// API and the report show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuresEntry {
    /// The year evaluated (the measures are for the year after).
    pub year: i32,
    pub unit: String,
    /// What the unit leads: `幼有善育;指标3项、重点任务目标5项`.
    pub leads: String,
    /// The same in English for the English page (the domains' names stay the plan's):
    /// `Domains: 幼有善育; 3 core indicators, 5 key-task targets`.
    pub leads_en: String,
    /// The text entered; `None`: 未填报.
    pub text: Option<String>,
    /// The version the next change must quote; `None` before the first entry.
    pub version: Option<i64>,
    /// When it was last entered (UTC) and by whom.
    pub entered_at: Option<NaiveDateTime>,
    pub entered_by: Option<String>,
    /// Entered after the deadline (on the Beijing day).
    pub late: bool,
    /// Whether the reader may fill it in: the office, or a reporter of the unit.
    pub may_edit: bool,
}

/// The lead units of the plan, each with what it leads in Chinese and in English, in plan
/// order (domains' leads first, then the indicators' and the key-task targets').
pub fn lead_units(plan: &youxiang_core::Plan) -> Vec<(String, String, String)> {
    let mut order: Vec<String> = Vec::new();
    let mut domains: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for d in &plan.domains {
        if d.lead_unit.trim().is_empty() {
            continue;
        }
        if !order.contains(&d.lead_unit) {
            order.push(d.lead_unit.clone());
        }
        domains
            .entry(d.lead_unit.clone())
            .or_default()
            .push(d.name.clone());
    }
    for i in &plan.indicators {
        if i.lead_unit.trim().is_empty() {
            continue;
        }
        if !order.contains(&i.lead_unit) {
            order.push(i.lead_unit.clone());
        }
        let c = counts.entry(i.lead_unit.clone()).or_default();
        if i.is_table_row() {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    order
        .into_iter()
        .map(|u| {
            let (mut parts, mut parts_en) = (Vec::new(), Vec::new());
            if let Some(d) = domains.get(&u) {
                parts.push(format!("领域:{}", d.join("、")));
                parts_en.push(format!("Domains: {}", d.join(", ")));
            }
            let (t, k) = counts.get(&u).copied().unwrap_or_default();
            let (mut what, mut what_en) = (Vec::new(), Vec::new());
            if t > 0 {
                what.push(format!("核心指标{t}项"));
                what_en.push(format!(
                    "{t} core indicator{}",
                    if t == 1 { "" } else { "s" }
                ));
            }
            if k > 0 {
                what.push(format!("重点任务目标{k}项"));
                what_en.push(format!(
                    "{k} key-task target{}",
                    if k == 1 { "" } else { "s" }
                ));
            }
            if !what.is_empty() {
                parts.push(what.join("、"));
                parts_en.push(what_en.join(", "));
            }
            (u, parts.join(";"), parts_en.join("; "))
        })
        .collect()
}

/// The default deadline of the measures for the year after `year`: 1 February of the next
/// year.
pub fn default_deadline(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year.checked_add(1)?, 2, 1)
}

/// The problems of a measures text (empty when fine).
pub fn check_measures(text: &str) -> Vec<String> {
    let n = text.trim().chars().count();
    if n == 0 {
        return vec!["细化措施(text):不能为空".into()];
    }
    if n > MEASURES_MAX_CHARS {
        return vec![format!(
            "细化措施(text):共 {n} 字,超过上限 {MEASURES_MAX_CHARS} 字"
        )];
    }
    Vec::new()
}

impl App {
    /// The years a yearly report can be made for: the plan's target years that have
    /// begun by the app's day, latest first.
    pub fn report_years(&self) -> Vec<i32> {
        let today = self.today().year();
        let mut years: Vec<i32> = self
            .read()
            .plan
            .target_years
            .iter()
            .copied()
            .filter(|y| *y <= today)
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years
    }

    fn check_report_year(&self, year: i32) -> Result<()> {
        if self.report_years().contains(&year) {
            Ok(())
        } else {
            Err(AppError::NotFound(format!(
                "{year}年的年度报告(方案的目标年份中尚未开始或不存在)"
            )))
        }
    }

    /// The deadline of the measures for the year after `year` (the office's, else 1
    /// February of the next year).
    pub async fn measures_deadline(&self, year: i32) -> Result<NaiveDate> {
        let stored = self
            .db()
            .list_records(&RecordFilter {
                id_prefix: Some(year.to_string()),
                ..RecordFilter::kind(KIND_MEASURES_DEADLINE)
            })
            .await?;
        for r in stored {
            if r.id == year.to_string() {
                return Ok(r.decode::<DeadlineBody>()?.deadline);
            }
        }
        default_deadline(year).ok_or_else(|| AppError::NotFound(format!("{year}年")))
    }

    /// Sets the deadline of the measures for the year after `year`: the office only.
    pub async fn set_measures_deadline(
        &self,
        login: &str,
        year: i32,
        deadline: NaiveDate,
    ) -> Result<NaiveDate> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "设置细化措施的填报截止日期"));
        }
        self.check_report_year(year)?;
        let id = year.to_string();
        let stored = self
            .db()
            .list_records(&RecordFilter {
                id_prefix: Some(id.clone()),
                ..RecordFilter::kind(KIND_MEASURES_DEADLINE)
            })
            .await?
            .into_iter()
            .find(|r| r.id == id);
        let action = if stored.is_some() {
            "measures.deadline.edit"
        } else {
            "measures.deadline.set"
        };
        let w = RecordWrite::of(
            KIND_MEASURES_DEADLINE,
            &id,
            &DeadlineBody { year, deadline },
            stored.map(|r| r.version),
            action,
        )?
        .due(Some(deadline));
        self.db().put_records(&[w], login).await?;
        Ok(deadline)
    }

    /// Every lead unit's measures entry for the year after `year` (missing ones with no
    /// text: 未填报), with the deadline.
    pub async fn year_measures(
        &self,
        login: &str,
        year: i32,
    ) -> Result<(NaiveDate, Vec<MeasuresEntry>)> {
        let who = self.user(login)?;
        self.check_report_year(year)?;
        let deadline = self.measures_deadline(year).await?;
        let stored = self
            .db()
            .list_records(&RecordFilter {
                id_prefix: Some(format!("{year}|")),
                ..RecordFilter::kind(KIND_YEAR_MEASURES)
            })
            .await?;
        let plan = self.read().plan.clone();
        let mut out = Vec::new();
        for (unit, leads, leads_en) in lead_units(&plan) {
            let r = stored.iter().find(|r| r.id == measures_id(year, &unit));
            let body = r.map(|r| r.decode::<MeasuresBody>()).transpose()?;
            let entered_on = r.map(|r| {
                body.as_ref()
                    .and_then(|b| b.entered_on)
                    .unwrap_or_else(|| youxiang_core::china_time::beijing_date(r.updated_at))
            });
            out.push(MeasuresEntry {
                year,
                may_edit: permission::may_write_for_unit(&who, &unit),
                unit,
                leads,
                leads_en,
                text: body.map(|b| b.text),
                version: r.map(|r| r.version),
                entered_at: r.map(|r| r.updated_at),
                entered_by: r.map(|r| r.updated_by.clone()),
                late: entered_on.is_some_and(|d| d > deadline),
            });
        }
        Ok((deadline, out))
    }

    /// Enters (or changes) `unit`'s measures for the year after `year`: the office, or a
    /// reporter of that unit; the unit must lead something in the plan. `expected_version`
    /// is the version read (a change in between is a conflict); `None` takes the stored
    /// one (the command line). Entered after the deadline, it is kept and marked 逾期.
    pub async fn save_year_measures(
        &self,
        login: &str,
        year: i32,
        unit: &str,
        text: &str,
        expected_version: Option<i64>,
    ) -> Result<MeasuresEntry> {
        let who = self.user(login)?;
        self.check_report_year(year)?;
        let unit = unit.trim();
        let plan = self.read().plan.clone();
        if !lead_units(&plan).iter().any(|(u, _, _)| u == unit) {
            return Err(AppError::NotFound(format!(
                "牵头单位“{unit}”(方案中没有它牵头的领域或指标)"
            )));
        }
        if !permission::may_write_for_unit(&who, unit) {
            return Err(forbid(&who, &format!("填报{unit}的细化措施")));
        }
        let problems = check_measures(text);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let id = measures_id(year, unit);
        let version = match expected_version {
            Some(v) => Some(v),
            None => self
                .db()
                .list_records(&RecordFilter {
                    id_prefix: Some(id.clone()),
                    ..RecordFilter::kind(KIND_YEAR_MEASURES)
                })
                .await?
                .into_iter()
                .find(|r| r.id == id)
                .map(|r| r.version),
        };
        let action = if version.is_some() {
            "measures.edit"
        } else {
            "measures.add"
        };
        let body = MeasuresBody {
            year,
            unit: unit.to_string(),
            text: text.trim().to_string(),
            entered_on: Some(self.today()),
        };
        let w = RecordWrite::of(KIND_YEAR_MEASURES, &id, &body, version, action)?
            .unit(unit)
            .state("entered");
        self.db().put_records(&[w], login).await?;
        let (_, all) = self.year_measures(login, year).await?;
        all.into_iter()
            .find(|e| e.unit == unit)
            .ok_or_else(|| AppError::Internal(format!("{unit}的细化措施保存后未读到")))
    }

    /// Assembles the yearly evaluation report of `year` (the mid-term one when `midterm`)
    /// for the plan's place from the official figures.
    pub async fn yearly_report(
        &self,
        login: &str,
        year: i32,
        midterm: bool,
        today: NaiveDate,
    ) -> Result<report::YearlyReport> {
        self.check_report_year(year)?;
        let year_period =
            Period::year_of(year).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let end = year_period.end();
        let as_of = end.min(today);
        let notes = self.lag_notes(None).await?;
        let tracks = self.milestone_tracks().await?;
        let works: Vec<WorkItem> = self
            .work_items()
            .await?
            .into_iter()
            .map(|w| w.item)
            .collect();
        let projects: Vec<MajorProject> =
            self.projects().await?.into_iter().map(|p| p.item).collect();
        let work = crate::quarterly::work_section(
            &works,
            &projects,
            year_period,
            as_of,
            self.project_goal_wan(),
            &self.light_bands(),
        );
        let (deadline, measures) = self.year_measures(login, year).await?;

        let state = self.read();
        let plan = state.plan.clone();
        let root = plan.place.clone();
        let root_name = state
            .tree
            .by_code(&root)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| root.clone());
        let (mut met, mut not_met, mut no_data) = (0u32, 0u32, 0u32);
        let (mut core_met, mut core_total) = (0u32, 0u32);
        let mut progress_counts: BTreeMap<&'static str, u32> = BTreeMap::new();
        let mut domains = Vec::new();
        let mut missed = Vec::new();
        for d in &plan.domains {
            let mut rows = Vec::new();
            // The headline indicators first, then the key tasks' targets.
            let inds = plan
                .indicators
                .iter()
                .filter(|i| i.domain == d.code && i.is_table_row())
                .chain(
                    plan.indicators
                        .iter()
                        .filter(|i| i.domain == d.code && !i.is_table_row()),
                );
            for ind in inds {
                // The year's own figure when there is one, else the latest of the year.
                let period = state
                    .official
                    .series_at(&ind.code, &root)
                    .into_iter()
                    .any(|(p, _)| p == year_period)
                    .then_some(year_period)
                    .or_else(|| latest_by(&state, &ind.code, &root, end));
                let e = period.and_then(|p| state.official.explain(&ind.code, &root, p));
                let mut target = e
                    .as_ref()
                    .and_then(|e| e.target.as_ref())
                    .filter(|t| t.is_set())
                    .map(|t| t.text.clone());
                let (mut light, mut result, mut comparison) = match &e {
                    Some(e) => {
                        let l = match e.year_check.status {
                            YearStatus::Met => Light::Green,
                            YearStatus::NotMet => Light::Red,
                            _ => Light::Grey,
                        };
                        // The comparison quotes the figure as the table shows it, not the
                        // engine's full digits (`实际值 0.9299` beside a table's `0.93`).
                        let formula = &e.year_check.explanation.formula;
                        let comparison = match e.year_check.actual {
                            Some(a) => formula.replacen(
                                &youxiang_core::eval::explain::fmt_num(a),
                                &youxiang_core::value::show_value(a, ind.target(year), 2),
                                1,
                            ),
                            None => formula.clone(),
                        };
                        (l, e.year_check.status.label_zh().to_string(), comparison)
                    }
                    None => (
                        Light::Grey,
                        "无数据".to_string(),
                        "本年无报送数据".to_string(),
                    ),
                };
                // A milestone target before its year: its lead unit's dated plan (as the
                // app's day stands), as the status table judges it.
                if target.is_none()
                    && year >= today.year()
                    && let Some((ml, mt, mr)) = milestone_light(ind, year, tracks.get(&ind.code))
                {
                    light = ml;
                    target = Some(mt);
                    comparison = format!("{mr}(按牵头单位带日期的计划判断)");
                    result = match ml {
                        Light::Green => "按计划".into(),
                        Light::Red => "滞后".into(),
                        _ => "无计划".into(),
                    };
                }
                let target = target.unwrap_or_else(|| "/".into());
                match light {
                    Light::Green => met += 1,
                    Light::Red => not_met += 1,
                    _ => no_data += 1,
                }
                if ind.is_table_row() {
                    core_total += 1;
                    core_met += u32::from(light == Light::Green);
                }
                let progress = match &e {
                    Some(e) if e.progress.status != ProgressStatus::NotAvailable => {
                        *progress_counts
                            .entry(e.progress.status.label_zh())
                            .or_default() += 1;
                        match e.progress.score {
                            Some(s) => {
                                format!("{}(得分{})", e.progress.status.label_zh(), number(s))
                            }
                            None => e.progress.status.label_zh().to_string(),
                        }
                    }
                    _ => "无法评估".to_string(),
                };
                let pace = e
                    .as_ref()
                    .filter(|e| e.pace.status != youxiang_core::eval::PaceStatus::NotAvailable)
                    .map(|e| e.pace.sentence.clone());
                if light == Light::Red {
                    let note = notes
                        .iter()
                        .filter(|n| n.indicator == ind.code && n.place == root)
                        .filter(|n| n.period.year() == year)
                        .max_by_key(|n| (n.period.end(), n.at));
                    missed.push(report::MissedTarget {
                        code: ind.code.clone(),
                        name: ind.name.clone(),
                        key_task: !ind.is_table_row(),
                        lead_unit: ind.lead_unit.clone(),
                        comparison: comparison.clone(),
                        cause: note
                            .map(|n| n.cause.clone())
                            .filter(|c| !c.trim().is_empty()),
                        measures: note
                            .map(|n| n.measure.clone())
                            .filter(|c| !c.trim().is_empty()),
                    });
                }
                rows.push(report::YearRow {
                    code: ind.code.clone(),
                    name: ind.name.clone(),
                    unit: ind.unit.clone(),
                    key_task: !ind.is_table_row(),
                    original_target: original_target(&plan, ind, year, &target),
                    target,
                    value: e
                        .as_ref()
                        .and_then(|e| e.value)
                        .map(|v| youxiang_core::value::show_value(v, ind.target(year), 2)),
                    result,
                    light: match light {
                        Light::Green => report::Light::Green,
                        Light::Red => report::Light::Red,
                        Light::Yellow => report::Light::Yellow,
                        Light::Grey => report::Light::NoData,
                    },
                    comparison,
                    progress,
                    pace,
                });
            }
            domains.push(report::YearDomain {
                name: d.name.clone(),
                lead_unit: d.lead_unit.clone(),
                rows,
            });
        }
        drop(state);

        let total = met + not_met + no_data;
        let mut key_points = vec![format!(
            "{year}年,{total}项指标和重点任务目标中,达标{met}项、未达标{not_met}项、无数据或无目标{no_data}项;其中{core_total}项核心指标达标{core_met}项。"
        )];
        if today <= end {
            key_points.push(format!(
                "{year}年尚未结束:结果按截至{}的最新数据判断,年度值以年末报送为准。",
                today.format("%Y年%-m月%-d日")
            ));
        }
        if !progress_counts.is_empty() {
            let final_year = plan.target_years.iter().max().copied().unwrap_or(year);
            key_points.push(format!(
                "迈向{final_year}年目标的进展:{}。",
                progress_counts
                    .iter()
                    .map(|(k, v)| format!("{k}{v}项"))
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
        if !missed.is_empty() {
            let without = missed.iter().filter(|m| m.cause.is_none()).count();
            key_points.push(format!(
                "未达标{}项,其中{without}项牵头单位尚未填报原因。",
                missed.len()
            ));
        }
        let filled = measures.iter().filter(|m| m.text.is_some()).count();
        key_points.push(format!(
            "下一年度细化措施:{}个牵头单位中已填报{filled}个(截止{})。",
            measures.len(),
            deadline.format("%Y年%-m月%-d日")
        ));
        let kind = if midterm {
            "中期评估报告"
        } else {
            "年度监测评估报告"
        };
        Ok(report::YearlyReport {
            title: format!("{root_name}“七优享”工程{year}年{kind}"),
            programme: plan.name.clone(),
            place: root_name,
            year: format!("{year}年"),
            midterm,
            as_of: as_of.format("%Y年%-m月%-d日").to_string(),
            generated_at: format!(
                "{}(北京时间)",
                youxiang_core::china_time::show_minute(chrono::Utc::now().naive_utc())
            ),
            issuer: plan.issuer.clone(),
            data_note: Some(match self.demo() {
                Some(d) => format!("{}——本报告的数字均为演示用虚构数据", d.label),
                None => "数据与驾驶舱同源,按年度目标评价".into(),
            }),
            key_points,
            met,
            not_met,
            no_data,
            domains,
            work,
            missed,
            measures: report::YearMeasures {
                next_year: format!("{}年", year + 1),
                deadline: deadline.format("%Y年%-m月%-d日").to_string(),
                units: measures
                    .into_iter()
                    .map(|m| report::UnitMeasures {
                        unit: m.unit,
                        leads: m.leads,
                        text: m.text,
                        entered: m.entered_at.map(youxiang_core::china_time::show_minute),
                        late: m.late,
                    })
                    .collect(),
            },
        })
    }

    /// The yearly (or mid-term) report rendered in a format.
    pub async fn yearly_report_file(
        &self,
        login: &str,
        year: i32,
        midterm: bool,
        today: NaiveDate,
        format: ReportFormat,
    ) -> Result<Vec<u8>> {
        let r = self.yearly_report(login, year, midterm, today).await?;
        let bad = |e: report::ReportError| AppError::Invalid(vec![e.to_string()]);
        Ok(match format {
            ReportFormat::Html => report::render_yearly_html(&r).into_bytes(),
            ReportFormat::Pdf => {
                let fonts = report::find_cjk_font().map_err(bad)?;
                report::render_yearly_pdf(&r, &fonts).map_err(bad)?
            }
            ReportFormat::Docx => report::render_yearly_docx(&r).map_err(bad)?,
        })
    }
}

fn measures_id(year: i32, unit: &str) -> String {
    format!("{year}|{unit}")
}
