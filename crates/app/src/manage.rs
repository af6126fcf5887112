//! The management loop as a service: work items (清单化管理), weekly plans (周计划), the
//! monthly ranking (月排名), supervision orders (随时督办), causes and measures of lagging
//! indicators, and the in-app inbox. The rules live in `youxiang_core::manage`; this module
//! checks who may do what, stores the records (every change audited by the store) and
//! raises orders and notices when the figures call for them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use youxiang_core::completeness::Window;
use youxiang_core::eval::{Judged, Light};
pub use youxiang_core::manage::RankBy;
use youxiang_core::manage::{
    ActionKind, EscalationRule, FilerKind, IndicatorInput, IsoWeek, Order, OrderAction, OrderDraft,
    OrderSource, OrderState, RankRule, Ranking, TermKind, UnitInput, UnitOrderStats, WeekItem,
    WeekLink, WeekView, WeeklyPlan, WorkItem, flag_runs, rank, unit_on_time_rates, unit_stats,
};
use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::permission;
use youxiang_core::place::Level;
use youxiang_core::plan::Polarity;
use youxiang_core::scope::{Reporter, Role};
use youxiang_store::{Record, RecordFilter, RecordWrite, StoreError};

use crate::quarterly::latest_by;
use crate::{App, AppError, Result};

pub const KIND_WORK: &str = "work";
pub const KIND_WEEKLY: &str = "weekly";
pub const KIND_ORDER: &str = "order";
pub const KIND_NOTICE: &str = "notice";
pub const KIND_LAG_NOTE: &str = "lag_note";
pub const KIND_RANKING: &str = "ranking";
pub const KIND_CONFIG: &str = "config";
pub const KIND_PROFILE: &str = "profile";

const CONFIG_ID: &str = "manage";

/// A stored value with the version to quote when changing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versioned<T> {
    pub version: i64,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
    #[serde(flatten)]
    pub item: T,
}

pub(crate) fn versioned<T: serde::de::DeserializeOwned>(r: &Record) -> Result<Versioned<T>> {
    Ok(Versioned {
        version: r.version,
        updated_at: r.updated_at,
        updated_by: r.updated_by.clone(),
        item: r.decode()?,
    })
}

/// The configuration of the management loop, kept in the database and changed by the
/// programme office: the ranking rule, reminders and escalation, and when orders are
/// raised by themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManageConfig {
    pub rank: RankRule,
    pub escalation: EscalationRule,
    /// Raise an order when a headline indicator's light turns red at the district or a town.
    pub auto_red_light: bool,
    /// Raise an order for a unit in the bottom of the ranking N months running (the rule's
    /// `bottom_n` and `consecutive_months`), when a ranking is published.
    pub auto_bottom_rank: bool,
    /// Days a unit has to answer an order raised automatically.
    pub auto_order_days: u32,
}

impl Default for ManageConfig {
    fn default() -> Self {
        ManageConfig {
            rank: RankRule::default(),
            escalation: EscalationRule::default(),
            auto_red_light: true,
            auto_bottom_rank: true,
            auto_order_days: 15,
        }
    }
}

/// Whether a figure reported every `kind` was due by `end`: some period of that kind in
/// `end`'s year has ended by then. An annual figure is not due within its year, so a
/// ranking in June never counts it as missing (缺报).
pub(crate) fn due_by(kind: PeriodKind, end: NaiveDate) -> bool {
    match Period::containing(kind, end) {
        Ok(p) => {
            p.end() <= end
                || p.pred()
                    .is_some_and(|q| q.year() == end.year() && q.end() <= end)
        }
        Err(_) => true,
    }
}

/// The year's investment of each project `unit` leads as the ranking reads it (methods
/// §4 on the §2 light): the year's planned amount is the target, the completed so far the
/// figure as of the month's end. A project planning nothing that year, or terminated, is
/// not scored; one planning but not reporting is a due figure without data.
fn project_inputs(
    projects: &[youxiang_core::manage::projects::MajorProject],
    unit: &str,
    end: NaiveDate,
    bands: &youxiang_core::eval::LightBands,
) -> Vec<IndicatorInput> {
    projects
        .iter()
        .filter(|p| p.lead_unit == unit)
        .filter_map(|p| {
            let s = p.year_schedule_on(end.year(), end, bands)?;
            let actual = p
                .year(end.year())
                .and_then(|y| y.completed_on(end))
                .map(|(done, _)| done);
            Some(IndicatorInput {
                indicator: p.code.clone(),
                domain: p.domain.clone(),
                lower_is_better: false,
                actual,
                expected: actual.and(s.expected),
                judged: (s.light != Light::Grey).then(|| Judged::from_schedule(&s, false)),
                due: true,
            })
        })
        .collect()
}

/// What a ranking reads besides the figures.
struct RankData {
    config: ManageConfig,
    orders: Vec<Order>,
    works: Vec<WorkItem>,
    /// The register of major projects: a department answers for the year's investment of
    /// the projects it leads, each scored like an indicator of its domain.
    projects: Vec<youxiang_core::manage::projects::MajorProject>,
    /// The submitted and approved reports and when they were written.
    received: HashMap<youxiang_core::value::ValueKey, NaiveDateTime>,
}

/// A month's ranking with the months before it in the year, for the history and the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingReport {
    pub by: RankBy,
    pub month: Period,
    /// The rule in words, printed with every ranking.
    pub rule_zh: String,
    pub rule_en: String,
    pub ranking: Ranking,
    /// Rank of every unit in each month of the year up to `month`, oldest first.
    pub history: Vec<(Period, BTreeMap<String, Option<u32>>)>,
    /// Units in the bottom for the configured run of months (to be supervised).
    pub flagged: Vec<String>,
    /// When this month's ranking was published, if it was.
    pub published_at: Option<NaiveDateTime>,
}

/// A unit's cause and measures for an indicator that lags (for the quarterly analysis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LagNote {
    pub indicator: String,
    pub place: String,
    /// The period the note answers for (a quarter or a month).
    pub period: Period,
    pub unit: String,
    pub cause: String,
    pub measure: String,
    pub at: NaiveDateTime,
    pub by: String,
}

/// What an inbox message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    NewOrder,
    OrderChanged,
    DeadlineSoon,
    Overdue,
    RedLight,
    Rejected,
}

impl NoticeKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            NoticeKind::NewOrder => "新督办单",
            NoticeKind::OrderChanged => "督办单进展",
            NoticeKind::DeadlineSoon => "即将到期",
            NoticeKind::Overdue => "已逾期",
            NoticeKind::RedLight => "红灯预警",
            NoticeKind::Rejected => "数据被退回",
        }
    }
}

/// One message in a user's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub login: String,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// The page it is about, e.g. `/orders/DB-2025-0001`.
    pub link: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    /// What happened to the e-mail copy, when SMTP is configured.
    #[serde(default)]
    pub email: Option<String>,
}

/// A user's e-mail address for notices (optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub email: Option<String>,
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    pub raised: Vec<String>,
    pub reminders: usize,
    pub escalations: usize,
}

/// Which orders to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderFilter {
    pub unit: Option<String>,
    pub state: Option<OrderState>,
    /// Only open orders past their deadline on `today`.
    pub overdue: bool,
}

pub(crate) fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Today in Beijing: the day deadlines and due dates are judged by.
pub fn today() -> NaiveDate {
    youxiang_core::china_time::beijing_date(now())
}

