//! 考核评价 as a service: the yearly assessment of every department and town computed
//! from the official figures and the management records, by the scheme the office sets
//! (kept as a `config` record); published assessments kept as `assessment` records, one
//! per version, never changed (a correction is a new version with a note). The rules are
//! `youxiang_core::manage::assess`.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use youxiang_core::completeness::Window;
use youxiang_core::eval::{Light, YearStatus};
use youxiang_core::manage::assess::{
    Assessment, IndicatorResult, Outcome, Scheme, Tally, UnitFacts, assess,
};
use youxiang_core::manage::{Order, RankBy, unit_stats};
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::{KIND_CONFIG, due_by, forbid};
use crate::quarterly::latest_by;
use crate::{App, AppError, Result};

pub const KIND_ASSESSMENT: &str = "assessment";
const SCHEME_ID: &str = "assess_scheme";

/// A published assessment: one version, as it was computed, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedAssessment {
    /// 1, 2, …: each correction is a new version.
    pub version: u32,
    /// Why this version was published (required for a correction).
    pub note: String,
    pub published_by: String,
    pub published_at: NaiveDateTime,
    pub assessment: Assessment,
}

/// A published version without its rows (the versions list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentVersion {
    pub year: i32,
    pub by: RankBy,
    pub version: u32,
    pub note: String,
    pub published_by: String,
    pub published_at: NaiveDateTime,
    pub as_of: NaiveDate,
    pub complete: bool,
}

impl PublishedAssessment {
    pub fn summary(&self) -> AssessmentVersion {
        AssessmentVersion {
            year: self.assessment.year,
            by: self.assessment.by,
            version: self.version,
            note: self.note.clone(),
            published_by: self.published_by.clone(),
            published_at: self.published_at,
            as_of: self.assessment.as_of,
            complete: self.assessment.complete,
        }
    }
}

fn version_id(by: RankBy, year: i32, version: u32) -> String {
    format!("{}|{year}|v{version:04}", by.as_str())
}

fn tally_push(t: &mut Tally, ok: bool, what: String) {
    t.due += 1;
    if ok {
        t.on_time += 1;
    } else if t.late.len() < 20 {
        t.late.push(what);
    }
}

impl App {
    /// The assessment scheme in force: the office's, else the default.
    pub async fn assess_scheme(&self) -> Result<Scheme> {
        Ok(match self.db().get_record(KIND_CONFIG, SCHEME_ID).await? {
            Some(r) => r.decode()?,
            None => Scheme::default(),
        })
    }

