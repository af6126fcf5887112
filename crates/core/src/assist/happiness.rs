//! 幸福清单 (methods §9, issue 16 point 5): per household and period, every benefit and
//! service it is entitled to and what it received, and the list's delivery (channel, date,
//! confirmation); the 送达率 of a set of lists.
//!
//! The amounts are the demo's simplification, stated on every list (the seed has no rule
//! for them):
//!
//! * 低保金 (per month) = (低保标准 ÷ 12 − 人均月收入) × 家庭人口, at least 0 — the
//!   difference to the line, the usual 差额补助;
//! * 特困供养基本生活费 (per month) = 特困供养标准 ÷ 12 × 家庭人口, paid instead of 低保金;
//! * other programmes met (低保边缘 …): the entitlement without an amount (专项救助);
//! * each of the register's needs: a service (e.g. 助餐);
//! * each order of the dispatch done for the household in the period: a service received.
//!
//! A period's amount is the monthly amount × the months of the period. Generating again is
//! idempotent: [`regenerate`] keeps the receipts and the delivery recorded before.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::register::Household;
use super::rules::{Check, Standard, yuan};
use crate::period::{Period, PeriodKind};

/// What an entitlement or a receipt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 政府救助 (a benefit, cash or in kind).
    Benefit,
    /// 服务 (government or social).
    Service,
}

impl ItemKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ItemKind::Benefit => "救助待遇",
            ItemKind::Service => "帮扶服务",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            ItemKind::Benefit => "benefit",
            ItemKind::Service => "service",
        }
    }
}

crate::labelled!(ItemKind, "清单事项类别", {
    Benefit => "benefit" | "救助待遇",
    Service => "service" | "帮扶服务",
});

/// One thing the household is entitled to in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entitlement {
    pub kind: ItemKind,
    /// The rule's code, or `need:助餐`, or `order:ID`.
    pub code: String,
    pub name: String,
    /// 元 per month, when the entitlement is an amount.
    #[serde(default)]
    pub monthly: Option<f64>,
    /// 元 for the whole period.
    #[serde(default)]
    pub amount: Option<f64>,
    /// How the amount was computed, in words (with the demo's note).
    #[serde(default)]
    pub formula: String,
}

/// One thing the household received, as a worker recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub kind: ItemKind,
    pub what: String,
    pub date: NaiveDate,
    /// 元, for a benefit paid.
    #[serde(default)]
    pub amount: Option<f64>,
    /// Who delivered the service (or paid the benefit).
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub by: String,
}

impl Receipt {
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.what.trim().is_empty() {
            out.push("请写明收到的待遇或服务".to_string());
        }
        if let Some(a) = self.amount
            && !(a.is_finite() && a >= 0.0)
        {
            out.push("金额应为不小于0的数(元)".to_string());
        }
        if self.kind == ItemKind::Service && self.provider.trim().is_empty() {
            out.push("服务应写明提供方".to_string());
        }
        out
    }
}

/// How a list reached the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 上门送达
    Visit,
    /// 邮寄
    Post,
    /// 短信
    Sms,
    /// 浙里办
    Zlb,
}

impl Channel {
    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Visit => "上门送达",
            Channel::Post => "邮寄",
            Channel::Sms => "短信",
            Channel::Zlb => "浙里办",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Channel::Visit => "by hand",
            Channel::Post => "by post",
            Channel::Sms => "text message",
            Channel::Zlb => "Zheliban app",
        }
    }
}

crate::labelled!(Channel, "送达方式", {
    Visit => "visit" | "上门送达" | "上门",
    Post => "post" | "邮寄",
    Sms => "sms" | "短信",
    Zlb => "zlb" | "浙里办",
});

/// The household's confirmation of the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    /// 签收
    Signed,
    /// 电话确认
    Phone,
    /// 拒收
    Refused,
}

impl Confirmation {
    pub fn label_zh(self) -> &'static str {
        match self {
            Confirmation::Signed => "签收",
            Confirmation::Phone => "电话确认",
            Confirmation::Refused => "拒收",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Confirmation::Signed => "signed for",
            Confirmation::Phone => "confirmed by phone",
            Confirmation::Refused => "refused",
        }
    }
}

crate::labelled!(Confirmation, "确认方式", {
    Signed => "signed" | "签收",
    Phone => "phone" | "电话确认",
    Refused => "refused" | "拒收",
});

/// A list's delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub channel: Channel,
    pub date: NaiveDate,
    pub confirmation: Confirmation,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub by: String,
}