pub(crate) fn forbid(who: &Reporter, what: &str) -> AppError {
    AppError::Forbidden(vec![format!(
        "{}({})无权{what}",
        who.name,
        who.role.label_zh()
    )])
}

fn state_code(s: OrderState) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn audit_action(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Assign => "order.assign",
        ActionKind::Accept => "order.accept",
        ActionKind::RequestExtension => "order.request_extension",
        ActionKind::DecideExtension => "order.decide_extension",
        ActionKind::Feedback => "order.feedback",
        ActionKind::Approve => "order.approve",
        ActionKind::Return => "order.return",
    }
}

fn month_end(month: Period) -> NaiveDate {
    month.end()
}

/// The month before, or None in January (a ranking compares within the year).
fn previous_month(month: Period) -> Option<Period> {
    month.pred().filter(|p| p.year() == month.year())
}

impl App {
    // ---- configuration ---------------------------------------------------------------

    /// The stored configuration, or the defaults.
    pub async fn manage_config(&self) -> Result<ManageConfig> {
        match self.db().get_record(KIND_CONFIG, CONFIG_ID).await? {
            Some(r) => Ok(r.decode()?),
            None => Ok(ManageConfig::default()),
        }
    }

    /// Replaces the configuration (programme office); audited with old and new.
    pub async fn set_manage_config(&self, login: &str, config: &ManageConfig) -> Result<()> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "修改排名规则和督办设置"));
        }
        let mut problems = Vec::new();
        if !(config.rank.cap.is_finite() && config.rank.cap >= 1.0) {
            problems.push(format!(
                "单项得分上限(绿灯档上限){} 应不小于 1",
                config.rank.cap
            ));
        }
        for (d, w) in &config.rank.domain_weights {
            if !(w.is_finite() && *w >= 0.0) {
                problems.push(format!("领域“{d}”的权重 {w} 应为非负数"));
            }
        }
        for t in &config.rank.terms {
            if !(t.points.is_finite() && t.points >= 0.0) {
                problems.push(format!(
                    "{} 的分值 {} 应为非负数",
                    t.kind.label_zh(),
                    t.points
                ));
            }
        }
        if config.rank.consecutive_months == 0 {
            problems.push("连续月数应至少为 1".into());
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let stored = self.db().get_record(KIND_CONFIG, CONFIG_ID).await?;
        let w = RecordWrite::of(
            KIND_CONFIG,
            CONFIG_ID,
            config,
            stored.map(|r| r.version),
            "config.manage",
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    // ---- work items (清单化管理) -------------------------------------------------------

    /// Where each milestone target (全覆盖, 动态清零, 100 % by a year: no derived path,
    /// methods §2) stands on the app's day against the dated plan of the key task it was
    /// read from, by indicator code.
    pub async fn milestone_tracks(
        &self,
    ) -> Result<BTreeMap<String, youxiang_core::manage::MilestoneTrack>> {
        let items = self.work_items().await?;
        let today = self.today();
        let plan = self.read().plan.clone();
        Ok(plan
            .task_indicators()
            .filter(|i| i.has_milestone_target())
            .map(|i| {
                let item = i.task_code().and_then(|t| {
                    let id = format!("task:{t}");
                    items.iter().find(|w| w.item.id == id)
                });
                let track = youxiang_core::manage::milestone_track(item.map(|w| &w.item), today);
                (i.code.clone(), track)
            })
            .collect())
    }

    /// Every key task and major project: the stored ones, and those of the plan not yet
    /// edited (version 0).
    pub async fn work_items(&self) -> Result<Vec<Versioned<WorkItem>>> {
        let stored = self
            .db()
            .list_records(&RecordFilter::kind(KIND_WORK))
            .await?;
        let mut by_id: BTreeMap<String, Versioned<WorkItem>> = BTreeMap::new();
        for r in &stored {
            by_id.insert(r.id.clone(), versioned(r)?);
        }
        let plan = self.read().plan.clone();
        let mut out = Vec::new();
        for item in WorkItem::from_plan(&plan) {
            match by_id.remove(&item.id) {
                Some(v) => out.push(v),
                None => out.push(Versioned {
                    version: 0,
                    updated_at: NaiveDateTime::default(),
                    updated_by: String::new(),
                    item,
                }),
            }
        }
        out.extend(by_id.into_values());
        Ok(out)
    }

    pub async fn work_item(&self, id: &str) -> Result<Versioned<WorkItem>> {
        self.work_items()
            .await?
            .into_iter()
            .find(|w| w.item.id == id)
            .ok_or_else(|| AppError::NotFound(format!("任务/项目“{id}”")))
    }

    /// Saves a work item (measures, milestones, investment), checked by
    /// [`WorkItem::validate`]. `version` is the one read (0 for a plan item not yet
    /// stored). The office, or the lead or a partner unit.
    pub async fn save_work_item(
        &self,
        login: &str,
        item: WorkItem,
        version: i64,
    ) -> Result<Versioned<WorkItem>> {
        self.save_work_item_with_files(login, item, version, &[])
            .await
    }

    /// `save_work_item` and the files its updates refer to, in one transaction.
    async fn save_work_item_with_files(
        &self,
        login: &str,
        item: WorkItem,
        version: i64,
        files: &[youxiang_store::NewAttachment],
    ) -> Result<Versioned<WorkItem>> {
        let who = self.user(login)?;
        let current = self.work_item(&item.id).await.ok();
        let owner_check = current.as_ref().map(|c| &c.item).unwrap_or(&item);
        if !permission::may_edit_work_item(&who, owner_check) {
            return Err(forbid(&who, &format!("修改“{}”", item.title)));
        }
        if let Some(c) = &current
            && !who.role.is_office()
            && (c.item.lead_unit != item.lead_unit || c.item.partner_units != item.partner_units)
        {
            return Err(forbid(&who, "更改牵头和配合单位"));
        }
        let problems = item.validate();
        if !problems.is_empty() {
            return Err(AppError::Invalid(
                problems.iter().map(|p| p.to_string()).collect(),
            ));
        }
        let w = RecordWrite::of(
            KIND_WORK,
            &item.id,
            &item,
            (version > 0).then_some(version),
            "work.save",
        )?
        .unit(&item.lead_unit);
        let saved = self.db().put_records_with_files(&[w], files, login).await?;
        versioned(&saved[0])
    }

    /// Adds a progress update with evidence files (name, MIME type, bytes): the update and
    /// its files are kept in one transaction.
    pub async fn add_progress(
        &self,
        login: &str,
        id: &str,
        text: &str,
        files: Vec<(String, String, Vec<u8>)>,
    ) -> Result<Versioned<WorkItem>> {
        let who = self.user(login)?;
        let mut current = self.work_item(id).await?;
        if !permission::may_edit_work_item(&who, &current.item) {
            return Err(forbid(&who, &format!("填报“{}”的进展", current.item.title)));
        }
        if text.trim().is_empty() {
            return Err(AppError::Invalid(vec!["进展说明不能为空".into()]));
        }
        let mut attachments = Vec::new();
        let mut kept = Vec::new();
        for (name, mime, bytes) in files {
            let sha256 = youxiang_store::attachment_id(&bytes);
            attachments.push(youxiang_core::manage::AttachmentRef {
                id: sha256.clone(),
                name: name.clone(),
                size: bytes.len() as u64,
                sha256,
            });
            kept.push(youxiang_store::NewAttachment { name, mime, bytes });
        }
        current
            .item
            .updates
            .push(youxiang_core::manage::ProgressUpdate {
                at: self.now(),
                actor: login.to_string(),
                text: text.trim().to_string(),
                attachments,
            });
        let version = current.version;
        self.save_work_item_with_files(login, current.item, version, &kept)
            .await
    }

    /// Work items with milestones past due and not done on `today`.
    pub async fn overdue_work(&self, today: NaiveDate) -> Result<Vec<Versioned<WorkItem>>> {
        Ok(self
            .work_items()
            .await?
            .into_iter()
            .filter(|w| !w.item.overdue_milestones(today).is_empty())
            .collect())
    }

    // ---- weekly plans (周计划) ---------------------------------------------------------

    /// The departments expected to file weekly plans: the lead units of the plan's
    /// indicators and tasks.
    pub fn departments(&self) -> Vec<String> {
        let state = self.read();
        let mut units: BTreeSet<String> = state
            .plan
            .indicators
            .iter()
            .map(|i| i.lead_unit.clone())
            .collect();
        units.extend(state.plan.tasks.iter().map(|t| t.lead_unit.clone()));
        units.retain(|u| !u.trim().is_empty());
        units.into_iter().collect()
    }

    /// Who is expected to file weekly plans: the departments, then the towns (镇街) of the
    /// plan's place, in the tree's order.
    pub fn weekly_filers(&self) -> Vec<(String, FilerKind)> {
        let mut out: Vec<(String, FilerKind)> = self
            .departments()
            .into_iter()
            .map(|u| (u, FilerKind::Department))
            .collect();
        let state = self.read();
        if let Some(root) = state.tree.id(&state.plan.place) {
            out.extend(
                state
                    .tree
                    .children(root)
                    .iter()
                    .map(|t| state.tree.get(*t))
                    .filter(|t| t.level == Level::Town)
                    .map(|t| (t.name.clone(), FilerKind::Town)),
            );
        }
        out
    }

    /// Why the items' links do not stand, one line per item: each must name an existing
    /// task or project, or an order the filer may see.
    async fn weekly_link_problems(&self, login: &str, items: &[WeekItem]) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut works = None;
        for (i, item) in items.iter().enumerate() {
            match item.link() {
                None => {}
                Some(WeekLink::Work(id)) => {
                    if works.is_none() {
                        works = Some(self.work_items().await?);
                    }
                    if !works.iter().flatten().any(|w| w.item.id == id) {
                        problems.push(format!("第 {} 项:关联的任务或项目“{id}”不存在", i + 1));
                    }
                }
                Some(WeekLink::Order(id)) => match self.order(login, id).await {
                    Ok(_) => {}
                    Err(AppError::NotFound(_)) => problems.push(format!(
                        "第 {} 项:关联的督办单“{id}”不存在(任务写作 task:编号,项目写作 project:编号)",
                        i + 1
                    )),
                    Err(AppError::Forbidden(_)) => {
                        problems.push(format!("第 {} 项:无权关联督办单“{id}”", i + 1))
                    }
                    Err(e) => return Err(e),
                },
            }
        }
        Ok(problems)
    }

    /// Files (or refiles) a unit's plan for a week. A reporter files for their own unit
    /// (a department or a town); the office for any. Each item may name the task, project
    /// or order it advances. Items of last week not done are carried over when the plan
    /// does not list them already.
    pub async fn file_weekly(
        &self,
        login: &str,
        unit: &str,
        week: IsoWeek,
        items: Vec<WeekItem>,
    ) -> Result<Versioned<WeeklyPlan>> {
        let who = self.user(login)?;
        if !permission::may_write_for_unit(&who, unit) {
            return Err(forbid(&who, &format!("填报“{unit}”的周计划")));
        }
        let mut problems = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if item.text.trim().is_empty() {
                problems.push(format!("第 {} 项:内容不能为空", i + 1));
            }
        }
        if items.is_empty() {
            problems.push("周计划至少要有一项".into());
        }
        problems.extend(self.weekly_link_problems(login, &items).await?);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let mut items = items;
        if let Some(prev) = self
            .db()
            .get_record(KIND_WEEKLY, &weekly_id(week.previous(), unit))
            .await?
        {
            let prev: WeeklyPlan = prev.decode()?;
            for carried in youxiang_core::manage::carry_over(&prev) {
                if !items.iter().any(|i| i.text.trim() == carried.text.trim()) {
                    items.push(carried);
                }
            }
        }
        let plan = WeeklyPlan {
            unit: unit.to_string(),
            week,
            items,
            filed_at: self.now(),
            filed_by: login.to_string(),
        };
        let id = weekly_id(week, unit);
        let stored = self.db().get_record(KIND_WEEKLY, &id).await?;
        let w = RecordWrite::of(
            KIND_WEEKLY,
            &id,
            &plan,
            stored.map(|r| r.version),
            "weekly.file",
        )?
        .unit(unit);
        let saved = self.db().put_records(&[w], login).await?;
        versioned(&saved[0])
    }

    /// One unit's plan for a week, if filed.
    pub async fn weekly_plan(&self, unit: &str, week: IsoWeek) -> Result<Option<WeeklyPlan>> {
        Ok(self
            .db()
            .get_record(KIND_WEEKLY, &weekly_id(week, unit))
            .await?
            .map(|r| r.decode())
            .transpose()?)
    }

    /// The programme office's week view: every department and town, filed or not.
    pub async fn week_view(&self, week: IsoWeek) -> Result<(WeekView, Vec<WeeklyPlan>)> {
        let filter = RecordFilter {
            id_prefix: Some(format!("{week}|")),
            ..RecordFilter::kind(KIND_WEEKLY)
        };
        let plans: Vec<WeeklyPlan> = self
            .db()
            .list_records(&filter)
            .await?
            .iter()
            .map(|r| r.decode())
            .collect::<std::result::Result<_, _>>()?;
        Ok((WeekView::build(week, &self.weekly_filers(), &plans), plans))
    }

    // ---- lag notes (原因和措施) ---------------------------------------------------------

    /// The cause and measures of a lagging indicator at a place, written by its lead unit
    /// (within its scope) or the office (`permission::may_write_lag_note`); checked by
    /// `problems::check_note`.
    pub async fn save_lag_note(
        &self,
        login: &str,
        indicator: &str,
        place: &str,
        period: Period,
        cause: &str,
        measure: &str,
    ) -> Result<LagNote> {
        let who = self.user(login)?;
        {
            let state = self.read();
            let Some(ind) = state.plan.indicator(indicator) else {
                return Err(AppError::NotFound(format!("指标“{indicator}”")));
            };
            let Some(p) = state.tree.id(place) else {
                return Err(AppError::NotFound(format!("地点“{place}”")));
            };
            if !permission::may_write_lag_note(&who, &state.tree, p, ind) {
                return Err(forbid(
                    &who,
                    &format!(
                        "填写 {indicator} 在 {place} 的原因和措施(限牵头单位“{}”或工作专班)",
                        ind.lead_unit
                    ),
                ));
            }
        }
        let problems = crate::problems::check_note(period, cause, measure);
        if !problems.is_empty() {
            return Err(AppError::Invalid(
                problems.into_iter().map(|(_, m)| m).collect(),
            ));
        }
        let note = LagNote {
            indicator: indicator.to_string(),
            place: place.to_string(),
            period,
            unit: who.unit.clone(),
            cause: cause.trim().to_string(),
            measure: measure.trim().to_string(),
            at: self.now(),
            by: login.to_string(),
        };
        let id = format!("{period}|{indicator}|{place}");
        let stored = self.db().get_record(KIND_LAG_NOTE, &id).await?;
        let w = RecordWrite::of(
            KIND_LAG_NOTE,
            &id,
            &note,
            stored.map(|r| r.version),
            "lag_note.save",
        )?
        .unit(&who.unit);
        self.db().put_records(&[w], login).await?;
        Ok(note)
    }

    /// The notes of a period (all when None).
    pub async fn lag_notes(&self, period: Option<Period>) -> Result<Vec<LagNote>> {
        let filter = RecordFilter {
            id_prefix: period.map(|p| format!("{p}|")),
            ..RecordFilter::kind(KIND_LAG_NOTE)
        };
        Ok(self
            .db()
            .list_records(&filter)
            .await?
            .iter()
            .map(|r| r.decode())
            .collect::<std::result::Result<_, _>>()?)
    }

    // ---- ranking (月排名) --------------------------------------------------------------

    /// The units ranked: the towns under the plan's place, or the lead departments.
    pub fn rank_units(&self, by: RankBy) -> Vec<(String, String)> {
        let state = self.read();
        match by {
            RankBy::Town => {
                let Some(root) = state.tree.id(&state.plan.place) else {
                    return Vec::new();
                };
                state
                    .tree
                    .children(root)
                    .iter()
                    .map(|t| state.tree.get(*t))
                    .filter(|t| t.level == Level::Town)
                    .map(|t| (t.name.clone(), t.code.clone()))
                    .collect()
            }
            RankBy::Department => {
                // The lead units of the table's indicators and of the key tasks' targets.
                let mut units: BTreeSet<String> = BTreeSet::new();
                for i in &state.plan.indicators {
                    units.insert(i.lead_unit.clone());
                }
                units
                    .into_iter()
                    .map(|u| (u, state.plan.place.clone()))
                    .collect()
            }
        }
    }

    /// The inputs of a month's ranking: for each unit and each headline indicator in its
    /// scope, the latest figure of the year up to the month and the value the schedule
    /// expected then; the extra terms' rates.
    pub async fn rank_inputs(&self, by: RankBy, month: Period) -> Result<Vec<UnitInput>> {
        let data = self.rank_data().await?;
        self.rank_inputs_with(&data, by, month)
    }

    /// What every month's ranking reads besides the figures, loaded once.
    async fn rank_data(&self) -> Result<RankData> {
        let values = self.db().load_values().await?;
        Ok(RankData {
            config: self.manage_config().await?,
            orders: self.orders_all().await?,
            works: self
                .work_items()
                .await?
                .into_iter()
                .map(|w| w.item)
                .collect(),
            projects: self.projects().await?.into_iter().map(|p| p.item).collect(),
            // The ranking is published: a draft is not a report to it (it counts once
            // submitted, at the time it was written), so writing drafts never moves a rank.
            received: values
                .into_iter()
                .filter(crate::is_official)
                .map(|o| (o.key, o.reported_at))
                .collect(),
        })
    }

    fn rank_inputs_with(
        &self,
        data: &RankData,
        by: RankBy,
        month: Period,
    ) -> Result<Vec<UnitInput>> {
        if month.kind() != PeriodKind::Month {
            return Err(AppError::Invalid(vec![format!(
                "排名按月进行:“{month}”不是月份(如 2025-06)"
            )]));
        }
        let end = month_end(month);
        let config = &data.config;
        let order_rates: HashMap<String, Option<f64>> = unit_stats(&data.orders, end)
            .into_iter()
            .map(|s| (s.unit, s.closure_rate))
            .collect();
        let task_rates = unit_on_time_rates(&data.works, end);
        let timeliness = self.timeliness(data, month);
        let units = self.rank_units(by);
        let state = self.read();
        let mut inputs = Vec::new();
        // A department answers for its key-task targets too; towns for the table's.
        let headline: Vec<_> = state
            .plan
            .indicators
            .iter()
            .filter(|i| i.is_table_row() || matches!(by, RankBy::Department))
            .collect();
        // For towns, only indicators some town reports that year take part.
        let town_indicators: BTreeSet<String> = headline
            .iter()
            .filter(|i| {
                units
                    .iter()
                    .any(|(_, code)| latest_by(&state, &i.code, code, month.end()).is_some())
            })
            .map(|i| i.code.clone())
            .collect();
        for (unit, place) in &units {
            let mut indicators = Vec::new();
            for ind in &headline {
                let in_scope = match by {
                    RankBy::Department => ind.lead_unit == *unit,
                    RankBy::Town => town_indicators.contains(&ind.code),
                };
                // 无分解目标: a summed indicator not decomposed to the town does not rank it
                // (neither for nor against; methods §8).
                let undecomposed = by == RankBy::Town
                    && matches!(
                        state.official.target_at(&ind.code, place, month.year()),
                        Some(youxiang_core::decompose::PlaceTarget::Undecomposed)
                    );
                if !in_scope || undecomposed {
                    continue;
                }
                let (actual, expected, judged) =
                    match latest_by(&state, &ind.code, place, month.end()) {
                        Some(p) => {
                            // Accountability: the official figures only, whoever asks.
                            let e = state.official.explain(&ind.code, place, p);
                            let value = e.as_ref().and_then(|e| e.value);
                            let schedule = e.and_then(|e| e.schedule);
                            let expected = schedule.as_ref().and_then(|s| s.expected);
                            // The score follows the light (methods §4): a grey one is no data.
                            let judged = schedule
                                .filter(|s| s.light != Light::Grey)
                                .map(|s| Judged::from_schedule(&s, ind.milestone));
                            (value, expected, judged)
                        }
                        None => (None, None, None),
                    };
                indicators.push(IndicatorInput {
                    indicator: ind.code.clone(),
                    domain: ind.domain.clone(),
                    lower_is_better: ind.polarity == Polarity::LowerIsBetter,
                    actual,
                    expected: actual.and(expected),
                    judged: actual.and(judged),
                    due: due_by(ind.frequency, month.end()),
                });
            }
            if by == RankBy::Department {
                indicators.extend(project_inputs(
                    &data.projects,
                    unit,
                    end,
                    &state.official.config().bands,
                ));
            }
            let mut term_rates = BTreeMap::new();
            for term in &config.rank.terms {
                let rate = match term.kind {
                    TermKind::TaskOnTime => task_rates.get(unit).copied().flatten(),
                    TermKind::OrderClosure => order_rates.get(unit).copied().flatten(),
                    TermKind::Timeliness => timeliness.get(unit).copied().flatten(),
                };
                term_rates.insert(term.kind, rate);
            }
            inputs.push(UnitInput {
                unit: unit.clone(),
                indicators,
                term_rates,
            });
        }
        Ok(inputs)
    }

    /// On-time share of each unit's reports due in the month (None when none were due).
    fn timeliness(&self, data: &RankData, month: Period) -> HashMap<String, Option<f64>> {
        let to = month.end();
        let state = self.read();
        let rows = youxiang_core::completeness::completeness(
            &state.plan,
            &state.tree,
            &state.reporters,
            &data.received,
            Window {
                from: month.start(),
                to,
                today: to + Duration::days(60),
                due_days: 10,
            },
        );
        let mut sums: HashMap<String, (usize, usize)> = HashMap::new();
        for r in rows {
            let e = sums.entry(r.unit).or_default();
            e.0 += r.on_time;
            e.1 += r.expected;
        }
        sums.into_iter()
            .map(|(u, (on_time, expected))| {
                (u, (expected > 0).then(|| on_time as f64 / expected as f64))
            })
            .collect()
    }

    /// A month's ranking with its history in the year and the units to supervise.
    pub async fn ranking(&self, by: RankBy, month: Period) -> Result<RankingReport> {
        let data = self.rank_data().await?;
        let mut config = data.config.clone();
        // The scores are placed in the bands the lights were judged by.
        config.rank.bands = self.read().official.config().bands;
        let mut months = vec![month];
        let mut m = month;
        while let Some(p) = previous_month(m) {
            months.push(p);
            m = p;
        }
        months.reverse();
        let mut rankings: Vec<Ranking> = Vec::new();
        let mut history = Vec::new();
        for m in &months {
            let inputs = self.rank_inputs_with(&data, by, *m)?;
            let r = rank(&config.rank, &inputs, rankings.last());
            history.push((
                *m,
                r.rows
                    .iter()
                    .map(|row| (row.unit.clone(), row.rank))
                    .collect(),
            ));
            rankings.push(r);
        }
        let flagged = flag_runs(&rankings, &config.rank);
        let published_at = self
            .db()
            .get_record(KIND_RANKING, &ranking_id(by, month))
            .await?
            .map(|r| r.created_at);
        Ok(RankingReport {
            by,
            month,
            rule_zh: config.rank.describe_zh(),
            rule_en: config.rank.describe_en(),
            ranking: rankings.pop().unwrap_or(Ranking {
                rule: config.rank.clone(),
                rows: Vec::new(),
            }),
            history,
            flagged,
            published_at,
        })
    }

    /// Publishes a month's ranking (kept as it was computed, audited) and raises orders
    /// for the units in the bottom the configured run of months.
    pub async fn publish_ranking(
        &self,
        login: &str,
        by: RankBy,
        month: Period,
    ) -> Result<(RankingReport, Vec<String>)> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "发布排名"));
        }
        let report = self.ranking(by, month).await?;
        let id = ranking_id(by, month);
        let stored = self.db().get_record(KIND_RANKING, &id).await?;
        let w = RecordWrite::of(
            KIND_RANKING,
            &id,
            &report,
            stored.map(|r| r.version),
            "ranking.publish",
        )?;
        let published = self.db().put_records(&[w], login).await?;
        let config = self.manage_config().await?;
        let mut raised = Vec::new();
        if config.auto_bottom_rank && !report.flagged.is_empty() {
            let mut existing = self.orders_all().await?;
            for unit in &report.flagged {
                // This month's reason (排名后3位, 排名末位, 缺报), in the group's own terms.
                let why = report
                    .ranking
                    .row(unit)
                    .and_then(|row| report.ranking.reason_zh(row))
                    .unwrap_or_else(|| "排名靠后".into());
                let source = OrderSource::BottomRank {
                    by: by.as_str().into(),
                    month: month.to_string(),
                    unit: unit.clone(),
                };
                let draft = OrderDraft {
                    id: String::new(),
                    title: format!(
                        "【排名督办】{unit}连续{}个月{why}",
                        config.rank.consecutive_months
                    ),
                    body: format!(
                        "{unit}截至{}的{}月排名中连续{}个月{why},请分析原因、制定整改措施并按期反馈。",
                        month.label_zh(),
                        by.label_zh(),
                        config.rank.consecutive_months
                    ),
                    source,
                    lead_unit: unit.clone(),
                    partner_units: Vec::new(),
                    deadline: self.today() + Duration::days(config.auto_order_days as i64),
                };
                if let Some(id) = self.raise_automatic(draft, &mut existing).await? {
                    raised.push(id);
                }
            }
        }
        let mut report = report;
        report.published_at = Some(published[0].created_at);
        Ok((report, raised))
    }

    // ---- supervision orders (随时督办) -------------------------------------------------

    async fn orders_all(&self) -> Result<Vec<Order>> {
        Ok(self
            .db()
            .list_records(&RecordFilter::kind(KIND_ORDER))
            .await?
            .iter()
            .map(|r| r.decode())
            .collect::<std::result::Result<_, _>>()?)
    }

    /// Orders the user may see: all for the office and viewers, else those of the user's
    /// unit (lead or partner).
    pub async fn orders(
        &self,
        login: &str,
        filter: &OrderFilter,
        today: NaiveDate,
    ) -> Result<Vec<Versioned<Order>>> {
        let who = self.user(login)?;
        let records = self
            .db()
            .list_records(&RecordFilter::kind(KIND_ORDER))
            .await?;
        let mut out = Vec::new();
        for r in &records {
            let o: Versioned<Order> = versioned(r)?;
            if !permission::may_see_order(&who, &o.item) {
                continue;
            }
            if let Some(u) = &filter.unit
                && !permission::is_party(u, &o.item.lead_unit, &o.item.partner_units)
            {
                continue;
            }
            if filter.state.is_some_and(|s| s != o.item.state) {
                continue;
            }
            if filter.overdue && !(o.item.state.is_open() && o.item.is_overdue(today)) {
                continue;
            }
            out.push(o);
        }
        out.sort_by(|a, b| b.item.id.cmp(&a.item.id));
        Ok(out)
    }

    /// One order, if the user may see it.
    pub async fn order(&self, login: &str, id: &str) -> Result<Versioned<Order>> {
        let who = self.user(login)?;
        let r = self
            .db()
            .get_record(KIND_ORDER, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("督办单“{id}”")))?;
        let o: Versioned<Order> = versioned(&r)?;
        if !permission::may_see_order(&who, &o.item) {
            return Err(forbid(&who, &format!("查看督办单 {id}")));
        }
        Ok(o)
    }

    async fn next_order_id(&self, year: i32) -> Result<String> {
        let prefix = format!("DB-{year}-");
        let filter = RecordFilter {
            id_prefix: Some(prefix.clone()),
            ..RecordFilter::kind(KIND_ORDER)
        };
        let n = self
            .db()
            .list_records(&filter)
            .await?
            .iter()
            .filter_map(|r| r.id[prefix.len()..].parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        Ok(format!("{prefix}{:04}", n + 1))
    }

    async fn store_new_order(&self, order: &Order, actor: &str) -> Result<()> {
        let w = RecordWrite::of(KIND_ORDER, &order.id, order, None, "order.raise")?
            .unit(&order.lead_unit)
            .state(&state_code(order.state))
            .due(Some(order.deadline))
            .note(order.source.label_zh());
        self.db().put_records(&[w], actor).await?;
        Ok(())
    }

    /// Raises an order by hand (programme office) in 立项; `assign` sends it at once (交办).
    /// Whether a unit has an enabled user who can act on its orders (not only viewers).
    pub fn unit_has_user(&self, unit: &str) -> bool {
        self.read()
            .reporters
            .iter()
            .any(|r| r.unit == unit && r.role != Role::Viewer)
    }

    pub async fn raise_order(
        &self,
        login: &str,
        mut draft: OrderDraft,
        assign: bool,
    ) -> Result<Versioned<Order>> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "立项督办单"));
        }
        let mut problems = Vec::new();
        if draft.title.trim().is_empty() {
            problems.push("标题不能为空".to_string());
        }
        if draft.lead_unit.trim().is_empty() {
            problems.push("牵头单位不能为空".to_string());
        } else if !self.unit_has_user(&draft.lead_unit) {
            // Never sent into a void: nobody could receive, answer or be reminded of it.
            problems.push(format!(
                "牵头单位“{}”没有在用的用户,督办单无人接收,不予立项:请先为该单位开通账号,或改由有用户的单位牵头",
                draft.lead_unit
            ));
        }
        let today = self.today();
        if draft.deadline < today {
            problems.push(format!("办理期限 {} 早于今天 {today}", draft.deadline));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let at = self.now();
        for _ in 0..3 {
            draft.id = self.next_order_id(at.year()).await?;
            let mut order = Order::new(draft.clone(), login, at);
            if assign {
                order
                    .apply(OrderAction::Assign, login, at)
                    .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
            }
            match self.store_new_order(&order, login).await {
                Ok(()) => {
                    if assign {
                        self.notify_order(&order, NoticeKind::NewOrder).await?;
                    }
                    return self.order(login, &order.id).await;
                }
                // Someone else took the number in between: take the next one.
                Err(AppError::Store(StoreError::Conflict(_))) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(AppError::Invalid(vec!["督办单编号冲突,请重试".into()]))
    }

    /// Raises and assigns an automatic order unless one for the same matter is open (or
    /// the very same source was raised before). Returns the new order's id.
    /// Raises an order unless one exists for the same source, or an open one for the same
    /// matter. `existing` is every order, read once by the caller (a sweep after a write
    /// considers every red light; reading the orders for each would put dozens of queries on
    /// the write path); a raised order is added to it.
    async fn raise_automatic(
        &self,
        mut draft: OrderDraft,
        existing: &mut Vec<Order>,
    ) -> Result<Option<String>> {
        let key = draft.source.key();
        let same_matter = |o: &Order| match (&o.source, &draft.source) {
            (
                OrderSource::RedLight {
                    indicator: a,
                    place: pa,
                    ..
                },
                OrderSource::RedLight {
                    indicator: b,
                    place: pb,
                    ..
                },
            ) => a == b && pa == pb,
            (
                OrderSource::BottomRank {
                    by: a, unit: ua, ..
                },
                OrderSource::BottomRank {
                    by: b, unit: ub, ..
                },
            ) => a == b && ua == ub,
            (
                OrderSource::ComplianceGap {
                    item: a, place: pa, ..
                },
                OrderSource::ComplianceGap {
                    item: b, place: pb, ..
                },
            ) => a == b && pa == pb,
            _ => false,
        };
        if existing
            .iter()
            .any(|o| o.source.key() == key || (o.state.is_open() && same_matter(o)))
        {
            return Ok(None);
        }
        let at = self.now();
        for _ in 0..3 {
            draft.id = self.next_order_id(at.year()).await?;
            let mut order = Order::new(draft.clone(), "system", at);
            order
                .apply(OrderAction::Assign, "system", at)
                .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
            match self.store_new_order(&order, "system").await {
                Ok(()) => {
                    self.notify_order(&order, NoticeKind::NewOrder).await?;
                    let id = order.id.clone();
                    existing.push(order);
                    return Ok(Some(id));
                }
                Err(AppError::Store(StoreError::Conflict(_))) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Acts on an order: the lead unit accepts, asks for more time and answers; the office
    /// assigns, decides extensions, approves (with the closing checklist) or returns.
    /// `version` is the one the user saw: a change in between is refused.
    pub async fn act_on_order(
        &self,
        login: &str,
        id: &str,
        action: OrderAction,
        version: i64,
    ) -> Result<Versioned<Order>> {
        let who = self.user(login)?;
        let current = self.order(login, id).await?;
        let kind = action.kind();
        if !permission::may_act_on_order(&who, &current.item, kind) {
            return Err(forbid(
                &who,
                &format!("对督办单 {id} 执行“{}”", kind.label_zh()),
            ));
        }
        let mut order = current.item.clone();
        let note = match &action {
            OrderAction::RequestExtension { reason, .. } => Some(reason.clone()),
            OrderAction::Feedback { text } => Some(text.clone()),
            OrderAction::Return { reason } => Some(reason.clone()),
            _ => None,
        };
        order
            .apply(action, login, self.now())
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let mut w = RecordWrite::of(KIND_ORDER, id, &order, Some(version), audit_action(kind))?
            .unit(&order.lead_unit)
            .state(&state_code(order.state))
            .due(Some(order.deadline));
        if let Some(n) = note {
            w = w.note(n);
        }
        self.db().put_records(&[w], login).await?;
        let notice = match kind {
            ActionKind::Assign => Some(NoticeKind::NewOrder),
            ActionKind::Return | ActionKind::Approve | ActionKind::DecideExtension => {
                Some(NoticeKind::OrderChanged)
            }
            _ => None,
        };
        if let Some(n) = notice {
            self.notify_order(&order, n).await?;
        }
        if matches!(kind, ActionKind::Feedback | ActionKind::RequestExtension) {
            self.notify_office(
                NoticeKind::OrderChanged,
                &format!("order:{id}:v{}", version + 1),
                &format!("督办单 {id} {}", kind.label_zh()),
                &format!("{}:{}", order.lead_unit, order.title),
                &format!("/orders/{id}"),
            )
            .await?;
        }
        self.order(login, id).await
    }

    /// Closure and overdue rates per lead unit on `today`, with a totals row.
    pub async fn order_stats(&self, today: NaiveDate) -> Result<Vec<UnitOrderStats>> {
        Ok(unit_stats(&self.orders_all().await?, today))
    }

    /// Raises orders for red lights, sends reminders before deadlines and escalation
    /// notices after them. Idempotent: running it twice on a day changes nothing more.
    pub async fn sweep(&self, today: NaiveDate) -> Result<SweepReport> {
        let config = self.manage_config().await?;
        let mut report = SweepReport::default();
        if config.auto_red_light {
            report.raised = self.sweep_red_lights(&config).await?;
        }
        // 服务未达标: the year's gaps, when the compliance setting asks for orders.
        if let Ok(year) = Period::year_of(today.year()) {
            report
                .raised
                .extend(self.raise_compliance_orders(year).await?);
        }
        for o in self.orders_all().await? {
            if !o.state.is_open() {
                continue;
            }
            for days in o.due_reminders(today, &config.escalation) {
                let sent = self
                    .notify_unit(
                        &o.lead_unit,
                        NoticeKind::DeadlineSoon,
                        &format!("order:{}:remind:{}:{days}", o.id, o.deadline),
                        &format!("督办单 {} 还有 {days} 天到期", o.id),
                        &format!("{}(办理期限 {})", o.title, o.deadline),
                        &format!("/orders/{}", o.id),
                    )
                    .await?;
                report.reminders += sent;
            }
            if let Some((level, label)) = o.escalation(today, &config.escalation) {
                let key = format!("order:{}:escalate:{}:{level}", o.id, o.deadline);
                let title = format!(
                    "督办单 {} 已逾期 {} 天:{label}",
                    o.id,
                    o.days_overdue(today)
                );
                let body = format!("{}(办理期限 {},第 {level} 级)", o.title, o.deadline);
                let link = format!("/orders/{}", o.id);
                let mut sent = self
                    .notify_unit(
                        &o.lead_unit,
                        NoticeKind::Overdue,
                        &key,
                        &title,
                        &body,
                        &link,
                    )
                    .await?;
                sent += self
                    .notify_office(NoticeKind::Overdue, &key, &title, &body, &link)
                    .await?;
                if sent > 0 {
                    report.escalations += 1;
                }
            }
        }
        Ok(report)
    }

    /// Orders for the headline indicators whose light is red at the district or a town.
    pub(crate) async fn sweep_red_lights(&self, config: &ManageConfig) -> Result<Vec<String>> {
        let mut drafts = Vec::new();
        {
            let state = self.read();
            let Some(root) = state.tree.id(&state.plan.place) else {
                return Ok(Vec::new());
            };
            let mut places = vec![root];
            places.extend(
                state
                    .tree
                    .children(root)
                    .iter()
                    .copied()
                    .filter(|t| state.tree.get(*t).level == Level::Town),
            );
            for ind in state.plan.indicators.iter().filter(|i| i.is_table_row()) {
                for p in &places {
                    let place = state.tree.get(*p);
                    // Orders answer to the official figures only: a draft raises nothing.
                    let Some(year) =
                        crate::status::latest_year(&state, crate::Reader::Official, &place.code)
                    else {
                        continue;
                    };
                    let Some(s) = state.official.status(&ind.code, &place.code, year) else {
                        continue;
                    };
                    if s.light != Light::Red {
                        continue;
                    }
                    let period = s.as_of.map(|p| p.to_string()).unwrap_or(year.to_string());
                    // The indicator's lead unit answers for it wherever it is red; a town
                    // whose figure is red takes part with the indicator's partners.
                    let lead_unit = ind.lead_unit.clone();
                    let mut partner_units = ind.partner_units.clone();
                    if *p != root {
                        partner_units.insert(0, place.name.clone());
                    }
                    drafts.push(OrderDraft {
                        id: String::new(),
                        title: format!("【红灯督办】{}·{}", place.name, ind.name),
                        body: format!(
                            "{}的“{}”({})截至{}亮红灯{}。请分析原因,制定整改措施,按期反馈。",
                            place.name,
                            ind.name,
                            ind.code,
                            period,
                            youxiang_core::eval::lag_words(
                                s.mode, &ind.unit, s.value, s.expected, s.gap
                            )
                            .map(|(zh, _)| format!(",{zh}"))
                            .unwrap_or_default()
                        ),
                        source: OrderSource::RedLight {
                            indicator: ind.code.clone(),
                            place: place.code.clone(),
                            period,
                        },
                        lead_unit,
                        partner_units,
                        deadline: self.today() + Duration::days(config.auto_order_days as i64),
                    });
                }
            }
        }
        let mut raised = Vec::new();
        for (d, id) in self.raise_automatic_each(drafts).await? {
            self.notify_unit(
                &d.lead_unit,
                NoticeKind::RedLight,
                &d.source.key(),
                &d.title,
                &format!("已自动立项督办单 {id}"),
                &format!("/orders/{id}"),
            )
            .await?;
            raised.push(id);
        }
        Ok(raised)
    }

    /// Raises each draft as an automatic order ([`App::raise_automatic`]: one per source,
    /// none while one for the same matter is open), the orders read once; each draft
    /// raised with its order's id.
    pub(crate) async fn raise_automatic_each(
        &self,
        drafts: Vec<OrderDraft>,
    ) -> Result<Vec<(OrderDraft, String)>> {
        let mut raised = Vec::new();
        if drafts.is_empty() {
            return Ok(raised);
        }
        let mut existing = self.orders_all().await?;
        for d in drafts {
            if let Some(id) = self.raise_automatic(d.clone(), &mut existing).await? {
                raised.push((d, id));
            }
        }
        Ok(raised)
    }

    // ---- inbox (站内消息) --------------------------------------------------------------

    /// The user's inbox, newest first.
    pub async fn inbox(&self, login: &str) -> Result<Vec<Notice>> {
        let filter = RecordFilter {
            unit: Some(login.to_string()),
            ..RecordFilter::kind(KIND_NOTICE)
        };
        let mut out: Vec<Notice> = self
            .db()
            .list_records(&filter)
            .await?
            .iter()
            .map(|r| r.decode())
            .collect::<std::result::Result<_, _>>()?;
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    /// Marks notices read (only the user's own).
    pub async fn mark_read(&self, login: &str, ids: &[String]) -> Result<usize> {
        let mut writes = Vec::new();
        for id in ids {
            let Some(r) = self.db().get_record(KIND_NOTICE, id).await? else {
                return Err(AppError::NotFound(format!("消息“{id}”")));
            };
            if r.unit != login {
                return Err(AppError::Forbidden(vec![format!("消息“{id}”不是你的")]));
            }
            let mut n: Notice = r.decode()?;
            if n.read_at.is_some() {
                continue;
            }
            n.read_at = Some(now());
            writes.push(
                RecordWrite::of(KIND_NOTICE, id, &n, Some(r.version), "notice.read")?
                    .unit(login)
                    .state("read"),
            );
        }
        let n = writes.len();
        if n > 0 {
            self.db().put_records(&writes, login).await?;
        }
        Ok(n)
    }

    /// Sets (or clears) a user's e-mail address for notices; the user or an admin.
    pub async fn set_email(&self, login: &str, target: &str, email: Option<&str>) -> Result<()> {
        let who = self.user(login)?;
        if !(who.login == target || who.role == Role::Admin) {
            return Err(forbid(&who, &format!("修改 {target} 的邮箱")));
        }
        self.user(target)?;
        if let Some(e) = email
            && !(e.contains('@') && !e.contains(char::is_whitespace) && e.len() <= 254)
        {
            return Err(AppError::Invalid(vec![format!("邮箱“{e}”格式不对")]));
        }
        let stored = self.db().get_record(KIND_PROFILE, target).await?;
        let w = RecordWrite::of(
            KIND_PROFILE,
            target,
            &Profile {
                email: email.map(str::to_string),
            },
            stored.map(|r| r.version),
            "profile.email",
        )?
        .unit(target);
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    /// Sends a notice to one user unless one with the same key was sent; returns 1 if sent.
    pub(crate) async fn notify(
        &self,
        login: &str,
        kind: NoticeKind,
        key: &str,
        title: &str,
        body: &str,
        link: &str,
    ) -> Result<usize> {
        let id = format!("{login}|{key}");
        if self.db().get_record(KIND_NOTICE, &id).await?.is_some() {
            return Ok(0);
        }
        let mut notice = Notice {
            id: id.clone(),
            login: login.to_string(),
            kind,
            title: title.to_string(),
            body: body.to_string(),
            link: link.to_string(),
            created_at: now(),
            read_at: None,
            email: None,
        };
        if let Some(mailer) = crate::mail::Mailer::from_env() {
            let to = match self.db().get_record(KIND_PROFILE, login).await? {
                Some(r) => r.decode::<Profile>()?.email,
                None => None,
            };
            if let Some(to) = to {
                notice.email = Some(mailer.send(&to, &notice).await);
            }
        }
        let w = RecordWrite::of(KIND_NOTICE, &id, &notice, None, "notice.send")?
            .unit(login)
            .state("unread");
        match self.db().put_records(&[w], "system").await {
            Ok(_) => Ok(1),
            // Sent by someone else in between: once is enough.
            Err(StoreError::Conflict(_)) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Notices to every user of a unit; to the programme office when the unit has nobody.
    async fn notify_unit(
        &self,
        unit: &str,
        kind: NoticeKind,
        key: &str,
        title: &str,
        body: &str,
        link: &str,
    ) -> Result<usize> {
        let logins: Vec<String> = self
            .read()
            .reporters
            .iter()
            .filter(|r| r.unit == unit)
            .map(|r| r.login.clone())
            .collect();
        if logins.is_empty() {
            let body = format!("(“{unit}”尚无用户,转工作专班){body}");
            return self.notify_office(kind, key, title, &body, link).await;
        }
        let mut sent = 0;
        for l in logins {
            sent += self.notify(&l, kind, key, title, body, link).await?;
        }
        Ok(sent)
    }

    async fn notify_office(
        &self,
        kind: NoticeKind,
        key: &str,
        title: &str,
        body: &str,
        link: &str,
    ) -> Result<usize> {
        let logins: Vec<String> = self
            .read()
            .reporters
            .iter()
            .filter(|r| r.role == Role::Office)
            .map(|r| r.login.clone())
            .collect();
        let mut sent = 0;
        for l in logins {
            sent += self.notify(&l, kind, key, title, body, link).await?;
        }
        Ok(sent)
    }

    async fn notify_order(&self, order: &Order, kind: NoticeKind) -> Result<usize> {
        let key = format!(
            "order:{}:{}:{}",
            order.id,
            state_code(order.state),
            order.events.len()
        );
        let title = match kind {
            NoticeKind::NewOrder => format!("新督办单 {}:{}", order.id, order.title),
            _ => format!("督办单 {} {}", order.id, order.state.label_zh()),
        };
        let body = format!(
            "{}(牵头 {},办理期限 {})",
            order.title, order.lead_unit, order.deadline
        );
        let link = format!("/orders/{}", order.id);
        let mut sent = self
            .notify_unit(&order.lead_unit, kind, &key, &title, &body, &link)
            .await?;
        if kind == NoticeKind::NewOrder {
            for p in &order.partner_units {
                sent += self
                    .notify_unit(p, kind, &key, &format!("(配合){title}"), &body, &link)
                    .await?;
            }
        }
        Ok(sent)
    }
}

fn weekly_id(week: IsoWeek, unit: &str) -> String {
    format!("{week}|{unit}")
}

fn ranking_id(by: RankBy, month: Period) -> String {
    format!("{}|{month}", by.as_str())
}

/// A ranking as an Excel workbook: the ranking sheet (rank, unit, score, change, domain
/// means, terms, no-data indicators, flags), the history sheet and the rule.
pub fn ranking_xlsx(report: &RankingReport) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail =
        |e: rust_xlsxwriter::XlsxError| AppError::Invalid(vec![format!("生成 Excel 失败:{e}")]);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    let title = format!(
        "{}{}月度排名",
        report.month.label_zh(),
        report.by.label_zh()
    );
    let sheet = book.add_worksheet();
    sheet.set_name("排名").map_err(fail)?;
    sheet.write_with_format(0, 0, &title, &bold).map_err(fail)?;
    let mut domains: Vec<String> = Vec::new();
    for row in &report.ranking.rows {
        for d in &row.domains {
            if !domains.contains(&d.domain) {
                domains.push(d.domain.clone());
            }
        }
    }
    let mut headers: Vec<String> = vec![
        "名次".into(),
        "单位".into(),
        "得分(分)".into(),
        "指标得分(分)".into(),
        "上月名次".into(),
        "名次变化".into(),
    ];
    headers.extend(domains.iter().map(|d| format!("{d} 领域均值(比值)")));
    let terms: Vec<TermKind> = report.ranking.rule.terms.iter().map(|t| t.kind).collect();
    headers.extend(terms.iter().map(|t| format!("{}(比率)", t.label_zh())));
    headers.extend(["无数据指标".to_string(), "标记".to_string()]);
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_with_format(2, c as u16, h.as_str(), &bold)
            .map_err(fail)?;
    }
    for (i, row) in report.ranking.rows.iter().enumerate() {
        let r = 3 + i as u32;
        let mut c: u16 = 0;
        match row.rank {
            Some(k) => sheet.write(r, c, k).map_err(fail)?,
            None => sheet.write(r, c, "—").map_err(fail)?,
        };
        c += 1;
        sheet.write(r, c, row.unit.as_str()).map_err(fail)?;
        c += 1;
        for v in [row.score, row.base] {
            match v {
                Some(v) => sheet.write_with_format(r, c, v, &two).map_err(fail)?,
                None => sheet.write(r, c, "无数据").map_err(fail)?,
            };
            c += 1;
        }
        if let Some(p) = row.previous_rank {
            sheet.write(r, c, p).map_err(fail)?;
        }
        c += 1;
        if let Some(ch) = row.change {
            sheet.write(r, c, ch).map_err(fail)?;
        }
        c += 1;
        for d in &domains {
            if let Some(ds) = row.domains.iter().find(|x| &x.domain == d) {
                sheet.write_with_format(r, c, ds.mean, &two).map_err(fail)?;
            }
            c += 1;
        }
        for t in &terms {
            if let Some(rate) = row.terms.iter().find(|x| x.kind == *t).and_then(|x| x.rate) {
                sheet.write_with_format(r, c, rate, &two).map_err(fail)?;
            } else {
                sheet.write(r, c, "不适用").map_err(fail)?;
            }
            c += 1;
        }
        sheet.write(r, c, row.no_data.join("、")).map_err(fail)?;
        c += 1;
        let flags = report.ranking.marks_zh(row, &report.flagged).join("、");
        sheet.write(r, c, flags).map_err(fail)?;
    }
    let after = 4 + report.ranking.rows.len() as u32;
    sheet
        .write_with_format(after, 0, "排名规则", &bold)
        .map_err(fail)?;
    sheet
        .write(after + 1, 0, report.rule_zh.as_str())
        .map_err(fail)?;
    sheet.set_column_width(1, 18).map_err(fail)?;

    let hist = book.add_worksheet();
    hist.set_name("历史名次").map_err(fail)?;
    hist.write_with_format(0, 0, "单位", &bold).map_err(fail)?;
    for (j, (month, _)) in report.history.iter().enumerate() {
        hist.write_with_format(0, 1 + j as u16, month.label_zh(), &bold)
            .map_err(fail)?;
    }
    for (i, row) in report.ranking.rows.iter().enumerate() {
        let r = 1 + i as u32;
        hist.write(r, 0, row.unit.as_str()).map_err(fail)?;
        for (j, (_, ranks)) in report.history.iter().enumerate() {
            if let Some(Some(k)) = ranks.get(&row.unit) {
                hist.write(r, 1 + j as u16, *k).map_err(fail)?;
            }
        }
    }
    hist.set_column_width(0, 18).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::due_by;
    use chrono::NaiveDate;
    use youxiang_core::period::PeriodKind;

    #[test]
    fn an_annual_figure_is_not_due_within_its_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(!due_by(PeriodKind::Year, d(2025, 6, 30)));
        assert!(due_by(PeriodKind::Year, d(2025, 12, 31)));
        assert!(due_by(PeriodKind::Month, d(2025, 6, 30)));
        assert!(due_by(PeriodKind::Month, d(2025, 1, 31)));
        // A quarter's figure is due once the first quarter of the year has ended.
        assert!(!due_by(PeriodKind::Quarter, d(2025, 2, 28)));
        assert!(due_by(PeriodKind::Quarter, d(2025, 3, 31)));
        assert!(due_by(PeriodKind::Quarter, d(2025, 5, 31)));
    }
}
