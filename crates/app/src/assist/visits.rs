//! 探访关爱 as a service: the visit plan (an `assist_config` record `visit_plan`, the
//! shipped defaults until the 民政 department or the office changes it), one
//! `assist_visit` record per visit (entered by the town or village worker on their own
//! households; another place's household is not found), each household's due periods
//! (done, open, overdue — `core::assist::visits`) and the 探访关爱率 per village, town and
//! district. A recorded visit re-scans the household's flags and recomputes K7.2f
//! (社会救助家庭探访关爱率) for the year of the day through [`App::write_computed`].

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use youxiang_core::assist::register::Category;
use youxiang_core::assist::rights;
use youxiang_core::assist::visits::{
    DueState, Frequency, Rate, Schedule, Visit, VisitMode, VisitPlan, period_rate, schedule,
    year_rate,
};
use youxiang_core::period::Period;
use youxiang_core::place::{Level, PlaceTree};
use youxiang_core::value::Component;
use youxiang_store::{RecordFilter, RecordWrite};

use super::{HouseholdEntry, HouseholdFilter, KIND_CONFIG};
use crate::computed::{ComputedFigure, ComputedOutcome};
use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The visits' record kind.
pub const KIND_VISIT: &str = "assist_visit";
const PLAN_ID: &str = "visit_plan";
/// The indicator of the 探访关爱率.
pub const VISIT_RATE_INDICATOR: &str = "K7.2f";

/// The audit actions of 探访关爱.
pub const VISIT_ACTIONS: [&str; 2] = ["assist.visit.record", "assist.visit.plan"];

/// The visit plan and its record's version (0: the defaults, never stored).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredVisitPlan {
    #[serde(flatten)]
    pub plan: VisitPlan,
    pub version: i64,
}

/// A visit as given by a worker (the id, place and recorder are the app's).
#[derive(Debug, Clone, PartialEq)]
pub struct NewVisit {
    pub household: String,
    pub date: NaiveDate,
    pub visitor: String,
    pub mode: VisitMode,
    pub findings: String,
    pub needs_found: Vec<String>,
    pub follow_up: String,
    pub demo: bool,
}

/// One place's visits for a period and the year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceRate {
    pub place: String,
    pub name: String,
    pub level: Level,
    /// The current period (each household's own period containing the day).
    pub period: Rate,
    /// The year so far (the K7.2f rule).
    pub year: Rate,
}

/// The visits overview for a reader and a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitOverview {
    pub day: NaiveDate,
    pub year: i32,
    /// Per town (and, under a town, per village), then the reader's total.
    pub places: Vec<PlaceRate>,
    pub total_period: Rate,
    pub total_year: Rate,
    /// Every schedule of the reader's households (masked ids and places only).
    pub schedules: Vec<Schedule>,
}

/// The town of `place` (itself if a town; `None` above the towns).
pub(crate) fn town_of(tree: &PlaceTree, place: &str) -> Option<String> {
    let id = tree.id(place)?;
    std::iter::once(id)
        .chain(tree.ancestors(id))
        .find(|p| tree.get(*p).level == Level::Town)
        .map(|p| tree.get(p).code.clone())
}

/// The record id of a new visit.
fn visit_id(household: &str, date: NaiveDate) -> Result<String> {
    let mut b = [0u8; 3];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(format!(
        "V-{household}-{}-{}",
        date.format("%Y%m%d"),
        hex::encode(b)
    ))
}

impl App {
    /// The visit plan (the defaults until changed).
    pub async fn assist_visit_plan(&self) -> Result<StoredVisitPlan> {
        Ok(match self.db().get_record(KIND_CONFIG, PLAN_ID).await? {
            Some(r) => StoredVisitPlan {
                plan: r.decode()?,
                version: r.version,
            },
            None => StoredVisitPlan {
                plan: VisitPlan::default(),
                version: 0,
            },
        })
    }