impl Delivery {
    /// Delivered with a confirmation (a refusal is not a delivery).
    pub fn confirmed(&self) -> bool {
        self.confirmation != Confirmation::Refused
    }

    pub fn problems(&self, period_start: NaiveDate, today: NaiveDate) -> Vec<String> {
        let mut out = Vec::new();
        if self.date > today {
            out.push("送达日期不能晚于今天".to_string());
        }
        if self.date < period_start {
            out.push("送达日期不能早于清单所属期间的开始".to_string());
        }
        if self.confirmation == Confirmation::Refused && self.note.trim().is_empty() {
            out.push("拒收时请写明情况".to_string());
        }
        out
    }
}

/// A household's 幸福清单 for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HappinessList {
    /// `{household}@{period}`.
    pub id: String,
    pub household: String,
    pub place: String,
    /// `2025Q3` (a quarter by default; a month or a half-year when the schedule says so).
    pub period: String,
    pub generated_on: NaiveDate,
    /// The head's name, masked (`张*明`): the list never holds personal data whole.
    #[serde(default)]
    pub head_masked: String,
    /// The standard it was computed with, in words.
    #[serde(default)]
    pub standard: String,
    pub entitlements: Vec<Entitlement>,
    #[serde(default)]
    pub receipts: Vec<Receipt>,
    #[serde(default)]
    pub delivery: Option<Delivery>,
    #[serde(default)]
    pub demo: bool,
}

impl HappinessList {
    pub fn delivered(&self) -> bool {
        self.delivery.as_ref().is_some_and(Delivery::confirmed)
    }

    /// The record's state: `delivered`, `refused` or `pending`.
    pub fn state(&self) -> &'static str {
        match &self.delivery {
            Some(d) if d.confirmed() => "delivered",
            Some(_) => "refused",
            None => "pending",
        }
    }

    pub fn entitled_total(&self) -> f64 {
        self.entitlements.iter().filter_map(|e| e.amount).sum()
    }

    pub fn received_total(&self) -> f64 {
        self.receipts.iter().filter_map(|r| r.amount).sum()
    }
}

/// The list's id for a household and period.
pub fn list_id(household: &str, period: &Period) -> String {
    format!("{household}@{period}")
}

/// Whether a period may be a list's (quarter, month or half-year).
pub fn list_period(text: &str) -> Result<Period, String> {
    let p: Period = text.trim().parse().map_err(|e| format!("{e}"))?;
    match p.kind() {
        PeriodKind::Quarter | PeriodKind::Month | PeriodKind::Half => Ok(p),
        _ => Err(format!(
            "幸福清单按季度生成(也可按月或半年):期间应写作 2025Q3、2025-09 或 2025H2,不能是“{text}”"
        )),
    }
}

/// The months a period covers.
pub fn months(p: &Period) -> u32 {
    match p.kind() {
        PeriodKind::Month => 1,
        PeriodKind::Quarter => 3,
        PeriodKind::Half => 6,
        PeriodKind::Year => 12,
        PeriodKind::Week => 0,
    }
}

/// One done order of the dispatch, as read from its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneOrder {
    pub id: String,
    pub service: String,
    pub provider: String,
    pub date: NaiveDate,
}

const NOTE: &str = "(演示口径:方案未给出计发办法)";

/// Every entitlement of `household` for period `p` from its eligibility `check` (judged in
/// the period) under `standard`, its needs, and the orders done for it.
pub fn entitlements(
    household: &Household,
    check: &Check,
    standard: Option<&Standard>,
    p: &Period,
    orders: &[DoneOrder],
) -> Vec<Entitlement> {
    let m = months(p) as f64;
    let size = household.size() as f64;
    let eligible = check.eligible();
    let mut out = Vec::new();
    let tekun = eligible.contains(&"tekun");
    for r in check.rules.iter().filter(|r| r.eligible) {
        let (monthly, formula) = match (r.code.as_str(), standard) {
            ("tekun", Some(s)) => {
                let monthly = s.tekun_year() / 12.0 * size;
                (
                    Some(monthly),
                    format!(
                        "特困供养基本生活费 = 特困供养标准 {} ÷ 12 × {}人 = {}/月{NOTE}",
                        yuan(s.tekun_year()),
                        size,
                        yuan(monthly)
                    ),
                )
            }
            ("dibao", Some(s)) if !tekun => {
                let monthly = dibao_monthly(s.dibao_year, household.income_per_head(), size);
                (
                    Some(monthly),
                    format!(
                        "低保金 = (低保标准 {} ÷ 12 − 人均月收入 {}) × {}人 = {}/月{NOTE}",
                        yuan(s.dibao_year),
                        yuan(household.income_per_head() / 12.0),
                        size,
                        yuan(monthly)
                    ),
                )
            }
            ("dibao", _) if tekun => (None, "已享受特困供养,不重复计发低保金".to_string()),
            _ => (None, "按规定享受相应专项救助".to_string()),
        };
        out.push(Entitlement {
            kind: ItemKind::Benefit,
            code: r.code.clone(),
            name: r.name.clone(),
            monthly: monthly.map(round2),
            amount: monthly.map(|x| round2(x * m)),
            formula,
        });
    }
    for n in &household.needs {
        out.push(Entitlement {
            kind: ItemKind::Service,
            code: format!("need:{n}"),
            name: n.clone(),
            monthly: None,
            amount: None,
            formula: "登记的帮扶需求".to_string(),
        });
    }
    out.extend(orders.iter().map(DoneOrder::entitlement));
    out
}

