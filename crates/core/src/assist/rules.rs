//! Rules as data, dated (methods §9): the 低保 standard per place and date (the plan's T18
//! values), the 低保边缘 line and the 特困 support as editable multiples of it, and the
//! eligibility rules (household size, income per head, assets, categories) as TOML data.
//! `check` reports every clause passed or failed with its inputs; `diff` lists who gains
//! and who loses eligibility when a standard changes (动态调整), before it is applied.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::register::{Category, Household};

/// One dated 低保 standard of a place (the district's applies below it unless a place has
/// its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standard {
    /// The place's code.
    pub place: String,
    /// In force from this day.
    pub from: NaiveDate,
    /// 低保标准, 元 per head and year.
    pub dibao_year: f64,
    /// 低保边缘 = this × 低保 (default 1.5).
    #[serde(default = "default_edge")]
    pub edge_factor: f64,
    /// 特困供养 basic support = this × 低保 (default 1.3).
    #[serde(default = "default_tekun")]
    pub tekun_factor: f64,
    /// Where the figure comes from.
    #[serde(default)]
    pub source: String,
}

fn default_edge() -> f64 {
    1.5
}

fn default_tekun() -> f64 {
    1.3
}

impl Standard {
    pub fn edge_year(&self) -> f64 {
        self.dibao_year * self.edge_factor
    }

    pub fn tekun_year(&self) -> f64 {
        self.dibao_year * self.tekun_factor
    }

    /// The line a clause's `basis` names, 元 per head and year.
    pub fn line(&self, basis: Basis) -> f64 {
        match basis {
            Basis::Dibao => self.dibao_year,
            Basis::Edge => self.edge_year(),
            Basis::Tekun => self.tekun_year(),
        }
    }

    /// Every problem of the standard at once.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.place.trim().is_empty() {
            out.push("标准的地点不能为空".to_string());
        }
        if !(self.dibao_year.is_finite() && self.dibao_year > 0.0) {
            out.push("低保标准应为正数(元/人·年)".to_string());
        }
        for (what, f) in [
            ("低保边缘倍数", self.edge_factor),
            ("特困供养倍数", self.tekun_factor),
        ] {
            if !(f.is_finite() && (1.0..=10.0).contains(&f)) {
                out.push(format!("{what}应在1到10之间"));
            }
        }
        out
    }
}

/// The plan's T18 values (最低生活保障年人均标准, 元) as the district's dated standards,
/// each from the 1st of January, with the defaults 1.5 × and 1.3 ×.
pub fn plan_standards(district: &str) -> Vec<Standard> {
    [
        (2022, 12420.0),
        (2023, 13200.0),
        (2024, 13650.0),
        (2025, 14100.0),
        (2026, 14550.0),
        (2027, 15000.0),
    ]
    .into_iter()
    .map(|(y, v)| Standard {
        place: district.to_string(),
        from: NaiveDate::from_ymd_opt(y, 1, 1).expect("a real day"),
        dibao_year: v,
        edge_factor: default_edge(),
        tekun_factor: default_tekun(),
        source: if y == 2022 {
            "方案T18基期值".to_string()
        } else {
            format!("方案T18 {y}年目标值")
        },
    })
    .collect()
}

/// The standard in force at `day` for a place whose chain from itself up to the root is
/// `chain` (own code first): the most specific place that has one, its latest start on or
/// before the day.
pub fn standard_at<'a>(
    standards: &'a [Standard],
    chain: &[&str],
    day: NaiveDate,
) -> Option<&'a Standard> {
    chain.iter().find_map(|place| {
        standards
            .iter()
            .filter(|s| s.place == *place && s.from <= day)
            .max_by_key(|s| s.from)
    })
}

/// Which line of the standard a clause compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Dibao,
    Edge,
    Tekun,
}

impl Basis {
    pub fn label_zh(self) -> &'static str {
        match self {
            Basis::Dibao => "低保标准",
            Basis::Edge => "低保边缘标准",
            Basis::Tekun => "特困供养标准",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Basis::Dibao => "allowance standard",
            Basis::Edge => "near-allowance line",
            Basis::Tekun => "destitute support",
        }
    }
}

crate::labelled!(Basis, "比较依据", {
    Dibao => "dibao" | "低保",
    Edge => "edge" | "低保边缘",
    Tekun => "tekun" | "特困",
});

