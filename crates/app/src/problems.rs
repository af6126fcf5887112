//! 问题清单 — what is lagging and what is being done about it: every red and yellow
//! headline indicator at the plan's place (or a given place) and the places directly below
//! it for the current year, with the indicator's lead unit, the cause and measures its unit
//! entered (lag notes) and the supervision orders raised about it, worst first; the same
//! list as an Excel workbook; and the check of a cause-and-measures note shared by the app
//! and the web form.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use youxiang_core::eval::Light;
use youxiang_core::manage::{Order, OrderSource, OrderState};
use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::permission;

use crate::manage::LagNote;
use crate::{App, AppError, OrderFilter, Reader, Result, State, StatusFilter, status_rows};

/// The longest cause or measures text kept (characters).
pub const NOTE_MAX_CHARS: usize = 2000;

/// The open supervision orders raised about one indicator at one place (or summed over
/// several), as far as the reader may see them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderSummary {
    /// Open orders (every state but 审结通过).
    pub open: usize,
    /// Of those, past their deadline.
    pub overdue: usize,
    /// The worst state among the open orders (see [`order_severity`]).
    pub worst: Option<OrderState>,
    /// Whether the worst order is past its deadline.
    pub worst_overdue: bool,
    /// The nearest deadline among the open orders.
    pub nearest_deadline: Option<NaiveDate>,
    /// The open orders' numbers, worst first.
    pub ids: Vec<String>,
}

impl OrderSummary {
    /// The worst state in words: `交办(逾期3天)`, `办理中`, or empty without an open order.
    pub fn worst_zh(&self) -> String {
        match self.worst {
            Some(s) if self.worst_overdue => format!("{}(已逾期)", s.label_zh()),
            Some(s) => s.label_zh().to_string(),
            None => String::new(),
        }
    }
}

/// How bad an open order's situation is, for "worst first": past the deadline before
/// anything else; then sent back by the closing review, not yet accepted, not yet sent,
/// waiting for an extension, being handled, answered. A closed order is not open.
pub fn order_severity(o: &Order, today: NaiveDate) -> (bool, u8) {
    let rank = match o.state {
        OrderState::Returned => 6,
        OrderState::Assigned => 5,
        OrderState::Registered => 4,
        OrderState::ExtensionRequested => 3,
        OrderState::InProgress => 2,
        OrderState::Answered => 1,
        OrderState::Closed => 0,
    };
    (o.state.is_open() && o.is_overdue(today), rank)
}

/// The summary of `orders` (open ones only count).
pub fn summarize<'a>(
    orders: impl IntoIterator<Item = &'a Order>,
    today: NaiveDate,
) -> OrderSummary {
    let mut open: Vec<&Order> = orders.into_iter().filter(|o| o.state.is_open()).collect();
    open.sort_by(|a, b| {
        order_severity(b, today)
            .cmp(&order_severity(a, today))
            .then(a.deadline.cmp(&b.deadline))
            .then(a.id.cmp(&b.id))
    });
    OrderSummary {
        open: open.len(),
        overdue: open.iter().filter(|o| o.is_overdue(today)).count(),
        worst: open.first().map(|o| o.state),
        worst_overdue: open.first().is_some_and(|o| o.is_overdue(today)),
        nearest_deadline: open.iter().map(|o| o.deadline).min(),
        ids: open.iter().map(|o| o.id.clone()).collect(),
    }
}

/// The indicator and place an order was raised about (a red light's), if any.
pub fn order_subject(o: &Order) -> Option<(&str, &str)> {
    match &o.source {
        OrderSource::RedLight {
            indicator, place, ..
        } => Some((indicator.as_str(), place.as_str())),
        _ => None,
    }
}

/// One red or yellow item of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub domain: String,
    pub domain_name: String,
    /// The indicator's lead unit (牵头单位), who answers for the cause and measures.
    pub lead_unit: String,
    pub place: String,
    pub place_name: String,
    pub year: i32,
    /// The target the place is judged against, as written.
    pub target: String,
    pub as_of: Option<Period>,
    pub value: Option<f64>,
    pub light: Light,
    /// Percentage points of the year's task behind the schedule.
    pub gap: Option<f64>,
    /// The lag in words (Chinese, English): the shortfall in the indicator's unit and the
    /// gap as a share of the year's task (`StatusRow::lag_words`).
    pub lag: Option<(String, String)>,
    /// The latest cause and measures entered for the item this year.
    pub note: Option<LagNote>,
    /// Whether that note answers for the figure's quarter or later (an older one is
    /// shown, but the item still waits for an answer).
    pub note_current: bool,
    /// The period a new note answers for (the figure's month or quarter in the year).
    pub note_period: Option<Period>,
    pub orders: OrderSummary,
}