impl DoneOrder {
    /// The service the order gave, as an entitlement (`order:ID`).
    pub fn entitlement(&self) -> Entitlement {
        Entitlement {
            kind: ItemKind::Service,
            code: format!("order:{}", self.id),
            name: self.service.clone(),
            monthly: None,
            amount: None,
            formula: format!("派单 {}:{} {} 完成", self.id, self.provider, self.date),
        }
    }

    /// The service as received (delivered on the day the order was done).
    pub fn receipt(&self) -> Receipt {
        Receipt {
            kind: ItemKind::Service,
            what: self.service.clone(),
            date: self.date,
            amount: None,
            provider: self.provider.clone(),
            by: format!("派单{}", self.id),
        }
    }

    /// Puts the order on `list` — its entitlement and its receipt, each once; whether the
    /// list changed.
    pub fn put_on(&self, list: &mut HappinessList) -> bool {
        let mut changed = false;
        let e = self.entitlement();
        if !list.entitlements.iter().any(|x| x.code == e.code) {
            list.entitlements.push(e);
            changed = true;
        }
        let r = self.receipt();
        if !list.receipts.contains(&r) {
            list.receipts.push(r);
            changed = true;
        }
        changed
    }
}

/// 低保金 per month: (standard ÷ 12 − income per head per month) × members, at least 0.
pub fn dibao_monthly(dibao_year: f64, income_per_head_year: f64, size: f64) -> f64 {
    round2(((dibao_year - income_per_head_year) / 12.0).max(0.0) * size)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A list generated again: the fresh entitlements, the receipts, delivery and first
/// generation day of the stored one kept.
pub fn regenerate(old: Option<&HappinessList>, fresh: HappinessList) -> HappinessList {
    match old {
        None => fresh,
        Some(o) => {
            // The receipts recorded stay; a done order's receipt is added once.
            let mut receipts = o.receipts.clone();
            for r in &fresh.receipts {
                if !receipts.contains(r) {
                    receipts.push(r.clone());
                }
            }
            HappinessList {
                generated_on: o.generated_on,
                receipts,
                delivery: o.delivery.clone(),
                ..fresh
            }
        }
    }
}

/// A 送达率: lists delivered with a confirmation / lists generated.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Rate {
    pub due: usize,
    pub delivered: usize,
}