/// One clause of an eligibility rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Clause {
    /// Income per head below `times` × the line.
    IncomeBelow {
        basis: Basis,
        #[serde(default = "one")]
        times: f64,
    },
    /// Income per head at or above `times` × the line.
    IncomeAtLeast {
        basis: Basis,
        #[serde(default = "one")]
        times: f64,
    },
    /// Assets per head at most `times` × the line.
    AssetsAtMost {
        basis: Basis,
        times: f64,
    },
    /// At least / at most this many members.
    SizeAtLeast {
        n: usize,
    },
    SizeAtMost {
        n: usize,
    },
    /// One of these categories.
    CategoryAny {
        categories: Vec<Category>,
    },
    /// None of these categories.
    CategoryNone {
        categories: Vec<Category>,
    },
}

fn one() -> f64 {
    1.0
}

/// An eligibility rule: a programme and the clauses that must all pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The programme's code (e.g. `dibao`).
    pub code: String,
    pub name: String,
    pub clauses: Vec<Clause>,
}

/// The eligibility rules, as written in TOML (`[[rule]]` tables).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

/// The shipped default rules (editable: stored as a config record).
pub const DEFAULT_RULES: &str = r#"
# 救助资格规则(可修改)。收入、资产均按人均、年计;标准见“低保标准”。
[[rule]]
code = "dibao"
name = "最低生活保障"
clauses = [
  { kind = "size_at_least", n = 1 },
  { kind = "income_below", basis = "dibao", times = 1.0 },
  { kind = "assets_at_most", basis = "dibao", times = 2.0 },
]

[[rule]]
code = "dibao_edge"
name = "低保边缘"
clauses = [
  { kind = "income_at_least", basis = "dibao", times = 1.0 },
  { kind = "income_below", basis = "edge", times = 1.0 },
  { kind = "assets_at_most", basis = "edge", times = 2.0 },
]

[[rule]]
code = "tekun"
name = "特困供养"
clauses = [
  { kind = "category_any", categories = ["tekun"] },
  { kind = "size_at_most", n = 1 },
  { kind = "income_below", basis = "tekun", times = 1.0 },
]
"#;

impl RuleSet {
    /// Reads rules from TOML, every problem named.
    pub fn from_toml(text: &str) -> Result<RuleSet, String> {
        let set: RuleSet = toml::from_str(text).map_err(|e| format!("规则无法读取:{e}"))?;
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in &set.rules {
            if !seen.insert(r.code.clone()) {
                problems.push(format!("规则编码“{}”重复", r.code));
            }
            if r.clauses.is_empty() {
                problems.push(format!("规则“{}”没有条款", r.code));
            }
        }
        if problems.is_empty() {
            Ok(set)
        } else {
            Err(problems.join(";"))
        }
    }

    pub fn defaults() -> RuleSet {
        RuleSet::from_toml(DEFAULT_RULES).expect("the shipped rules read")
    }
}

/// One clause judged, with its inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseResult {
    /// The clause in words, with its inputs (e.g. `人均年收入 9,600元 < 低保标准 14,100元`).
    pub text: String,
    pub passed: bool,
}

/// One rule judged for a household.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    pub code: String,
    pub name: String,
    pub eligible: bool,
    pub clauses: Vec<ClauseResult>,
}

/// What a check used and found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub household: String,
    pub date: NaiveDate,
    pub standard: Option<Standard>,
    pub size: usize,
    pub income_per_head: f64,
    pub assets_per_head: f64,
    pub rules: Vec<RuleResult>,
}

impl Check {
    /// The codes of the rules the household meets.
    pub fn eligible(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.eligible)
            .map(|r| r.code.as_str())
            .collect()
    }
}

/// `14100` → `14,100`; two decimals only when there are cents.
pub fn yuan(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let whole = cents / 100;
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if cents < 0 { "-" } else { "" };
    if cents % 100 == 0 {
        format!("{sign}{grouped}元")
    } else {
        format!("{sign}{grouped}.{:02}元", (cents % 100).abs())
    }
}

