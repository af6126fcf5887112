//! 清单化管理: the plan's key tasks and major projects as work items, each with its lead
//! and partner units, measures, milestones (the route map and schedule), yearly
//! investment (projects) and progress updates with evidence.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::plan::Plan;

/// A key task (重点任务) or a major project (重大项目).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    Task,
    Project,
}

impl WorkKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            WorkKind::Task => "重点任务",
            WorkKind::Project => "重大项目",
        }
    }

    /// Same as [`WorkKind::label_zh`].
    pub fn label(self) -> &'static str {
        self.label_zh()
    }

    pub fn label_en(self) -> &'static str {
        match self {
            WorkKind::Task => "key task",
            WorkKind::Project => "major project",
        }
    }
}

/// A dated step of the route map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// Unique within the item.
    pub id: u32,
    pub title: String,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    /// What shows it was done.
    #[serde(default)]
    pub evidence: String,
}

impl Milestone {
    /// Not done and past its date on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.done_on.is_none() && today > self.due
    }

    /// Done on or before its date.
    pub fn done_on_time(&self) -> bool {
        self.done_on.is_some_and(|d| d <= self.due)
    }
}

/// A project's investment for one year, in 亿元.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearInvestment {
    pub year: i32,
    pub planned_yi_yuan: f64,
    pub completed_yi_yuan: Option<f64>,
}

/// A stored file attached to an update (the bytes live elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: String,
    pub name: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
}

/// A progress update with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressUpdate {
    pub at: NaiveDateTime,
    pub actor: String,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
}

/// A task or project managed as a list item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    /// `task:1.2`, `project:P01` for items made from the plan.
    pub id: String,
    pub kind: WorkKind,
    /// The plan's code: `1.2` for a task, `P01` for a project.
    pub code: String,
    pub title: String,
    pub domain: Option<String>,
    pub lead_unit: String,
    pub partner_units: Vec<String>,
    /// The measures (the task's text as the plan writes it, or the project's sentence).
    pub measures: String,
    pub milestones: Vec<Milestone>,
    pub investment: Vec<YearInvestment>,
    pub updates: Vec<ProgressUpdate>,
    /// A project's total planned investment as the plan states it (亿元).
    #[serde(default)]
    pub total_investment_yi_yuan: Option<f64>,
}