    /// Sets a category's frequency (`None` removes it): the office and the 民政
    /// department, quoting the plan's version read.
    pub async fn set_assist_visit_frequency(
        &self,
        login: &str,
        category: Category,
        frequency: Option<Frequency>,
        expected_version: i64,
    ) -> Result<StoredVisitPlan> {
        let who = self.user(login)?;
        if !rights::may_set_rules(&who) {
            return Err(forbid(&who, "修改探访计划"));
        }
        let mut plan = self.assist_visit_plan().await?;
        if plan.version != expected_version {
            return Err(AppError::Store(youxiang_store::StoreError::Conflict(
                "探访计划已被他人修改,请刷新后再改".to_string(),
            )));
        }
        plan.plan.set(category, frequency);
        let problems = plan.plan.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let note = format!(
            "{}:{}",
            category.label_zh(),
            frequency.map(|f| f.label_zh()).unwrap_or("不探访")
        );
        let w = RecordWrite::of(
            KIND_CONFIG,
            PLAN_ID,
            &plan.plan,
            (expected_version > 0).then_some(expected_version),
            VISIT_ACTIONS[1],
        )?
        .note(note);
        let saved = self.db().put_records(&[w], login).await?;
        plan.version = saved.first().map(|r| r.version).unwrap_or(1);
        Ok(plan)
    }

    /// Replaces the whole visit plan (the office and the 民政 department), quoting the
    /// plan's version read; one audited write (`assist.visit.plan`) whose note lists every
    /// category's frequency.
    pub async fn save_assist_visit_plan(
        &self,
        login: &str,
        mut plan: VisitPlan,
        expected_version: i64,
    ) -> Result<StoredVisitPlan> {
        let who = self.user(login)?;
        if !rights::may_set_rules(&who) {
            return Err(forbid(&who, "修改探访计划"));
        }
        let problems = plan.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let current = self.assist_visit_plan().await?;
        if current.version != expected_version {
            return Err(AppError::Store(youxiang_store::StoreError::Conflict(
                "探访计划已被他人修改,请刷新后再改".to_string(),
            )));
        }
        plan.rows.sort_by_key(|r| r.category);
        let note = plan
            .rows
            .iter()
            .map(|r| format!("{}:{}", r.category.label_zh(), r.frequency.label_zh()))
            .collect::<Vec<_>>()
            .join(";");
        let w = RecordWrite::of(
            KIND_CONFIG,
            PLAN_ID,
            &plan,
            (expected_version > 0).then_some(expected_version),
            VISIT_ACTIONS[1],
        )?
        .note(if note.is_empty() {
            "不安排探访".to_string()
        } else {
            note
        });
        let saved = self.db().put_records(&[w], login).await?;
        Ok(StoredVisitPlan {
            plan,
            version: saved.first().map(|r| r.version).unwrap_or(1),
        })
    }