fn clause(c: &Clause, h: &Household, s: Option<&Standard>) -> ClauseResult {
    let size = h.size();
    let line = |basis: Basis, times: f64| {
        s.map(|s| {
            (
                s.line(basis) * times,
                if (times - 1.0).abs() < 1e-12 {
                    format!("{} {}", basis.label_zh(), yuan(s.line(basis) * times))
                } else {
                    format!(
                        "{} × {times} = {}",
                        basis.label_zh(),
                        yuan(s.line(basis) * times)
                    )
                },
            )
        })
    };
    let no_standard = |what: &str| ClauseResult {
        text: format!("{what}:无适用的低保标准,无法判断"),
        passed: false,
    };
    match c {
        Clause::IncomeBelow { basis, times } => match line(*basis, *times) {
            Some((limit, words)) => {
                let v = h.income_per_head();
                ClauseResult {
                    text: format!("人均年收入 {} < {words}", yuan(v)),
                    passed: v < limit,
                }
            }
            None => no_standard("人均年收入"),
        },
        Clause::IncomeAtLeast { basis, times } => match line(*basis, *times) {
            Some((limit, words)) => {
                let v = h.income_per_head();
                ClauseResult {
                    text: format!("人均年收入 {} ≥ {words}", yuan(v)),
                    passed: v >= limit,
                }
            }
            None => no_standard("人均年收入"),
        },
        Clause::AssetsAtMost { basis, times } => match line(*basis, *times) {
            Some((limit, words)) => {
                let v = h.assets_per_head();
                ClauseResult {
                    text: format!("人均金融资产 {} ≤ {words}", yuan(v)),
                    passed: v <= limit,
                }
            }
            None => no_standard("人均金融资产"),
        },
        Clause::SizeAtLeast { n } => ClauseResult {
            text: format!("家庭人口 {size}人 ≥ {n}人"),
            passed: size >= *n,
        },
        Clause::SizeAtMost { n } => ClauseResult {
            text: format!("家庭人口 {size}人 ≤ {n}人"),
            passed: size <= *n,
        },
        Clause::CategoryAny { categories } => ClauseResult {
            text: format!(
                "困难类别含 {} 之一(本户:{})",
                names(categories),
                names(&h.categories)
            ),
            passed: h.categories.iter().any(|c| categories.contains(c)),
        },
        Clause::CategoryNone { categories } => ClauseResult {
            text: format!(
                "困难类别不含 {}(本户:{})",
                names(categories),
                names(&h.categories)
            ),
            passed: !h.categories.iter().any(|c| categories.contains(c)),
        },
    }
}

fn names(categories: &[Category]) -> String {
    if categories.is_empty() {
        return "无".to_string();
    }
    categories
        .iter()
        .map(|c| c.label_zh())
        .collect::<Vec<_>>()
        .join("、")
}

/// Judges every rule for `household` on `date` under `standard`, every clause with its
/// inputs.
pub fn check(
    rules: &RuleSet,
    household: &Household,
    standard: Option<&Standard>,
    date: NaiveDate,
) -> Check {
    Check {
        household: household.id.clone(),
        date,
        standard: standard.cloned(),
        size: household.size(),
        income_per_head: household.income_per_head(),
        assets_per_head: household.assets_per_head(),
        rules: rules
            .rules
            .iter()
            .map(|r| {
                let clauses: Vec<ClauseResult> = r
                    .clauses
                    .iter()
                    .map(|c| clause(c, household, standard))
                    .collect();
                RuleResult {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    eligible: clauses.iter().all(|c| c.passed),
                    clauses,
                }
            })
            .collect(),
    }
}

/// One household whose eligibility a change would move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EligibilityChange {
    pub household: String,
    pub place: String,
    /// The rules it would newly meet.
    pub gains: Vec<String>,
    /// The rules it would no longer meet.
    pub loses: Vec<String>,
}