    /// Sets the scheme (the office only), checked whole; audited.
    pub async fn set_assess_scheme(&self, login: &str, scheme: &Scheme) -> Result<()> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "设置考核方案"));
        }
        let problems = scheme.validate();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let stored = self.db().get_record(KIND_CONFIG, SCHEME_ID).await?;
        let w = RecordWrite::of(
            KIND_CONFIG,
            SCHEME_ID,
            scheme,
            stored.map(|r| r.version),
            "assess.scheme",
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    /// The years that can be assessed: the plan's years that have begun by the app's day.
    pub fn assess_years(&self) -> Vec<i32> {
        let plan = &self.read().plan;
        let last = plan
            .target_years
            .iter()
            .copied()
            .max()
            .unwrap_or(plan.baseline_year + 1)
            .min(self.today().year());
        ((plan.baseline_year + 1)..=last).collect()
    }

    fn check_year(&self, year: i32) -> Result<()> {
        if self.assess_years().contains(&year) {
            Ok(())
        } else {
            Err(AppError::NotFound(format!(
                "{year}年的考核评价(可考核的年份为规划期内已开始的年份)"
            )))
        }
    }

    /// A year's assessment computed now from the official figures and the records. A
    /// year not ended is computed as of the app's day (截至).
    pub async fn assessment(&self, year: i32, by: RankBy) -> Result<Assessment> {
        self.check_year(year)?;
        let scheme = self.assess_scheme().await?;
        let today = self.today();
        let year_end = NaiveDate::from_ymd_opt(year, 12, 31)
            .ok_or_else(|| AppError::NotFound(format!("{year}年")))?;
        let complete = today > year_end;
        let as_of = if complete { year_end } else { today };
        let year_start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(year_end);
        let works: Vec<_> = self
            .work_items()
            .await?
            .into_iter()
            .map(|w| w.item)
            .collect();
        let projects: Vec<_> = self.projects().await?.into_iter().map(|p| p.item).collect();
        let orders: Vec<Order> = self
            .db()
            .list_records(&RecordFilter::kind(crate::manage::KIND_ORDER))
            .await?
            .iter()
            .map(|r| r.decode())
            .collect::<std::result::Result<_, _>>()?;
        let year_orders: Vec<Order> = orders
            .into_iter()
            .filter(|o| o.deadline.year() == year)
            .collect();
        let order_stats: HashMap<String, (usize, usize)> = unit_stats(&year_orders, as_of)
            .into_iter()
            .filter(|s| !s.total)
            .map(|s| (s.unit, (s.closed_on_time, s.due)))
            .collect();
        let received: HashMap<youxiang_core::value::ValueKey, NaiveDateTime> = self
            .db()
            .load_values()
            .await?
            .into_iter()
            .filter(crate::is_official)
            .map(|o| (o.key, o.reported_at))
            .collect();
        // 满意度调查: the latest round published in the year by the day (aggregates only).
        let survey = self.latest_published_survey(as_of, Some(year)).await?;
        let units = self.rank_units(by);
        let state = self.read();
        let rows = youxiang_core::completeness::completeness(
            &state.plan,
            &state.tree,
            &state.reporters,
            &received,
            Window {
                from: year_start,
                to: as_of,
                today: as_of,
                due_days: 10,
            },
        );
        let mut reports: BTreeMap<String, Tally> = BTreeMap::new();
        for r in rows {
            // Only reports whose deadline has come by the day count.
            if r.due > as_of {
                continue;
            }
            let t = reports.entry(r.unit.clone()).or_default();
            t.due += r.expected;
            t.on_time += r.on_time.min(r.expected);
            if r.on_time < r.expected && t.late.len() < 20 {
                t.late.push(format!(
                    "{}:应报 {} 项,按时 {} 项",
                    r.period.label_zh(),
                    r.expected,
                    r.on_time
                ));
            }
        }
        // For towns, only the table's indicators some town reports that year take part (as
        // in the ranking): a district-only figure is nobody's missing report.
        let town_indicators: std::collections::BTreeSet<&str> = state
            .plan
            .indicators
            .iter()
            .filter(|i| i.is_table_row())
            .filter(|i| {
                units
                    .iter()
                    .any(|(_, code)| latest_by(&state, &i.code, code, as_of).is_some())
            })
            .map(|i| i.code.as_str())
            .collect();
        let mut facts = Vec::new();
        for (unit, place) in &units {
            let mut indicators = Vec::new();
            for ind in &state.plan.indicators {
                let in_scope = match by {
                    RankBy::Department => ind.lead_unit == *unit,
                    RankBy::Town => town_indicators.contains(ind.code.as_str()),
                };
                if !in_scope {
                    continue;
                }
                // The unit's own target for the year: none, or not decomposed, is not judged.
                match state.official.target_at(&ind.code, place, year) {
                    None | Some(youxiang_core::decompose::PlaceTarget::Undecomposed) => continue,
                    Some(_) => {}
                }
                let status = state.official.status(&ind.code, place, year);
                let judged = status.and_then(|s| {
                    if matches!(s.year, YearStatus::NoTarget | YearStatus::Undecomposed) {
                        return Some(None);
                    }
                    let period = s.as_of?;
                    let e = state.official.explain(&ind.code, place, period);
                    if s.year_complete && matches!(s.year, YearStatus::Met | YearStatus::NotMet) {
                        let outcome = if s.year == YearStatus::Met {
                            Outcome::Met
                        } else {
                            Outcome::NotMet
                        };
                        let detail = e
                            .map(|e| e.year_check.explanation.formula)
                            .unwrap_or_default();
                        return Some(Some((outcome, detail)));
                    }
                    let outcome = match s.light {
                        Light::Green => Outcome::Green,
                        Light::Yellow => Outcome::Yellow,
                        Light::Red => Outcome::Red,
                        // A figure without a light (nothing to judge it by) is not judged.
                        Light::Grey if s.value.is_some() => return Some(None),
                        Light::Grey => return None,
                    };
                    let detail = e
                        .and_then(|e| e.schedule)
                        .map(|s| s.explanation.formula)
                        .unwrap_or_default();
                    Some(Some((outcome, detail)))
                });
                let (outcome, detail) = match judged {
                    Some(Some(x)) => x,
                    Some(None) => continue,
                    None => {
                        // No figure (or no light): judged only once a figure was due.
                        if !due_by(ind.frequency, as_of) {
                            continue;
                        }
                        (
                            Outcome::NoData,
                            format!("截至{as_of}应报送的数据未报送 → 应报未报"),
                        )
                    }
                };
                indicators.push(IndicatorResult {
                    code: ind.code.clone(),
                    name: ind.name.clone(),
                    outcome,
                    detail,
                });
            }
            let mut tasks = Tally::default();
            let in_year = |d: NaiveDate| d >= year_start && d <= as_of;
            for w in works.iter().filter(|w| w.lead_unit == *unit) {
                for m in w.milestones.iter().filter(|m| in_year(m.due)) {
                    let ok = m.done_on.is_some_and(|d| d <= m.due);
                    tally_push(
                        &mut tasks,
                        ok,
                        format!("{} {}(期限 {})", w.code, m.title, m.due),
                    );
                }
            }
            for p in projects.iter().filter(|p| p.lead_unit == *unit) {
                for m in p.milestones.iter().filter(|m| in_year(m.due)) {
                    let ok = m.done_on.is_some_and(|d| d <= m.due);
                    tally_push(
                        &mut tasks,
                        ok,
                        format!("{} {}(期限 {})", p.code, m.title, m.due),
                    );
                }
            }
            let (closed, due) = order_stats.get(unit).copied().unwrap_or((0, 0));
            let mut orders = Tally {
                on_time: closed,
                due,
                late: Vec::new(),
            };
            for o in year_orders.iter().filter(|o| o.lead_unit == *unit) {
                let due_now =
                    o.state == youxiang_core::manage::OrderState::Closed || as_of > o.deadline;
                if due_now && !o.closed_on_time() && orders.late.len() < 20 {
                    orders
                        .late
                        .push(format!("{} {}(期限 {})", o.id, o.title, o.deadline));
                }
            }
            facts.push(UnitFacts {
                unit: unit.clone(),
                indicators,
                tasks,
                orders,
                reports: reports.get(unit).cloned().unwrap_or_default(),
                survey: survey
                    .as_ref()
                    .and_then(|p| survey_score(p, &state.plan, by, unit, place)),
            });
        }
        Ok(assess(&scheme, year, by, as_of, complete, &facts))
    }

    /// Keeps only what `login` may see: every row for the office and the viewers, else the
    /// row of the user's own unit.
    fn scope_assessment(&self, login: &str, mut a: Assessment) -> Result<Assessment> {
        let who = self.user(login)?;
        if !who.role.sees_all_units() {
            a.rows.retain(|r| r.unit == who.unit);
        }
        Ok(a)
    }

    /// The assessment as `login` may see it.
    pub async fn assessment_for(&self, login: &str, year: i32, by: RankBy) -> Result<Assessment> {
        self.user(login)?;
        let a = self.assessment(year, by).await?;
        self.scope_assessment(login, a)
    }

    async fn published_all(
        &self,
        year: i32,
        by: Option<RankBy>,
    ) -> Result<Vec<PublishedAssessment>> {
        let mut filter = RecordFilter::kind(KIND_ASSESSMENT);
        if let Some(by) = by {
            filter.id_prefix = Some(format!("{}|{year}|", by.as_str()));
        }
        let mut out: Vec<PublishedAssessment> = self
            .db()
            .list_records(&filter)
            .await?
            .iter()
            .map(|r| r.decode())
            .collect::<std::result::Result<_, _>>()?;
        out.retain(|p: &PublishedAssessment| p.assessment.year == year);
        out.sort_by(|a, b| {
            (a.assessment.by.as_str(), a.version).cmp(&(b.assessment.by.as_str(), b.version))
        });
        Ok(out)
    }

    /// Publishes the assessment as computed now as a new version (the office only). The
    /// first version may carry a note; a correction must say why. Stored once, never
    /// changed; audited.
    pub async fn publish_assessment(
        &self,
        login: &str,
        year: i32,
        by: RankBy,
        note: &str,
    ) -> Result<PublishedAssessment> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "发布考核评价"));
        }
        let note = note.trim();
        if note.chars().count() > 500 {
            return Err(AppError::Invalid(vec!["说明 note 不能超过 500 字".into()]));
        }
        let assessment = self.assessment(year, by).await?;
        let previous = self.published_all(year, Some(by)).await?;
        let version = previous.last().map_or(1, |p| p.version + 1);
        if version > 1 && note.is_empty() {
            // Publishing again is a correction of what stands: it must say why.
            return Err(AppError::Store(youxiang_store::StoreError::Conflict(
                format!(
                    "{year}年{}考核评价已发布第 {} 版:更正须在说明中写明原因",
                    by.label_zh(),
                    version - 1
                ),
            )));
        }
        let published = PublishedAssessment {
            version,
            note: note.to_string(),
            published_by: login.to_string(),
            published_at: crate::manage::now(),
            assessment,
        };
        let id = version_id(by, year, version);
        let mut w = RecordWrite::of(KIND_ASSESSMENT, &id, &published, None, "assess.publish")?
            .state("published");
        if !note.is_empty() {
            w = w.note(note);
        }
        self.db().put_records(&[w], login).await?;
        Ok(published)
    }

    /// The published versions of a year, oldest first, as `login` may see them.
    pub async fn assessment_versions(
        &self,
        login: &str,
        year: i32,
        by: Option<RankBy>,
    ) -> Result<Vec<PublishedAssessment>> {
        self.user(login)?;
        if !(1900..=2200).contains(&year) {
            return Err(AppError::NotFound(format!("{year}年的考核评价")));
        }
        let all = self.published_all(year, by).await?;
        all.into_iter()
            .map(|mut p| {
                p.assessment = self.scope_assessment(login, p.assessment)?;
                Ok(p)
            })
            .collect()
    }
}