/// A problem found by [`WorkItem::validate`].
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum WorkProblem {
    #[error("{item}:{field}不能为空")]
    Empty { item: String, field: &'static str },
    #[error("{item}:里程碑编号 {id} 重复")]
    DuplicateMilestone { item: String, id: u32 },
    #[error("{item}:里程碑 {id} 的名称不能为空")]
    UntitledMilestone { item: String, id: u32 },
    #[error("{item}:{year} 年的投资重复列出")]
    DuplicateYear { item: String, year: i32 },
    #[error("{item}:{year} 年{what}投资 {value} 亿元无效(须为不小于 0 的数)")]
    BadInvestment {
        item: String,
        year: i32,
        what: &'static str,
        value: f64,
    },
    #[error("{item}:牵头单位“{unit}”不应同时列为配合单位")]
    LeadAlsoPartner { item: String, unit: String },
    #[error("{item}:配合单位“{unit}”重复")]
    DuplicatePartner { item: String, unit: String },
    #[error("{item}:附件“{name}”的 SHA-256 应为 64 位十六进制")]
    BadChecksum { item: String, name: String },
    #[error("{item}:只有重大项目才有投资计划")]
    InvestmentOnTask { item: String },
}

impl WorkItem {
    /// One item per key task and per project of the plan, tasks first, in plan order. No
    /// milestones, investment years or updates yet.
    pub fn from_plan(plan: &Plan) -> Vec<WorkItem> {
        let tasks = plan.tasks.iter().map(|t| WorkItem {
            id: format!("task:{}", t.code),
            kind: WorkKind::Task,
            code: t.code.clone(),
            title: t.title.clone(),
            domain: Some(t.domain.clone()).filter(|d| !d.is_empty()),
            lead_unit: t.lead_unit.clone(),
            partner_units: t.partner_units.clone(),
            measures: t.text.clone(),
            milestones: Vec::new(),
            investment: Vec::new(),
            updates: Vec::new(),
            total_investment_yi_yuan: None,
        });
        let projects = plan.projects.iter().map(|p| WorkItem {
            id: format!("project:{}", p.code),
            kind: WorkKind::Project,
            code: p.code.clone(),
            title: p.name.clone(),
            domain: p.domain.clone(),
            lead_unit: p.lead_unit.clone(),
            partner_units: Vec::new(),
            measures: p.sentence.clone(),
            milestones: Vec::new(),
            investment: Vec::new(),
            updates: Vec::new(),
            total_investment_yi_yuan: Some(p.investment_yi_yuan),
        });
        tasks.chain(projects).collect()
    }

    /// Milestones not done and past their date, by due date.
    pub fn overdue_milestones(&self, today: NaiveDate) -> Vec<&Milestone> {
        let mut v: Vec<&Milestone> = self
            .milestones
            .iter()
            .filter(|m| m.is_overdue(today))
            .collect();
        v.sort_by_key(|m| (m.due, m.id));
        v
    }

    /// Milestones done by their date ÷ milestones due by `today` (due ≤ today). None when
    /// none is due yet. A milestone done early but not yet due is in neither.
    pub fn on_time_rate(&self, today: NaiveDate) -> Option<f64> {
        let due: Vec<&Milestone> = self.milestones.iter().filter(|m| m.due <= today).collect();
        if due.is_empty() {
            return None;
        }
        let on_time = due
            .iter()
            .filter(|m| m.done_on.is_some_and(|d| d <= m.due && d <= today))
            .count();
        Some(on_time as f64 / due.len() as f64)
    }

    /// Completed ÷ planned investment for `year`. None when the year is not listed,
    /// nothing is reported as completed, or the planned amount is not positive.
    pub fn investment_progress(&self, year: i32) -> Option<f64> {
        let y = self.investment.iter().find(|y| y.year == year)?;
        let done = y.completed_yi_yuan.filter(|v| v.is_finite())?;
        if !(y.planned_yi_yuan.is_finite() && y.planned_yi_yuan > 0.0) {
            return None;
        }
        Some(done / y.planned_yi_yuan)
    }

    /// The next free milestone id.
    pub fn next_milestone_id(&self) -> u32 {
        self.milestones
            .iter()
            .map(|m| m.id)
            .max()
            .map_or(1, |m| m + 1)
    }

    /// Every problem of the item, empty when it is sound.
    pub fn validate(&self) -> Vec<WorkProblem> {
        let item = if self.code.is_empty() {
            self.id.clone()
        } else {
            format!("{}{}", self.kind.label_zh(), self.code)
        };
        let mut out = Vec::new();
        for (field, value) in [
            ("编号", &self.id),
            ("代码", &self.code),
            ("名称", &self.title),
            ("牵头单位", &self.lead_unit),
        ] {
            if value.trim().is_empty() {
                out.push(WorkProblem::Empty {
                    item: item.clone(),
                    field,
                });
            }
        }
        let mut seen = BTreeSet::new();
        for p in &self.partner_units {
            if *p == self.lead_unit {
                out.push(WorkProblem::LeadAlsoPartner {
                    item: item.clone(),
                    unit: p.clone(),
                });
            } else if !seen.insert(p.as_str()) {
                out.push(WorkProblem::DuplicatePartner {
                    item: item.clone(),
                    unit: p.clone(),
                });
            }
        }
        let mut ids = BTreeSet::new();
        for m in &self.milestones {
            if !ids.insert(m.id) {
                out.push(WorkProblem::DuplicateMilestone {
                    item: item.clone(),
                    id: m.id,
                });
            }
            if m.title.trim().is_empty() {
                out.push(WorkProblem::UntitledMilestone {
                    item: item.clone(),
                    id: m.id,
                });
            }
        }
        if self.kind == WorkKind::Task && !self.investment.is_empty() {
            out.push(WorkProblem::InvestmentOnTask { item: item.clone() });
        }
        let mut years = BTreeSet::new();
        for y in &self.investment {
            if !years.insert(y.year) {
                out.push(WorkProblem::DuplicateYear {
                    item: item.clone(),
                    year: y.year,
                });
            }
            let bad = |v: f64| !v.is_finite() || v < 0.0;
            if bad(y.planned_yi_yuan) {
                out.push(WorkProblem::BadInvestment {
                    item: item.clone(),
                    year: y.year,
                    what: "计划",
                    value: y.planned_yi_yuan,
                });
            }
            if let Some(c) = y.completed_yi_yuan.filter(|c| bad(*c)) {
                out.push(WorkProblem::BadInvestment {
                    item: item.clone(),
                    year: y.year,
                    what: "完成",
                    value: c,
                });
            }
        }
        for u in &self.updates {
            for a in &u.attachments {
                if a.sha256.len() != 64 || !a.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push(WorkProblem::BadChecksum {
                        item: item.clone(),
                        name: a.name.clone(),
                    });
                }
            }
        }
        out
    }
}

