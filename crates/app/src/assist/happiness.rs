//! 幸福清单 as a service (issue 16 point 5): one `assist_list` record per household and
//! period (id `{household}@{period}`), generated from the register, the eligibility rules
//! and the dated standards (and the dispatch's done `assist_order` records when there are
//! any), then the receipts and the delivery workers record on it. Generating again is
//! idempotent (the receipts and the delivery stay). The 送达率 per village, town and
//! district, and the figure K7.4b “幸福清单”送达率 per town and year written through
//! [`App::write_computed`] after every generation and delivery.
//!
//! Also the rules' editing with a preview of who gains and loses eligibility.
//!
//! Lists hold the head's masked name only: no personal data whole is ever stored in them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use youxiang_core::assist::dispatch::{Order, OrderState};
use youxiang_core::assist::happiness::{
    Delivery, DoneOrder, HappinessList, Rate, Receipt, entitlements, list_id, list_period,
    regenerate,
};
use youxiang_core::assist::register::HouseholdStatus;
use youxiang_core::assist::rights;
use youxiang_core::assist::rules::{EligibilityChange, diff, standard_at, yuan};
use youxiang_core::assist::rules_edit::read_rules;
use youxiang_core::period::Period;
use youxiang_core::place::Level;
use youxiang_core::scope::Reporter;
use youxiang_core::value::Component;
use youxiang_store::{RecordFilter, RecordWrite};

use super::{HouseholdEntry, chain};
use crate::computed::{ComputedFigure, ComputedOutcome};
use crate::manage::forbid;
use crate::{App, AppError, Result};

pub use youxiang_report::{Sheet, SheetBlock};

/// Renders a list's sheet as a PDF with the reports' CJK font (an error naming what to
/// install when there is none).
pub fn render_list_pdf(sheet: &Sheet) -> Result<Vec<u8>> {
    let fonts =
        youxiang_report::find_cjk_font().map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    youxiang_report::render_sheet_pdf(sheet, &fonts)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

/// The lists' record kind.
pub const KIND_LIST: &str = "assist_list";
/// The dispatch's orders.
pub use super::dispatch::KIND_ORDER;

/// A done order as the lists show it (`None` unless done).
fn done_order(o: &Order) -> Option<DoneOrder> {
    (o.state == OrderState::Done).then_some(())?;
    Some(DoneOrder {
        id: o.id.clone(),
        service: o.service.clone(),
        provider: o.resource_name.clone(),
        date: o.done_on?,
    })
}
/// The figure the lists feed.
pub const INDICATOR: &str = "K7.4b";

/// Every audit action of the lists.
pub const LIST_ACTIONS: [&str; 3] = [
    "assist.list.generate",
    "assist.list.receipt",
    "assist.list.deliver",
];

/// A stored list and the version its next change must quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListEntry {
    #[serde(flatten)]
    pub list: HappinessList,
    pub version: i64,
}

/// What a generation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Generated {
    /// Lists new this time.
    pub added: usize,
    /// Lists whose entitlements changed.
    pub changed: usize,
    /// Lists already stored as they are.
    pub unchanged: usize,
}

/// The 送达率 of one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateRow {
    pub place: String,
    pub name: String,
    pub level: Level,
    pub due: usize,
    pub delivered: usize,
    /// Percent, `None` without lists.
    pub percent: Option<f64>,
}

/// A preview of new rules: who gains, who loses (judged today).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RulesPreview {
    pub judged_on: NaiveDate,
    pub households: usize,
    pub changes: Vec<EligibilityChange>,
}

impl App {
    fn happiness_user(&self, login: &str) -> Result<Reporter> {
        let who = self.user(login)?;
        if !rights::may_use_register(&who) {
            return Err(forbid(&who, "查看幸福清单"));
        }
        Ok(who)
    }