impl Problem {
    /// A red item without a current cause and measures: a task for its lead unit.
    pub fn awaits_note(&self) -> bool {
        self.light == Light::Red
            && !(self.note_current
                && self
                    .note
                    .as_ref()
                    .is_some_and(|n| !n.cause.is_empty() && !n.measure.is_empty()))
    }
}

/// Which items to list.
#[derive(Debug, Clone, Default)]
pub struct ProblemFilter {
    /// The place whose own items and whose direct children's are listed; the plan's place
    /// when absent.
    pub place: Option<String>,
    /// The target year; the latest year with data at the place when absent.
    pub year: Option<i32>,
    /// Only the items of indicators this unit leads.
    pub lead_unit: Option<String>,
}

/// The period a note for a figure of `as_of` in `year` answers for: the figure's month or
/// quarter; else (a yearly or half-yearly figure, none) the quarter of `today` within the
/// year (its first or last quarter when `today` lies outside it). `None` only for a year
/// no period can name.
pub fn note_period(as_of: Option<Period>, year: i32, today: NaiveDate) -> Option<Period> {
    if let Some(p) = as_of
        && p.year() == year
        && matches!(p.kind(), PeriodKind::Month | PeriodKind::Quarter)
    {
        return Some(p);
    }
    match today.year().cmp(&year) {
        std::cmp::Ordering::Equal => Period::containing(PeriodKind::Quarter, today).ok(),
        std::cmp::Ordering::Greater => Period::quarter(year, 4).ok(),
        std::cmp::Ordering::Less => Period::quarter(year, 1).ok(),
    }
}

/// The problems of a cause-and-measures note, each with the form field it concerns
/// (`period`, `cause`, `measure`).
pub fn check_note(period: Period, cause: &str, measure: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if !matches!(period.kind(), PeriodKind::Quarter | PeriodKind::Month) {
        out.push((
            "period",
            format!("期间“{period}”应为季度(2025Q3)或月份(2025-09)"),
        ));
    }
    if cause.trim().is_empty() && measure.trim().is_empty() {
        out.push(("cause", "原因和措施至少填写一项".into()));
    }
    for (field, label, text) in [("cause", "原因", cause), ("measure", "措施", measure)] {
        let n = text.trim().chars().count();
        if n > NOTE_MAX_CHARS {
            out.push((
                field,
                format!("{label}共 {n} 字,超过上限 {NOTE_MAX_CHARS} 字"),
            ));
        }
    }
    out
}

impl App {
    /// The open orders `login` may see, by the (indicator, place) they were raised about
    /// (red-light orders; orders raised by hand or for a ranking name no figure).
    pub async fn orders_by_subject(
        &self,
        login: &str,
        today: NaiveDate,
    ) -> Result<HashMap<(String, String), Vec<Order>>> {
        let orders = self.orders(login, &OrderFilter::default(), today).await?;
        let mut by: HashMap<(String, String), Vec<Order>> = HashMap::new();
        for o in orders.into_iter().filter(|o| o.item.state.is_open()) {
            if let Some((i, p)) = order_subject(&o.item) {
                let key = (i.to_string(), p.to_string());
                by.entry(key).or_default().push(o.item);
            }
        }
        Ok(by)
    }

    /// The latest note of each (indicator, place), of `year` only when given.
    pub async fn latest_notes(
        &self,
        year: Option<i32>,
    ) -> Result<HashMap<(String, String), LagNote>> {
        let mut out: HashMap<(String, String), LagNote> = HashMap::new();
        for n in self.lag_notes(None).await? {
            if year.is_some_and(|y| n.period.year() != y) {
                continue;
            }
            let key = (n.indicator.clone(), n.place.clone());
            let newer = out
                .get(&key)
                .is_none_or(|o| (n.period.end(), n.at) > (o.period.end(), o.at));
            if newer {
                out.insert(key, n);
            }
        }
        Ok(out)
    }