/// The task on-time rate of each lead unit, pooled over the milestones of the items it
/// leads: milestones done by their date ÷ milestones due by `today`. None for a unit
/// with nothing due (the ranking then scores the term as not applicable). Feeds
/// [`crate::manage::rank::TermKind::TaskOnTime`].
pub fn unit_on_time_rates(items: &[WorkItem], today: NaiveDate) -> BTreeMap<String, Option<f64>> {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for item in items {
        let e = counts.entry(item.lead_unit.as_str()).or_insert((0, 0));
        for m in item.milestones.iter().filter(|m| m.due <= today) {
            e.1 += 1;
            if m.done_on.is_some_and(|d| d <= m.due && d <= today) {
                e.0 += 1;
            }
        }
    }
    counts
        .into_iter()
        .map(|(u, (ok, due))| {
            let rate = (due > 0).then(|| ok as f64 / due as f64);
            (u.to_string(), rate)
        })
        .collect()
}

/// Where a milestone target (全覆盖, 动态清零, 100 % by a year: no derived path) stands
/// before its year, judged against the lead unit's dated plan for it — the work item of
/// the key task it was read from (methods §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneTrack {
    /// Every dated step done.
    Done,
    /// Steps remain, none past its date.
    OnTrack,
    /// A step is past its date and not done.
    Late,
    /// The unit has no dated plan for it yet.
    NoPlan,
}

impl MilestoneTrack {
    pub fn label_zh(self) -> &'static str {
        match self {
            MilestoneTrack::Done => "计划已完成",
            MilestoneTrack::OnTrack => "按计划推进",
            MilestoneTrack::Late => "计划节点滞后",
            MilestoneTrack::NoPlan => "未制定带日期计划",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MilestoneTrack::Done => "plan done",
            MilestoneTrack::OnTrack => "on track",
            MilestoneTrack::Late => "late",
            MilestoneTrack::NoPlan => "no dated plan",
        }
    }
}