/// Who gains and who loses eligibility between two checks of the same households (in
/// order); households whose eligibility does not move are left out.
pub fn diff(before: &[Check], after: &[Check], places: &[String]) -> Vec<EligibilityChange> {
    before
        .iter()
        .zip(after)
        .zip(places)
        .filter_map(|((b, a), place)| {
            let was = b.eligible();
            let now = a.eligible();
            let gains: Vec<String> = now
                .iter()
                .filter(|c| !was.contains(c))
                .map(|c| c.to_string())
                .collect();
            let loses: Vec<String> = was
                .iter()
                .filter(|c| !now.contains(c))
                .map(|c| c.to_string())
                .collect();
            (!gains.is_empty() || !loses.is_empty()).then(|| EligibilityChange {
                household: b.household.clone(),
                place: place.clone(),
                gains,
                loses,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assist::register::{HouseholdStatus, MemberInfo, Personal, PersonalMember};

    fn household(size: usize, income_year: f64, assets: f64, cats: &[Category]) -> Household {
        Household {
            id: "H1".into(),
            place: "t".into(),
            lon: None,
            lat: None,
            categories: cats.to_vec(),
            income_year,
            assets,
            needs: vec![],
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

    fn day(y: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, 6, 1).unwrap()
    }

    #[test]
    fn the_standard_in_force_is_the_latest_of_the_most_specific_place() {
        let mut s = plan_standards("d");
        assert_eq!(
            standard_at(&s, &["t", "d"], day(2025)).unwrap().dibao_year,
            14100.0
        );
        assert_eq!(
            standard_at(&s, &["t", "d"], day(2024)).unwrap().edge_year(),
            13650.0 * 1.5
        );
        assert!(
            standard_at(
                &s,
                &["t", "d"],
                NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()
            )
            .is_none()
        );
        s.push(Standard {
            place: "t".into(),
            from: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            dibao_year: 15000.0,
            edge_factor: 1.5,
            tekun_factor: 1.3,
            source: String::new(),
        });
        assert_eq!(
            standard_at(&s, &["t", "d"], day(2025)).unwrap().dibao_year,
            15000.0
        );
        assert_eq!(
            standard_at(&s, &["x", "d"], day(2025)).unwrap().dibao_year,
            14100.0
        );
    }

    #[test]
    fn every_clause_reports_its_inputs() {
        let rules = RuleSet::defaults();
        let s = plan_standards("d");
        let st = standard_at(&s, &["d"], day(2025));
        // 2 people, 20,000 a year: 10,000 per head < 14,100.
        let c = check(
            &rules,
            &household(2, 20000.0, 1000.0, &[Category::Dibao]),
            st,
            day(2025),
        );
        assert_eq!(c.eligible(), vec!["dibao"]);
        let dibao = &c.rules[0];
        assert!(
            dibao.clauses[1].text.contains("10,000元")
                && dibao.clauses[1].text.contains("14,100元")
        );
        // 16,000 per head: edge (< 21,150), not dibao.
        let c = check(&rules, &household(1, 16000.0, 0.0, &[]), st, day(2025));
        assert_eq!(c.eligible(), vec!["dibao_edge"]);
        // 特困: the category, alone, under 1.3 ×.
        let c = check(
            &rules,
            &household(1, 9000.0, 0.0, &[Category::Tekun]),
            st,
            day(2025),
        );
        assert_eq!(c.eligible(), vec!["dibao", "tekun"]);
        let failed = &check(
            &rules,
            &household(1, 9000.0, 0.0, &[Category::Tekun]),
            None,
            day(2025),
        );
        assert!(failed.eligible().is_empty());
        assert!(failed.rules[0].clauses[1].text.contains("无适用"));
    }

    #[test]
    fn a_raised_standard_lists_who_gains_and_loses() {
        let rules = RuleSet::defaults();
        let hs = [
            household(1, 14000.0, 0.0, &[]),
            household(1, 30000.0, 0.0, &[]),
        ];
        let low = plan_standards("d");
        let mut high = low.clone();
        high.last_mut().unwrap().dibao_year = 14500.0;
        let d = day(2027);
        let before: Vec<Check> = hs
            .iter()
            .map(|h| check(&rules, h, standard_at(&low, &["d"], d), d))
            .collect();
        let after: Vec<Check> = hs
            .iter()
            .map(|h| check(&rules, h, standard_at(&high, &["d"], d), d))
            .collect();
        let changes = diff(&before, &after, &["t".to_string(), "t".to_string()]);
        // 14,000 < 15,000 under both; a lower 14,500 standard keeps it under → no change;
        // but its edge line 21,750 < 30,000 leaves the second out under both.
        assert!(changes.is_empty(), "{changes:?}");
        high.last_mut().unwrap().dibao_year = 13000.0;
        let after: Vec<Check> = hs
            .iter()
            .map(|h| check(&rules, h, standard_at(&high, &["d"], d), d))
            .collect();
        let changes = diff(&before, &after, &["t".to_string(), "t".to_string()]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].gains, vec!["dibao_edge"]);
        assert_eq!(changes[0].loses, vec!["dibao"]);
    }

    #[test]
    fn rules_read_from_toml_and_refuse_duplicates() {
        assert_eq!(RuleSet::defaults().rules.len(), 3);
        let twice = format!(
            "{DEFAULT_RULES}\n[[rule]]\ncode = \"dibao\"\nname = \"x\"\nclauses = [{{ kind = \"size_at_least\", n = 1 }}]\n"
        );
        assert!(RuleSet::from_toml(&twice).unwrap_err().contains("重复"));
        assert!(RuleSet::from_toml("[[rule]]\ncode=1").is_err());
    }

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(yuan(14100.0), "14,100元");
        assert_eq!(yuan(1175.5), "1,175.50元");
        assert_eq!(yuan(0.0), "0元");
    }
}