    /// 问题清单 as `login` sees it on `today` (figures as on their overview: drafts only
    /// within their scope), worst first: red before yellow, then the largest gap.
    pub async fn problems(
        &self,
        login: &str,
        filter: &ProblemFilter,
        today: NaiveDate,
    ) -> Result<Vec<Problem>> {
        let who = self.user(login)?;
        let orders = self.orders_by_subject(login, today).await?;
        // The year first (the notes are read per year), under a short read lock.
        let (places, year) = {
            let state = self.read();
            let root = filter
                .place
                .clone()
                .unwrap_or_else(|| state.plan.place.clone());
            let Some(id) = state.tree.id(&root) else {
                return Err(AppError::NotFound(format!("地点“{root}”")));
            };
            let year = filter
                .year
                .or_else(|| crate::latest_year(&state, Reader::Person(&who), &root))
                .unwrap_or_else(|| state.plan.final_year());
            if !state.plan.target_years.contains(&year) {
                // Not found, as in status and the map: the year is a resource the plan lacks.
                return Err(AppError::NotFound(format!(
                    "{year} 年不是方案目标年份({:?})",
                    state.plan.target_years
                )));
            }
            let mut places = vec![root];
            places.extend(
                state
                    .tree
                    .children(id)
                    .iter()
                    .map(|c| state.tree.get(*c).code.clone()),
            );
            (places, year)
        };
        let notes = self.latest_notes(Some(year)).await?;
        let state = self.read();
        let mut out = Vec::new();
        for place in &places {
            let rows = status_rows(
                &state,
                Reader::Person(&who),
                &StatusFilter {
                    place: Some(place.clone()),
                    year: Some(year),
                    ..StatusFilter::default()
                },
            )
            .map_err(|e| AppError::Invalid(vec![e]))?;
            for r in rows {
                if !matches!(r.light, Light::Red | Light::Yellow) {
                    continue;
                }
                let Some(ind) = state.plan.indicator(&r.indicator) else {
                    continue;
                };
                if filter
                    .lead_unit
                    .as_ref()
                    .is_some_and(|u| *u != ind.lead_unit)
                {
                    continue;
                }
                let key = (r.indicator.clone(), r.place.clone());
                let note = notes.get(&key).cloned();
                let note_current = match (&note, r.as_of) {
                    (Some(n), Some(p)) => {
                        let quarter = Period::containing(PeriodKind::Quarter, p.end()).ok();
                        quarter.is_none_or(|q| n.period.end() >= q.start())
                    }
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                out.push(Problem {
                    indicator: r.indicator.clone(),
                    name: r.name.clone(),
                    unit: r.unit.clone(),
                    domain: r.domain.clone(),
                    domain_name: r.domain_name.clone(),
                    lead_unit: ind.lead_unit.clone(),
                    place: r.place.clone(),
                    place_name: r.place_name.clone(),
                    year,
                    target: r.target.clone(),
                    as_of: r.as_of,
                    value: r.value,
                    light: r.light,
                    gap: r.gap,
                    lag: r.lag_words(),
                    note,
                    note_current,
                    note_period: note_period(r.as_of, year, today),
                    orders: summarize(orders.get(&key).into_iter().flatten(), today),
                });
            }
        }
        drop(state);
        out.sort_by(|a, b| {
            let rank = |l: Light| u8::from(l == Light::Red);
            rank(b.light)
                .cmp(&rank(a.light))
                .then(
                    b.gap
                        .unwrap_or(f64::NEG_INFINITY)
                        .total_cmp(&a.gap.unwrap_or(f64::NEG_INFINITY)),
                )
                .then(a.indicator.cmp(&b.indicator))
                .then(a.place.cmp(&b.place))
        });
        Ok(out)
    }

    /// Whether `login` may write the cause and measures of `indicator` at `place` (see
    /// [`may_write_note_in`]).
    pub fn may_write_lag_note(&self, login: &str, indicator: &str, place: &str) -> bool {
        may_write_note_in(&self.read(), login, indicator, place)
    }
}

/// Whether `login` may write the cause and measures of `indicator` at `place`, read from a
/// state already held: the lead unit whose scope covers the place, or the office; false
/// for an unknown user, indicator or place.
pub fn may_write_note_in(state: &State, login: &str, indicator: &str, place: &str) -> bool {
    let (Some(who), Some(ind), Some(p)) = (
        state.reporter(login),
        state.plan.indicator(indicator),
        state.tree.id(place),
    ) else {
        return false;
    };
    permission::may_write_lag_note(who, &state.tree, p, ind)
}

/// 问题清单 as an Excel workbook: one sheet of the items (Chinese headers, units in the
/// headers or the cells), one of the rule.
pub fn problems_xlsx(title: &str, problems: &[Problem], today: NaiveDate) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail =
        |e: rust_xlsxwriter::XlsxError| AppError::Invalid(vec![format!("生成 Excel 失败:{e}")]);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let two = Format::new().set_num_format("0.00");
    let sheet = book.add_worksheet();
    sheet.set_name("问题清单").map_err(fail)?;
    sheet.write_with_format(0, 0, title, &bold).map_err(fail)?;
    sheet
        .write(
            1,
            0,
            format!(
                "截至{}(北京时间),红灯在前,同色按落后序时进度从大到小",
                today.format("%Y年%-m月%-d日")
            ),
        )
        .map_err(fail)?;
    let headers = [
        ("序号", 6),
        ("灯号", 8),
        ("指标代码", 9),
        ("指标", 28),
        ("地区", 12),
        ("牵头单位", 16),
        ("年度目标", 10),
        ("当前值", 10),
        ("单位", 8),
        ("数据期别", 12),
        ("落后序时进度(占本年任务%)", 14),
        ("原因", 36),
        ("措施", 36),
        ("原因措施填报期别", 12),
        ("督办单", 18),
        ("在办督办单(件)", 10),
        ("逾期督办单(件)", 10),
        ("督办状态", 14),
        ("最近办理期限", 12),
    ];
    for (c, (h, w)) in headers.iter().enumerate() {
        sheet
            .write_with_format(3, c as u16, *h, &bold)
            .map_err(fail)?;
        sheet.set_column_width(c as u16, *w).map_err(fail)?;
    }
    for (i, p) in problems.iter().enumerate() {
        let r = 4 + i as u32;
        let light = match p.light {
            Light::Red => "■ 滞后",
            Light::Yellow => "▲ 预警",
            Light::Green => "● 达标",
            Light::Grey => "○ 无数据",
        };
        sheet.write(r, 0, (i + 1) as u32).map_err(fail)?;
        sheet.write(r, 1, light).map_err(fail)?;
        sheet.write(r, 2, p.indicator.as_str()).map_err(fail)?;
        sheet.write(r, 3, p.name.as_str()).map_err(fail)?;
        sheet.write(r, 4, p.place_name.as_str()).map_err(fail)?;
        sheet.write(r, 5, p.lead_unit.as_str()).map_err(fail)?;
        sheet.write(r, 6, p.target.as_str()).map_err(fail)?;
        match p.value.filter(|v| v.is_finite()) {
            Some(v) => sheet.write(r, 7, v).map_err(fail)?,
            None => sheet.write(r, 7, "无数据").map_err(fail)?,
        };
        sheet.write(r, 8, p.unit.as_str()).map_err(fail)?;
        sheet
            .write(r, 9, p.as_of.map(|a| a.label_zh()).unwrap_or_default())
            .map_err(fail)?;
        if let Some(g) = p.gap.filter(|g| g.is_finite()) {
            sheet.write_with_format(r, 10, g, &two).map_err(fail)?;
        }
        let (cause, measure, period) = match &p.note {
            Some(n) => (n.cause.as_str(), n.measure.as_str(), n.period.label_zh()),
            None => ("未填报", "未填报", String::new()),
        };
        let or_missing = |t: &str| {
            if t.is_empty() {
                "未填报".to_string()
            } else {
                t.to_string()
            }
        };
        sheet
            .write_with_format(r, 11, or_missing(cause), &wrap)
            .map_err(fail)?;
        sheet
            .write_with_format(r, 12, or_missing(measure), &wrap)
            .map_err(fail)?;
        sheet.write(r, 13, period).map_err(fail)?;
        sheet.write(r, 14, p.orders.ids.join("、")).map_err(fail)?;
        sheet.write(r, 15, p.orders.open as u32).map_err(fail)?;
        sheet.write(r, 16, p.orders.overdue as u32).map_err(fail)?;
        let state = if p.orders.open == 0 {
            "未督办".to_string()
        } else {
            p.orders.worst_zh()
        };
        sheet.write(r, 17, state).map_err(fail)?;
        sheet
            .write(
                r,
                18,
                p.orders
                    .nearest_deadline
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            )
            .map_err(fail)?;
    }
    if problems.is_empty() {
        sheet.write(4, 0, "没有红灯、黄灯指标").map_err(fail)?;
    }
    sheet.set_freeze_panes(4, 0).map_err(fail)?;
    let rule = book.add_worksheet();
    rule.set_name("说明").map_err(fail)?;
    for (i, line) in [
        "问题清单:当年红灯(滞后)和黄灯(预警)的主要指标,区级及各镇(街道)各一行。",
        "排序:红灯在前;同色按落后序时进度(占本年任务的百分比)从大到小。",
        "原因、措施:牵头单位填报的最近一次原因和措施;“未填报”表示尚未填写。",
        "督办:因该指标该地区亮红灯而立项、尚未审结的督办单;督办状态为其中最需关注的一件(逾期优先)。",
    ]
    .iter()
    .enumerate()
    {
        rule.write(i as u32, 0, *line).map_err(fail)?;
    }
    rule.set_column_width(0, 100).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use youxiang_core::manage::{OrderDraft, ReviewChecklist};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn order(id: &str, state: OrderState, deadline: &str) -> Order {
        let mut o = Order::new(
            OrderDraft {
                id: id.into(),
                title: "t".into(),
                body: "b".into(),
                source: OrderSource::RedLight {
                    indicator: "T01".into(),
                    place: "330902".into(),
                    period: "2025-09".into(),
                },
                lead_unit: "区卫健局".into(),
                partner_units: vec![],
                deadline: day(deadline),
            },
            "office",
            NaiveDateTime::default(),
        );
        o.state = state;
        o.checklist = ReviewChecklist::default();
        o
    }