    /// Every stored visit, by date.
    pub(crate) async fn stored_visits(&self) -> Result<Vec<Visit>> {
        let mut out: Vec<Visit> = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_VISIT))
            .await?
        {
            out.push(r.decode()?);
        }
        out.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        Ok(out)
    }

    /// Records a visit to a household in the worker's places (another's is not found);
    /// then re-scans the household's flags and recomputes the 探访关爱率.
    pub async fn record_assist_visit(&self, login: &str, v: NewVisit) -> Result<Visit> {
        let who = self.register_user(login)?;
        let household = v.household.trim().to_string();
        let (entry, _) = self.household_entry(&who, &household).await?;
        let today = self.today();
        let visit = Visit {
            id: visit_id(&household, v.date)?,
            household: household.clone(),
            place: entry.household.place.clone(),
            date: v.date,
            visitor: v.visitor.trim().to_string(),
            mode: v.mode,
            findings: v.findings.trim().to_string(),
            needs_found: v
                .needs_found
                .iter()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect(),
            follow_up: v.follow_up.trim().to_string(),
            by: login.to_string(),
            demo: v.demo,
        };
        let problems = visit.problems(today);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let w = RecordWrite::of(KIND_VISIT, &visit.id, &visit, None, VISIT_ACTIONS[0])?
            .unit(&visit.place)
            .state(youxiang_core::labels::Labelled::code(visit.mode))
            .note(format!("{} {}", visit.date, visit.mode.label_zh()));
        self.db().put_records(&[w], login).await?;
        if !v.demo {
            self.assist_after_visit(&household).await;
        }
        Ok(visit)
    }

    /// What follows a visit: the household's flags re-scanned, the rate recomputed (a
    /// failure is logged, the visit stands).
    pub(crate) async fn assist_after_visit(&self, household: &str) {
        if let Err(e) = self.scan_assist_flags_for(Some(household)).await {
            eprintln!("探访后预警扫描失败:{e}");
        }
        if let Err(e) = self.recompute_visit_rate().await {
            eprintln!("探访关爱率重新计算失败:{e}");
        }
    }

    /// The visits `login` may see, of one household or all, newest first.
    pub async fn assist_visits(&self, login: &str, household: Option<&str>) -> Result<Vec<Visit>> {
        let who = self.register_user(login)?;
        if let Some(h) = household {
            self.household_entry(&who, h).await?;
        }
        let tree = Arc::clone(&self.read().tree);
        let mut out: Vec<Visit> = self
            .stored_visits()
            .await?
            .into_iter()
            .filter(|v| household.is_none_or(|h| v.household == h))
            .filter(|v| Self::in_scope(&who, &tree, &v.place))
            .collect();
        out.reverse();
        Ok(out)
    }

    /// One visit (not found outside the reader's places).
    pub async fn assist_visit(&self, login: &str, id: &str) -> Result<Visit> {
        let who = self.register_user(login)?;
        let not_found = || AppError::NotFound(format!("探访记录“{id}”不存在"));
        let r = self
            .db()
            .get_record(KIND_VISIT, id)
            .await?
            .ok_or_else(not_found)?;
        let v: Visit = r.decode()?;
        let tree = Arc::clone(&self.read().tree);
        if !Self::in_scope(&who, &tree, &v.place) {
            return Err(not_found());
        }
        Ok(v)
    }

    /// The schedules of `households` for the year of `day`.
    pub(crate) async fn visit_schedules(
        &self,
        households: &[HouseholdEntry],
        day: NaiveDate,
    ) -> Result<Vec<Schedule>> {
        let plan = self.assist_visit_plan().await?.plan;
        let visits = self.stored_visits().await?;
        let mut by_household: BTreeMap<&str, Vec<&Visit>> = BTreeMap::new();
        for v in &visits {
            by_household
                .entry(v.household.as_str())
                .or_default()
                .push(v);
        }
        Ok(households
            .iter()
            .map(|e| {
                let vs = by_household
                    .get(e.household.id.as_str())
                    .cloned()
                    .unwrap_or_default();
                schedule(&plan, &e.household, &vs, day.year(), day)
            })
            .collect())
    }

    /// The visits overview of `login`'s households on `day` (today by default), optionally
    /// under one place: per town (per village under a town), with every schedule.
    pub async fn assist_visit_overview(
        &self,
        login: &str,
        place: Option<&str>,
        day: Option<NaiveDate>,
    ) -> Result<VisitOverview> {
        let day = day.unwrap_or_else(|| self.today());
        let filter = HouseholdFilter {
            place: place.map(str::to_string),
            ..Default::default()
        };
        let households = self.assist_households(login, &filter).await?;
        let schedules = self.visit_schedules(&households, day).await?;
        let tree = Arc::clone(&self.read().tree);
        // Group by the level beneath the place looked at: towns, or villages under a town.
        let below_town = place
            .and_then(|p| tree.id(p))
            .is_some_and(|p| tree.get(p).level >= Level::Town);
        let group = |s: &Schedule| -> Vec<String> {
            if below_town {
                vec![s.place.clone()]
            } else {
                town_of(&tree, &s.place).into_iter().collect()
            }
        };
        let (per_period, total_period) = period_rate(&schedules, day, group);
        let (per_year, total_year) = year_rate(&schedules, day, group);
        let mut codes: Vec<&String> = per_period.keys().chain(per_year.keys()).collect();
        codes.sort();
        codes.dedup();
        let places = codes
            .into_iter()
            .map(|c| {
                let (name, level) = tree
                    .id(c)
                    .map(|p| (tree.get(p).name.clone(), tree.get(p).level))
                    .unwrap_or((c.clone(), Level::Village));
                PlaceRate {
                    place: c.clone(),
                    name,
                    level,
                    period: per_period.get(c).copied().unwrap_or_default(),
                    year: per_year.get(c).copied().unwrap_or_default(),
                }
            })
            .collect();
        Ok(VisitOverview {
            day,
            year: day.year(),
            places,
            total_period,
            total_year,
            schedules,
        })
    }

    /// The figures of K7.2f for the year of the day: numerator (households visited as due
    /// so far) and denominator (households due so far) per town and for the district.
    pub async fn visit_rate_figures(&self) -> Result<Vec<ComputedFigure>> {
        let (plan_place, has_indicator) = {
            let s = self.read();
            (
                s.plan.place.clone(),
                s.plan.indicator(VISIT_RATE_INDICATOR).is_some(),
            )
        };
        if !has_indicator {
            return Ok(Vec::new());
        }
        let day = self.today();
        let households: Vec<HouseholdEntry> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        let schedules = self.visit_schedules(&households, day).await?;
        let tree = Arc::clone(&self.read().tree);
        let (per_town, total) = year_rate(&schedules, day, |s| {
            town_of(&tree, &s.place).into_iter().collect()
        });
        let period =
            Period::year_of(day.year()).map_err(|e| AppError::Internal(format!("年度:{e:?}")))?;
        let comment = format!(
            "系统计算:截至{day}应探访且已按期探访的社会救助家庭数 / 截至{day}有应探访周期到期的社会救助家庭数"
        );
        let mut out = Vec::new();
        let mut push = |place: &str, r: Rate| {
            for (component, value) in [
                (Component::Numerator, r.visited),
                (Component::Denominator, r.due),
            ] {
                out.push(ComputedFigure {
                    indicator: VISIT_RATE_INDICATOR.to_string(),
                    place: place.to_string(),
                    period,
                    component,
                    value: value as f64,
                    comment: comment.clone(),
                });
            }
        };
        for (town, r) in &per_town {
            if r.due > 0 {
                push(town, *r);
            }
        }
        if total.due > 0 && tree.id(&plan_place).is_some() {
            push(&plan_place, total);
        }
        Ok(out)
    }

    /// Recomputes K7.2f (after a visit, or on demand).
    pub async fn recompute_visit_rate(&self) -> Result<ComputedOutcome> {
        let figures = self.visit_rate_figures().await?;
        self.write_computed(figures).await
    }

    /// Recomputes K7.2f on demand: the office and the 民政 department.
    pub async fn recompute_visit_rate_as(&self, login: &str) -> Result<ComputedOutcome> {
        let who = self.user(login)?;
        if !rights::may_set_rules(&who) {
            return Err(forbid(&who, "重新计算探访关爱率"));
        }
        self.recompute_visit_rate().await
    }
}