/// An assessment as an Excel workbook: the result sheet (rank, unit, total, grade, each
/// item's score and points, deductions, notes), the items' explanations and the scheme.
pub fn assessment_xlsx(a: &Assessment) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail =
        |e: rust_xlsxwriter::XlsxError| AppError::Invalid(vec![format!("生成 Excel 失败:{e}")]);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    let sheet = book.add_worksheet();
    sheet.set_name("考核结果").map_err(fail)?;
    sheet
        .write_with_format(0, 0, a.title_zh(), &bold)
        .map_err(fail)?;
    let mut headers: Vec<String> = vec![
        "名次".into(),
        "单位".into(),
        "总分(分)".into(),
        "等次".into(),
        "各项合计(分)".into(),
        "扣分(分)".into(),
    ];
    for item in &a.scheme.items {
        headers.push(format!("{}得分(分,满分100)", item.kind.label_zh()));
        headers.push(format!("{}折算(分)", item.kind.label_zh()));
    }
    headers.push("说明".into());
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_with_format(2, c as u16, h.as_str(), &bold)
            .map_err(fail)?;
    }
    for (i, row) in a.rows.iter().enumerate() {
        let r = 3 + i as u32;
        match row.rank {
            Some(k) => sheet.write(r, 0, k).map_err(fail)?,
            None => sheet.write(r, 0, "—").map_err(fail)?,
        };
        sheet.write(r, 1, row.unit.as_str()).map_err(fail)?;
        match row.total {
            Some(t) => sheet.write_with_format(r, 2, t, &two).map_err(fail)?,
            None => sheet.write(r, 2, "无数据").map_err(fail)?,
        };
        sheet
            .write(r, 3, row.grade.map_or("—", |g| g.label_zh()))
            .map_err(fail)?;
        sheet
            .write_with_format(r, 4, row.subtotal, &two)
            .map_err(fail)?;
        sheet
            .write_with_format(r, 5, row.deducted, &two)
            .map_err(fail)?;
        let mut c: u16 = 6;
        for item in &a.scheme.items {
            match row.items.iter().find(|x| x.kind == item.kind) {
                Some(x) => {
                    match x.score {
                        Some(s) => sheet.write_with_format(r, c, s, &two).map_err(fail)?,
                        None => sheet.write(r, c, "不适用").map_err(fail)?,
                    };
                    sheet
                        .write_with_format(r, c + 1, x.points, &two)
                        .map_err(fail)?;
                }
                None => {
                    sheet.write(r, c, "不适用").map_err(fail)?;
                }
            }
            c += 2;
        }
        let mut notes = row.notes.clone();
        for d in &row.deductions {
            notes.push(format!(
                "扣分:{} {} 分({})",
                d.name,
                youxiang_core::eval::explain::fmt_num(d.points),
                d.reason
            ));
        }
        sheet.write(r, c, notes.join(";")).map_err(fail)?;
    }
    sheet.set_column_width(1, 18).map_err(fail)?;
    let items = book.add_worksheet();
    items.set_name("逐项说明").map_err(fail)?;
    for (c, h) in [
        "单位",
        "考核项目",
        "权重(分)",
        "得分(分)",
        "计算过程",
        "依据",
    ]
    .iter()
    .enumerate()
    {
        items
            .write_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    let mut r = 1u32;
    for row in &a.rows {
        for x in &row.items {
            items.write(r, 0, row.unit.as_str()).map_err(fail)?;
            items.write(r, 1, x.kind.label_zh()).map_err(fail)?;
            items
                .write_with_format(r, 2, x.applied_weight, &two)
                .map_err(fail)?;
            items
                .write_with_format(r, 3, x.points, &two)
                .map_err(fail)?;
            items.write(r, 4, x.formula.as_str()).map_err(fail)?;
            let inputs: Vec<String> = x.inputs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            items.write(r, 5, inputs.join(";")).map_err(fail)?;
            r += 1;
        }
        for ind in &row.indicators {
            items.write(r, 0, row.unit.as_str()).map_err(fail)?;
            items
                .write(r, 1, format!("指标 {} {}", ind.code, ind.name))
                .map_err(fail)?;
            items.write(r, 3, ind.outcome.label_zh()).map_err(fail)?;
            items.write(r, 4, ind.detail.as_str()).map_err(fail)?;
            r += 1;
        }
    }
    items.set_column_width(0, 18).map_err(fail)?;
    items.set_column_width(4, 60).map_err(fail)?;
    let scheme = book.add_worksheet();
    scheme.set_name("考核方案").map_err(fail)?;
    for (i, line) in a.scheme.describe_zh().lines().enumerate() {
        scheme.write(i as u32, 0, line).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

/// The survey item's score of a unit (0–100): the mean of the published index cells that
/// are not suppressed — a town's own cells, a department's domains (those of the
/// indicators it leads) at the district; `None` (the item does not apply) without any.
fn survey_score(
    p: &crate::survey_results::PublishedSurvey,
    plan: &youxiang_core::Plan,
    by: RankBy,
    unit: &str,
    place: &str,
) -> Option<f64> {
    let values: Vec<f64> = match by {
        RankBy::Town => p
            .cells
            .iter()
            .filter(|c| c.place == place && !c.suppressed)
            .filter_map(|c| c.index)
            .collect(),
        RankBy::Department => {
            let domains: std::collections::BTreeSet<&str> = plan
                .indicators
                .iter()
                .filter(|i| i.lead_unit == unit)
                .map(|i| i.domain.as_str())
                .collect();
            p.cells
                .iter()
                .filter(|c| {
                    c.place == p.district && !c.suppressed && domains.contains(c.domain.as_str())
                })
                .filter_map(|c| c.index)
                .collect()
        }
    };
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}