    #[test]
    fn the_worst_open_order_leads_the_summary() {
        let today = day("2025-09-30");
        let orders = [
            order("A", OrderState::InProgress, "2025-10-10"),
            order("B", OrderState::Answered, "2025-09-01"),
            order("C", OrderState::Returned, "2025-10-20"),
            order("D", OrderState::Closed, "2025-08-01"),
        ];
        let s = summarize(&orders, today);
        assert_eq!(s.open, 3);
        assert_eq!(s.overdue, 1);
        // Past the deadline outranks every state.
        assert_eq!(s.worst, Some(OrderState::Answered));
        assert!(s.worst_overdue);
        assert_eq!(s.worst_zh(), "已反馈(已逾期)");
        assert_eq!(s.nearest_deadline, Some(day("2025-09-01")));
        assert_eq!(s.ids, vec!["B", "C", "A"]);
        assert_eq!(summarize(&[], today), OrderSummary::default());
    }

    #[test]
    fn a_note_answers_for_a_month_or_a_quarter_of_the_year() {
        let today = day("2025-10-15");
        let m: Period = "2025-09".parse().expect("period");
        assert_eq!(note_period(Some(m), 2025, today), Some(m));
        let y: Period = "2024".parse().expect("period");
        let q = |y| note_period(Some(y), 2025, today).map(|p| p.to_string());
        assert_eq!(q(y).as_deref(), Some("2025Q4"));
        let q = |year| note_period(None, year, today).map(|p| p.to_string());
        assert_eq!(q(2024).as_deref(), Some("2024Q4"));
        assert_eq!(q(2026).as_deref(), Some("2026Q1"));
    }

    #[test]
    fn a_note_is_checked_field_by_field() {
        let q: Period = "2025Q3".parse().expect("period");
        assert!(check_note(q, "原因", "").is_empty());
        let y: Period = "2025".parse().expect("period");
        let p = check_note(y, " ", "");
        assert_eq!(
            p.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            ["period", "cause"]
        );
        let long = "字".repeat(NOTE_MAX_CHARS + 1);
        let p = check_note(q, "x", &long);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "measure");
        assert!(p[0].1.contains("2001 字"), "{}", p[0].1);
    }
}