/// Whether a schedule has an overdue period (for lists).
pub fn has_overdue(s: &Schedule) -> bool {
    s.periods.iter().any(|p| p.state == DueState::Overdue)
}

impl App {
    /// Adds visits in bulk (the demo, a migration): each household in `login`'s places, each
    /// visit checked; all or nothing. No flag scan or recomputation follows (call them).
    pub async fn import_assist_visits(&self, login: &str, visits: Vec<NewVisit>) -> Result<usize> {
        let who = self.register_user(login)?;
        let today = self.today();
        let tree = Arc::clone(&self.read().tree);
        let places: BTreeMap<String, String> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| (e.household.id, e.household.place))
            .collect();
        let mut problems = Vec::new();
        let mut writes = Vec::new();
        for (n, v) in visits.into_iter().enumerate() {
            let Some(place) = places
                .get(&v.household)
                .filter(|p| Self::in_scope(&who, &tree, p))
            else {
                problems.push(format!("第{}条:困难家庭“{}”不存在", n + 1, v.household));
                continue;
            };
            let visit = Visit {
                id: visit_id(&v.household, v.date)?,
                household: v.household.clone(),
                place: place.clone(),
                date: v.date,
                visitor: v.visitor,
                mode: v.mode,
                findings: v.findings,
                needs_found: v.needs_found,
                follow_up: v.follow_up,
                by: login.to_string(),
                demo: v.demo,
            };
            problems.extend(
                visit
                    .problems(today)
                    .into_iter()
                    .map(|p| format!("第{}条:{p}", n + 1)),
            );
            writes.push(
                RecordWrite::of(KIND_VISIT, &visit.id, &visit, None, VISIT_ACTIONS[0])?
                    .unit(&visit.place)
                    .state(youxiang_core::labels::Labelled::code(visit.mode))
                    .note(format!("{} {}", visit.date, visit.mode.label_zh())),
            );
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        for chunk in writes.chunks(500) {
            self.db().put_records(chunk, login).await?;
        }
        Ok(writes.len())
    }
}