/// Judges a milestone target on `today` against `item`'s dated steps: late as soon as one
/// step is past its date undone, done when every step is done, else on track.
pub fn milestone_track(item: Option<&WorkItem>, today: NaiveDate) -> MilestoneTrack {
    let Some(item) = item.filter(|i| !i.milestones.is_empty()) else {
        return MilestoneTrack::NoPlan;
    };
    if item.milestones.iter().any(|m| m.is_overdue(today)) {
        MilestoneTrack::Late
    } else if item.milestones.iter().all(|m| m.done_on.is_some()) {
        MilestoneTrack::Done
    } else {
        MilestoneTrack::OnTrack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{KeyTask, Project};

    #[test]
    fn a_milestone_target_on_time_late_and_done() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        let step = |id, due, done_on| Milestone {
            id,
            title: format!("节点{id}"),
            due,
            done_on,
            evidence: String::new(),
        };
        let mut item = WorkItem {
            id: "task:7.4".into(),
            kind: WorkKind::Task,
            code: "7.4".into(),
            title: "着力推进救助服务规范实施".into(),
            domain: None,
            lead_unit: "区民政局".into(),
            partner_units: vec![],
            measures: String::new(),
            milestones: vec![step(1, d(3, 31), Some(d(3, 20))), step(2, d(6, 30), None)],
            investment: vec![],
            updates: vec![],
            total_investment_yi_yuan: None,
        };
        assert_eq!(milestone_track(None, d(5, 1)), MilestoneTrack::NoPlan);
        assert_eq!(
            milestone_track(Some(&item), d(6, 30)),
            MilestoneTrack::OnTrack
        );
        assert_eq!(milestone_track(Some(&item), d(7, 1)), MilestoneTrack::Late);
        item.milestones[1].done_on = Some(d(7, 5));
        assert_eq!(milestone_track(Some(&item), d(7, 6)), MilestoneTrack::Done);
        item.milestones.clear();
        assert_eq!(
            milestone_track(Some(&item), d(7, 6)),
            MilestoneTrack::NoPlan
        );
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plan() -> Plan {
        Plan {
            code: "p".into(),
            name: "计划".into(),
            issuer: "区政府".into(),
            place: "330902".into(),
            published: String::new(),
            baseline_year: 2022,
            target_years: vec![2025, 2027],
            version: 1,
            domains: vec![],
            indicators: vec![],
            tasks: vec![KeyTask {
                code: "1.2".into(),
                domain: "YY".into(),
                title: "普惠托育".into(),
                lead_unit: "区卫健局".into(),
                partner_units: vec!["区教育局".into()],
                text: "新增托位 500 个".into(),
            }],
            projects: vec![Project {
                code: "P01".into(),
                name: "区妇幼保健院迁建".into(),
                domain: None,
                lead_unit: "区卫健局".into(),
                investment_yi_yuan: 3.5,
                start_year: Some(2024),
                end_year: Some(2026),
                sentence: "迁建妇幼保健院".into(),
            }],
            revisions: vec![],
        }
    }

    fn ms(id: u32, due: &str, done: Option<&str>) -> Milestone {
        Milestone {
            id,
            title: format!("节点{id}"),
            due: d(due),
            done_on: done.map(d),
            evidence: String::new(),
        }
    }

    #[test]
    fn from_plan_makes_one_item_each() {
        let items = WorkItem::from_plan(&plan());
        assert_eq!(items.len(), 2);
        let t = &items[0];
        assert_eq!(
            (t.id.as_str(), t.kind, t.code.as_str()),
            ("task:1.2", WorkKind::Task, "1.2")
        );
        assert_eq!(t.domain.as_deref(), Some("YY"));
        assert_eq!(t.partner_units, vec!["区教育局".to_string()]);
        assert_eq!(t.measures, "新增托位 500 个");
        let p = &items[1];
        assert_eq!((p.id.as_str(), p.kind), ("project:P01", WorkKind::Project));
        assert_eq!(p.title, "区妇幼保健院迁建");
        assert_eq!(p.total_investment_yi_yuan, Some(3.5));
        assert!(
            items
                .iter()
                .all(|i| i.milestones.is_empty() && i.validate().is_empty())
        );
    }

    #[test]
    fn milestones_overdue_and_on_time_rate() {
        let mut t = WorkItem::from_plan(&plan()).remove(0);
        assert_eq!(t.on_time_rate(d("2025-06-30")), None);
        t.milestones = vec![
            ms(1, "2025-03-31", Some("2025-03-30")), // on time
            ms(2, "2025-04-30", Some("2025-05-10")), // late
            ms(3, "2025-05-31", None),               // overdue
            ms(4, "2025-06-30", None),               // due today, not overdue yet
            ms(5, "2025-09-30", Some("2025-06-01")), // early, not due
        ];
        let today = d("2025-06-30");
        let over: Vec<u32> = t.overdue_milestones(today).iter().map(|m| m.id).collect();
        assert_eq!(over, vec![3]);
        assert_eq!(t.on_time_rate(today), Some(0.25));
        assert_eq!(t.next_milestone_id(), 6);
        assert!(ms(1, "2025-03-31", Some("2025-03-31")).done_on_time());
    }

    #[test]
    fn unit_rates_pool_milestones() {
        let mut items = WorkItem::from_plan(&plan());
        items[0].milestones = vec![
            ms(1, "2025-03-31", Some("2025-03-30")),
            ms(2, "2025-04-30", None),
        ];
        items[1].milestones = vec![
            ms(1, "2025-05-31", Some("2025-05-31")),
            ms(2, "2025-12-31", None),
        ];
        let mut other = items[0].clone();
        other.lead_unit = "区民政局".into();
        other.milestones = vec![ms(1, "2025-12-31", None)];
        items.push(other);
        let r = unit_on_time_rates(&items, d("2025-06-30"));
        assert_eq!(r["区卫健局"], Some(2.0 / 3.0));
        assert_eq!(r["区民政局"], None);
    }

    #[test]
    fn investment_progress() {
        let mut p = WorkItem::from_plan(&plan()).remove(1);
        p.investment = vec![
            YearInvestment {
                year: 2025,
                planned_yi_yuan: 2.0,
                completed_yi_yuan: Some(1.5),
            },
            YearInvestment {
                year: 2026,
                planned_yi_yuan: 1.0,
                completed_yi_yuan: None,
            },
            YearInvestment {
                year: 2024,
                planned_yi_yuan: 0.0,
                completed_yi_yuan: Some(0.2),
            },
        ];
        assert_eq!(p.investment_progress(2025), Some(0.75));
        assert_eq!(p.investment_progress(2026), None);
        assert_eq!(p.investment_progress(2024), None);
        assert_eq!(p.investment_progress(2030), None);
        assert!(p.validate().is_empty());
    }

    #[test]
    fn validate_lists_every_problem() {
        let mut t = WorkItem::from_plan(&plan()).remove(0);
        t.lead_unit = " ".into();
        t.partner_units = vec!["区教育局".into(), "区教育局".into()];
        t.milestones = vec![ms(1, "2025-01-01", None), ms(1, "2025-02-01", None)];
        t.milestones[1].title.clear();
        t.investment = vec![
            YearInvestment {
                year: 2025,
                planned_yi_yuan: -1.0,
                completed_yi_yuan: Some(f64::NAN),
            },
            YearInvestment {
                year: 2025,
                planned_yi_yuan: 1.0,
                completed_yi_yuan: Some(-0.5),
            },
        ];
        t.updates = vec![ProgressUpdate {
            at: d("2025-06-01").and_hms_opt(8, 0, 0).unwrap(),
            actor: "局".into(),
            text: "进展".into(),
            attachments: vec![AttachmentRef {
                id: "a1".into(),
                name: "照片.jpg".into(),
                size: 10,
                sha256: "xyz".into(),
            }],
        }];
        let problems = t.validate();
        let has = |f: &dyn Fn(&WorkProblem) -> bool| problems.iter().any(f);
        assert!(has(&|p| matches!(
            p,
            WorkProblem::Empty {
                field: "牵头单位",
                ..
            }
        )));
        assert!(has(&|p| matches!(p, WorkProblem::DuplicatePartner { .. })));
        assert!(has(&|p| matches!(
            p,
            WorkProblem::DuplicateMilestone { id: 1, .. }
        )));
        assert!(has(&|p| matches!(p, WorkProblem::UntitledMilestone { .. })));
        assert!(has(&|p| matches!(
            p,
            WorkProblem::DuplicateYear { year: 2025, .. }
        )));
        assert!(has(&|p| matches!(p, WorkProblem::InvestmentOnTask { .. })));
        assert_eq!(
            problems
                .iter()
                .filter(|p| matches!(p, WorkProblem::BadInvestment { .. }))
                .count(),
            3
        );
        assert!(has(&|p| matches!(p, WorkProblem::BadChecksum { .. })));
        for p in &problems {
            serde_json::to_string(p).unwrap();
        }
        let msg = problems[0].to_string();
        assert!(msg.starts_with("重点任务1.2"), "{msg}");
    }

    #[test]
    fn serde_round_trip() {
        let mut t = WorkItem::from_plan(&plan()).remove(1);
        t.milestones.push(ms(1, "2025-03-31", None));
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains("\"kind\":\"project\""));
        assert_eq!(serde_json::from_str::<WorkItem>(&json).unwrap(), t);
    }
}