impl Rate {
    pub fn of<'a>(lists: impl IntoIterator<Item = &'a HappinessList>) -> Rate {
        let mut r = Rate::default();
        for l in lists {
            r.due += 1;
            if l.delivered() {
                r.delivered += 1;
            }
        }
        r
    }

    /// Percent, `None` when no list is due.
    pub fn percent(&self) -> Option<f64> {
        (self.due > 0).then(|| self.delivered as f64 * 100.0 / self.due as f64)
    }

    /// `95.0%(19/20份)` or `无应送达清单`.
    pub fn words(&self) -> String {
        match self.percent() {
            Some(p) => format!("{p:.1}%({}/{}份)", self.delivered, self.due),
            None => "无应送达清单".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assist::register::{HouseholdStatus, MemberInfo, Personal, PersonalMember};
    use crate::assist::rules::{RuleSet, check, plan_standards, standard_at};

    fn household(size: usize, income_year: f64, needs: &[&str]) -> Household {
        Household {
            id: "H1".into(),
            place: "t".into(),
            lon: None,
            lat: None,
            categories: vec![crate::assist::register::Category::Dibao],
            income_year,
            assets: 0.0,
            needs: needs.iter().map(|s| s.to_string()).collect(),
            status: HouseholdStatus::Active,
            history: vec![],
            consent: None,
            members: vec![MemberInfo::default(); size],
            personal: Personal {
                address: String::new(),
                members: vec![PersonalMember::default(); size],
            },
            demo: false,
        }
    }

    fn list_for(h: &Household, p: &Period) -> HappinessList {
        let s = plan_standards("d");
        let day = p.end();
        let st = standard_at(&s, &["d"], day);
        let c = check(&RuleSet::defaults(), h, st, day);
        HappinessList {
            id: list_id(&h.id, p),
            household: h.id.clone(),
            place: h.place.clone(),
            period: p.to_string(),
            generated_on: day,
            head_masked: String::new(),
            standard: String::new(),
            entitlements: entitlements(h, &c, st, p, &[]),
            receipts: vec![],
            delivery: None,
            demo: false,
        }
    }

    #[test]
    fn the_dibao_amount_is_the_gap_to_the_line_times_the_members() {
        // 2025: 14,100 a head and year; 2 people with 12,000 a year → 6,000 a head.
        // (14,100 − 6,000) ÷ 12 × 2 = 1,350 a month; 4,050 a quarter.
        let p = list_period("2025Q3").unwrap();
        let l = list_for(&household(2, 12000.0, &["助餐"]), &p);
        let d = l.entitlements.iter().find(|e| e.code == "dibao").unwrap();
        assert_eq!(d.monthly, Some(1350.0));
        assert_eq!(d.amount, Some(4050.0));
        assert!(d.formula.contains("演示口径"), "{}", d.formula);
        assert!(
            l.entitlements
                .iter()
                .any(|e| e.kind == ItemKind::Service && e.name == "助餐")
        );
        assert_eq!(dibao_monthly(14100.0, 20000.0, 1.0), 0.0);
        // A month's list is a third of it.
        let m = list_for(
            &household(2, 12000.0, &[]),
            &list_period("2025-09").unwrap(),
        );
        assert_eq!(m.entitlements[0].amount, Some(1350.0));
        assert!(list_period("2025").is_err());
    }

    #[test]
    fn generating_again_keeps_receipts_and_delivery() {
        let p = list_period("2025Q2").unwrap();
        let h = household(1, 6000.0, &[]);
        let mut first = list_for(&h, &p);
        first.receipts.push(Receipt {
            kind: ItemKind::Benefit,
            what: "低保金".into(),
            date: NaiveDate::from_ymd_opt(2025, 4, 10).unwrap(),
            amount: Some(100.0),
            provider: "区民政局".into(),
            by: "mzj".into(),
        });
        first.delivery = Some(Delivery {
            channel: Channel::Visit,
            date: NaiveDate::from_ymd_opt(2025, 4, 12).unwrap(),
            confirmation: Confirmation::Signed,
            note: String::new(),
            by: "mzj".into(),
        });
        let mut again = list_for(&h, &p);
        again.generated_on = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
        let merged = regenerate(Some(&first), again);
        assert_eq!(merged, first, "the same list, nothing duplicated");
        assert!(merged.delivered());
    }

    #[test]
    fn the_rate_counts_confirmed_deliveries_only() {
        let p = list_period("2025Q1").unwrap();
        let h = household(1, 6000.0, &[]);
        let mut a = list_for(&h, &p);
        let b = list_for(&h, &p);
        let mut c = list_for(&h, &p);
        let d = |confirmation| Delivery {
            channel: Channel::Sms,
            date: NaiveDate::from_ymd_opt(2025, 2, 1).unwrap(),
            confirmation,
            note: "不需要".into(),
            by: String::new(),
        };
        a.delivery = Some(d(Confirmation::Phone));
        c.delivery = Some(d(Confirmation::Refused));
        let r = Rate::of([&a, &b, &c]);
        assert_eq!((r.delivered, r.due), (1, 3));
        assert_eq!(r.words(), "33.3%(1/3份)");
        assert_eq!(c.state(), "refused");
        assert_eq!(Rate::default().percent(), None);
        assert!(
            d(Confirmation::Refused)
                .problems(p.start(), p.end())
                .is_empty()
        );
        let mut bad = d(Confirmation::Refused);
        bad.note.clear();
        assert_eq!(bad.problems(p.start(), p.end()).len(), 1);
    }
}