    async fn stored_happiness_lists(&self) -> Result<Vec<ListEntry>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_LIST))
            .await?
        {
            out.push(ListEntry {
                list: r.decode()?,
                version: r.version,
            });
        }
        out.sort_by(|a, b| {
            (&a.list.period, &a.list.place, &a.list.household).cmp(&(
                &b.list.period,
                &b.list.place,
                &b.list.household,
            ))
        });
        Ok(out)
    }

    /// The dispatch's orders (`assist_order`, `core::assist::dispatch::Order`) done for
    /// each household within `p`.
    async fn happiness_done_orders(&self, p: &Period) -> Result<BTreeMap<String, Vec<DoneOrder>>> {
        let mut out: BTreeMap<String, Vec<DoneOrder>> = BTreeMap::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_ORDER))
            .await?
        {
            let order: Order = r.decode()?;
            if let Some(done) = done_order(&order)
                && done.date >= p.start()
                && done.date <= p.end()
            {
                out.entry(order.household.clone()).or_default().push(done);
            }
        }
        Ok(out)
    }

    /// Puts an order just done on its household's stored lists whose period holds the day
    /// it was done (its entitlement and its receipt: delivered); lists not yet generated
    /// get it when generated. A failure is logged, the order stands.
    pub(crate) async fn happiness_note_done_order(&self, login: &str, order: &Order) {
        if let Err(e) = self.happiness_put_done_order(login, order).await {
            eprintln!("派单完成后更新幸福清单失败:{e}");
        }
    }

    async fn happiness_put_done_order(&self, login: &str, order: &Order) -> Result<()> {
        let Some(done) = done_order(order) else {
            return Ok(());
        };
        let mut writes = Vec::new();
        for e in self.stored_happiness_lists().await? {
            if e.list.household != order.household {
                continue;
            }
            let Ok(p) = list_period(&e.list.period) else {
                continue;
            };
            if done.date < p.start() || done.date > p.end() {
                continue;
            }
            let mut list = e.list;
            if !done.put_on(&mut list) {
                continue;
            }
            writes.push(
                RecordWrite::of(KIND_LIST, &list.id, &list, Some(e.version), LIST_ACTIONS[1])?
                    .unit(&list.place)
                    .state(list.state())
                    .note(format!("派单{}完成:{}", order.id, order.service)),
            );
        }
        if !writes.is_empty() {
            self.db().put_records(&writes, login).await?;
        }
        Ok(())
    }

    /// Generates (or generates again) the lists of `period` for every household in 救助
    /// (在册救助) that `login` may see; idempotent. Recomputes K7.4b.
    pub async fn generate_assist_lists(&self, login: &str, period: &str) -> Result<Generated> {
        let who = self.happiness_user(login)?;
        let p = list_period(period).map_err(|e| AppError::Invalid(vec![e]))?;
        let today = self.today();
        if p.start() > today {
            return Err(AppError::Invalid(vec![format!(
                "期间{}尚未开始,不能生成清单",
                p.label_zh()
            )]));
        }
        let day = p.end().min(today);
        let tree = Arc::clone(&self.read().tree);
        let households: Vec<HouseholdEntry> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .filter(|e| Self::in_scope(&who, &tree, &e.household.place))
            .filter(|e| e.household.status == HouseholdStatus::Active)
            .collect();
        let standards = self.assist_standards().await?;
        let rules = self.assist_rules().await?;
        let checks = self.judge_all(&households, &rules.rules, &standards.standards, day);
        let orders = self.happiness_done_orders(&p).await?;
        let stored: BTreeMap<String, ListEntry> = self
            .stored_happiness_lists()
            .await?
            .into_iter()
            .map(|e| (e.list.id.clone(), e))
            .collect();
        let mut outcome = Generated::default();
        let mut writes = Vec::new();
        for (e, c) in households.iter().zip(&checks) {
            let h = &e.household;
            let chain = chain(&tree, &h.place);
            let chain: Vec<&str> = chain.iter().map(String::as_str).collect();
            let st = standard_at(&standards.standards, &chain, day);
            let id = list_id(&h.id, &p);
            let fresh = HappinessList {
                id: id.clone(),
                household: h.id.clone(),
                place: h.place.clone(),
                period: p.to_string(),
                generated_on: today,
                head_masked: h.head_name_masked(),
                standard: st
                    .map(|s| {
                        format!(
                            "{}起低保标准{}/人·年(特困供养×{}、低保边缘×{})",
                            s.from,
                            yuan(s.dibao_year),
                            s.tekun_factor,
                            s.edge_factor
                        )
                    })
                    .unwrap_or_else(|| "无适用的低保标准".to_string()),
                entitlements: entitlements(
                    h,
                    c,
                    st,
                    &p,
                    orders.get(&h.id).map(Vec::as_slice).unwrap_or(&[]),
                ),
                receipts: orders
                    .get(&h.id)
                    .map(|o| o.iter().map(DoneOrder::receipt).collect())
                    .unwrap_or_default(),
                delivery: None,
                demo: h.demo,
            };
            let old = stored.get(&id);
            let list = regenerate(old.map(|o| &o.list), fresh);
            match old {
                Some(o) if o.list == list => {
                    outcome.unchanged += 1;
                    continue;
                }
                Some(_) => outcome.changed += 1,
                None => outcome.added += 1,
            }
            writes.push(
                RecordWrite::of(
                    KIND_LIST,
                    &id,
                    &list,
                    old.map(|o| o.version),
                    LIST_ACTIONS[0],
                )?
                .unit(&list.place)
                .state(list.state())
                .note(format!("{} 幸福清单", p.label_zh())),
            );
        }
        for chunk in writes.chunks(300) {
            self.db().put_records(chunk, login).await?;
        }
        if !writes.is_empty() {
            self.recompute_assist_list_figures(p.year()).await?;
        }
        Ok(outcome)
    }

    /// The lists `login` may see, of `period` and at or below `place` when given.
    pub async fn assist_lists(
        &self,
        login: &str,
        period: Option<&str>,
        place: Option<&str>,
    ) -> Result<Vec<ListEntry>> {
        let who = self.happiness_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let period = match period {
            Some(p) => Some(list_period(p).map_err(AppError::NotFound)?.to_string()),
            None => None,
        };
        let root = match place {
            Some(p) => Some(
                tree.id(p)
                    .ok_or_else(|| AppError::NotFound(format!("地点“{p}”不存在")))?,
            ),
            None => None,
        };
        Ok(self
            .stored_happiness_lists()
            .await?
            .into_iter()
            .filter(|e| Self::in_scope(&who, &tree, &e.list.place))
            .filter(|e| period.as_ref().is_none_or(|p| &e.list.period == p))
            .filter(|e| {
                root.is_none_or(|r| tree.id(&e.list.place).is_some_and(|p| tree.is_within(p, r)))
            })
            .collect())
    }

    /// One list (not found outside the reader's places).
    pub async fn assist_list(&self, login: &str, id: &str) -> Result<ListEntry> {
        let who = self.happiness_user(login)?;
        let not_found = || AppError::NotFound(format!("幸福清单“{id}”不存在"));
        let r = self
            .db()
            .get_record(KIND_LIST, id)
            .await?
            .ok_or_else(not_found)?;
        let list: HappinessList = r.decode()?;
        let tree = Arc::clone(&self.read().tree);
        if !Self::in_scope(&who, &tree, &list.place) {
            return Err(not_found());
        }
        Ok(ListEntry {
            list,
            version: r.version,
        })
    }

    async fn save_happiness_list(
        &self,
        login: &str,
        e: &ListEntry,
        expected_version: Option<i64>,
        action: &'static str,
        note: String,
    ) -> Result<ListEntry> {
        let version = expected_version.unwrap_or(e.version);
        let w = RecordWrite::of(KIND_LIST, &e.list.id, &e.list, Some(version), action)?
            .unit(&e.list.place)
            .state(e.list.state())
            .note(note);
        let saved = self.db().put_records(&[w], login).await?;
        Ok(ListEntry {
            list: e.list.clone(),
            version: saved.first().map(|r| r.version).unwrap_or(version + 1),
        })
    }

    /// Records a benefit paid or a service delivered on a list.
    pub async fn add_assist_list_receipt(
        &self,
        login: &str,
        id: &str,
        mut receipt: Receipt,
        expected_version: Option<i64>,
    ) -> Result<ListEntry> {
        let mut e = self.assist_list(login, id).await?;
        let problems = receipt.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        if receipt.date > self.today() {
            return Err(AppError::Invalid(vec!["日期不能晚于今天".to_string()]));
        }
        receipt.by = login.to_string();
        let note = format!("{} {}", receipt.kind.label_zh(), receipt.what);
        e.list.receipts.push(receipt);
        self.save_happiness_list(login, &e, expected_version, LIST_ACTIONS[1], note)
            .await
    }

    /// Records the list's delivery (channel, date, confirmation); recomputes K7.4b.
    pub async fn deliver_assist_list(
        &self,
        login: &str,
        id: &str,
        delivery: Delivery,
        expected_version: Option<i64>,
    ) -> Result<ListEntry> {
        let saved = self
            .deliver_assist_list_only(login, id, delivery, expected_version)
            .await?;
        if let Ok(p) = list_period(&saved.list.period) {
            self.recompute_assist_list_figures(p.year()).await?;
        }
        Ok(saved)
    }

    /// Records the delivery without recomputing K7.4b (bulk loads: recompute once after).
    pub async fn deliver_assist_list_only(
        &self,
        login: &str,
        id: &str,
        mut delivery: Delivery,
        expected_version: Option<i64>,
    ) -> Result<ListEntry> {
        let mut e = self.assist_list(login, id).await?;
        let p = list_period(&e.list.period).map_err(AppError::Internal)?;
        let problems = delivery.problems(p.start(), self.today());
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        delivery.by = login.to_string();
        let note = format!(
            "{} {} {}",
            delivery.channel.label_zh(),
            delivery.date,
            delivery.confirmation.label_zh()
        );
        e.list.delivery = Some(delivery);
        self.save_happiness_list(login, &e, expected_version, LIST_ACTIONS[2], note)
            .await
    }

    /// The 送达率 of `period` per place `login` sees: the district (when it sees it), each
    /// town, each village with lists.
    pub async fn assist_list_rates(&self, login: &str, period: &str) -> Result<Vec<RateRow>> {
        let lists = self.assist_lists(login, Some(period), None).await?;
        let who = self.happiness_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let mut out = Vec::new();
        for id in tree.ids() {
            let place = tree.get(id);
            let level = place.level;
            if !matches!(level, Level::Town | Level::Village) && tree.parent(id).is_some() {
                continue;
            }
            let sees = who.role.is_office()
                || rights::is_civil_affairs(&who)
                || who.scope.covers_place(&tree, id);
            if !sees {
                continue;
            }
            let mine: Vec<&HappinessList> = lists
                .iter()
                .map(|e| &e.list)
                .filter(|l| tree.id(&l.place).is_some_and(|p| tree.is_within(p, id)))
                .collect();
            if level == Level::Village && mine.is_empty() {
                continue;
            }
            let r = Rate::of(mine);
            out.push(RateRow {
                place: place.code.clone(),
                name: tree.path_names(id),
                level,
                due: r.due,
                delivered: r.delivered,
                percent: r.percent(),
            });
        }
        Ok(out)
    }

    /// Writes K7.4b for `year` per town: numerator the lists of the year delivered with a
    /// confirmation, denominator the lists generated (due).
    pub async fn recompute_assist_list_figures(&self, year: i32) -> Result<ComputedOutcome> {
        let Ok(period) = Period::year_of(year) else {
            return Ok(ComputedOutcome::default());
        };
        if self.read().plan.indicator(INDICATOR).is_none() {
            return Ok(ComputedOutcome::default());
        }
        let tree = Arc::clone(&self.read().tree);
        let lists = self.stored_happiness_lists().await?;
        let mut figures = Vec::new();
        for id in tree.ids().filter(|id| tree.get(*id).level == Level::Town) {
            let mine: Vec<&HappinessList> = lists
                .iter()
                .map(|e| &e.list)
                .filter(|l| l.period.get(..4) == Some(&year.to_string()))
                .filter(|l| tree.id(&l.place).is_some_and(|p| tree.is_within(p, id)))
                .collect();
            let r = Rate::of(mine);
            if r.due == 0 {
                continue;
            }
            let code = tree.get(id).code.clone();
            let comment = format!(
                "幸福清单管理计算:{year}年已送达并确认{}份/应送达{}份",
                r.delivered, r.due
            );
            for (component, value) in [
                (Component::Numerator, r.delivered as f64),
                (Component::Denominator, r.due as f64),
            ] {
                figures.push(ComputedFigure {
                    indicator: INDICATOR.to_string(),
                    place: code.clone(),
                    period,
                    component,
                    value,
                    comment: comment.clone(),
                });
            }
        }
        self.write_computed(figures).await
    }

    /// Checks new rules (every problem by its line) and lists who would gain and who
    /// would lose eligibility today; nothing is saved.
    pub async fn preview_assist_rules(&self, login: &str, toml: &str) -> Result<RulesPreview> {
        let who = self.user(login)?;
        if !rights::may_set_rules(&who) {
            return Err(forbid(&who, "修改救助资格规则"));
        }
        let new = read_rules(toml).map_err(AppError::Invalid)?;
        let current = self.assist_rules().await?;
        let standards = self.assist_standards().await?;
        let day = self.today();
        let households: Vec<HouseholdEntry> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        let b = self.judge_all(&households, &current.rules, &standards.standards, day);
        let a = self.judge_all(&households, &new, &standards.standards, day);
        let places: Vec<String> = households
            .iter()
            .map(|e| e.household.place.clone())
            .collect();
        Ok(RulesPreview {
            judged_on: day,
            households: households.len(),
            changes: diff(&b, &a, &places),
        })
    }
}
