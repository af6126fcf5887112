//! The basic public-service standard system as data (基本公共服务标准体系): editions of a
//! catalogue — the national 国家基本公共服务标准 (2021, 2023), a province's implementing
//! standard, a county's 实施标准 — each item with its target group, content, standard,
//! funding responsibility and lead unit, the levels that deliver it, how delivery is
//! evidenced, and, in a local edition, how it stands to the edition above.
//!
//! Pure: [`check`] lists every problem of an edition at once (errors) and every field left
//! empty for want of a source (flags, never filled in by guessing); [`diff`] compares two
//! editions item by item (added, removed, standard changed, target group changed).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

/// The national standard's nine aspects (七有两保障: 幼有所育 … 文体服务保障); written in
/// files by their Chinese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Aspect {
    Childcare,
    Education,
    Employment,
    Health,
    Elderly,
    Housing,
    Vulnerable,
    Veterans,
    CultureSports,
}

impl Aspect {
    pub const ALL: [Aspect; 9] = [
        Aspect::Childcare,
        Aspect::Education,
        Aspect::Employment,
        Aspect::Health,
        Aspect::Elderly,
        Aspect::Housing,
        Aspect::Vulnerable,
        Aspect::Veterans,
        Aspect::CultureSports,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Aspect::Childcare => "幼有所育",
            Aspect::Education => "学有所教",
            Aspect::Employment => "劳有所得",
            Aspect::Health => "病有所医",
            Aspect::Elderly => "老有所养",
            Aspect::Housing => "住有所居",
            Aspect::Vulnerable => "弱有所扶",
            Aspect::Veterans => "优军服务保障",
            Aspect::CultureSports => "文体服务保障",
        }
    }

    /// The code (`childcare`), also accepted when reading.
    pub fn code(self) -> &'static str {
        match self {
            Aspect::Childcare => "childcare",
            Aspect::Education => "education",
            Aspect::Employment => "employment",
            Aspect::Health => "health",
            Aspect::Elderly => "elderly",
            Aspect::Housing => "housing",
            Aspect::Vulnerable => "vulnerable",
            Aspect::Veterans => "veterans",
            Aspect::CultureSports => "culture_sports",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Aspect::Childcare => "childcare",
            Aspect::Education => "education",
            Aspect::Employment => "employment",
            Aspect::Health => "health",
            Aspect::Elderly => "elderly care",
            Aspect::Housing => "housing",
            Aspect::Vulnerable => "support for the vulnerable",
            Aspect::Veterans => "services for veterans",
            Aspect::CultureSports => "culture and sports",
        }
    }
}

impl FromStr for Aspect {
    type Err = String;

    /// The Chinese name (幼有所育) or the code (`childcare`).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        Aspect::ALL
            .into_iter()
            .find(|a| a.label_zh() == s || a.code() == s)
            .ok_or_else(|| {
                format!(
                    "“{s}”不是九个方面之一({})",
                    Aspect::ALL.map(Aspect::label_zh).join("、")
                )
            })
    }
}

impl TryFrom<String> for Aspect {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Aspect> for String {
    fn from(a: Aspect) -> String {
        a.label_zh().to_string()
    }
}

/// Who delivers an item: the district (区), the town (镇(街道)) or the village (村(社区));
/// written in files by those names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeliveryLevel {
    District,
    Town,
    Village,
}

impl DeliveryLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            DeliveryLevel::District => "区",
            DeliveryLevel::Town => "镇(街道)",
            DeliveryLevel::Village => "村(社区)",
        }
    }
}

impl FromStr for DeliveryLevel {
    type Err = String;

    /// 区 / 县, 镇(街道) / 镇 / 街道 / 乡, 村(社区) / 村 / 社区, or `district` / `town` /
    /// `village`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "区" | "县" | "区(县)" | "district" => Ok(DeliveryLevel::District),
            "镇(街道)" | "镇" | "街道" | "乡" | "乡镇" | "town" => Ok(DeliveryLevel::Town),
            "村(社区)" | "村" | "社区" | "village" => Ok(DeliveryLevel::Village),
            other => Err(format!("“{other}”不是提供层级(区、镇(街道)、村(社区))")),
        }
    }
}

impl TryFrom<String> for DeliveryLevel {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<DeliveryLevel> for String {
    fn from(l: DeliveryLevel) -> String {
        l.label_zh().to_string()
    }
}

/// How an item of a local edition stands to the edition above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Relation {
    /// The same as above.
    Same,
    /// Above the edition above, with the difference in words.
    Higher { difference: String },
    /// Only in this edition.
    LocalOnly,
}

/// How delivery of an item is evidenced (服务达标的依据).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A facility of a type within so many minutes' walk of residents.
    Facility { facility_type: String, minutes: u32 },
    /// An indicator of the plan meeting a threshold (written as a target cell: `≥90`).
    Indicator {
        indicator: String,
        threshold: String,
    },
    /// A periodic yes/no report with its evidence, typed by the delivering unit.
    Report { every: String },
}

/// One service item (服务项目).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique within the edition; the key that matches items across editions.
    pub code: String,
    /// One of the nine aspects; empty (and flagged) where no source names it.
    #[serde(default)]
    pub aspect: Option<Aspect>,
    /// 服务类别 (e.g. 优孕优生服务).
    #[serde(default)]
    pub category: String,
    /// 服务项目.
    pub name: String,
    /// 服务对象.
    #[serde(default)]
    pub target_group: String,
    /// 服务内容.
    #[serde(default)]
    pub content: String,
    /// 服务标准.
    #[serde(default)]
    pub standard: String,
    /// 支出责任.
    #[serde(default)]
    pub funding: String,
    /// 牵头负责单位.
    #[serde(default)]
    pub lead_unit: String,
    /// The levels that deliver it.
    #[serde(default)]
    pub levels: Vec<DeliveryLevel>,
    /// For an item of a local edition: how it stands to the edition above.
    #[serde(default)]
    pub relation: Option<Relation>,
    /// The plan domain it serves (a domain code or name of the plan), if any.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub evidence: Option<Evidence>,
    /// Where the item's text comes from (a document and its section, a URL).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// Whose edition it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    National,
    Province,
    City,
    County,
}

/// One edition of a catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    /// E.g. `national-2023`, `zhejiang-2022`, `dinghai-sample`.
    pub code: String,
    pub name: String,
    pub issuer: String,
    pub year: i32,
    pub scope: Scope,
    /// The edition this one implements (a local edition's national or provincial one).
    #[serde(default)]
    pub parent: Option<String>,
    /// A sample for the district to confirm, not an adopted standard: labelled wherever shown.
    #[serde(default)]
    pub sample: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub items: Vec<Item>,
}

/// A problem of an edition: an error makes it unusable, a flag marks what is unsourced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The item's code, or empty for the edition itself.
    pub item: String,
    pub field: &'static str,
    pub message: String,
    pub error: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.error { "错误" } else { "待核实" };
        if self.item.is_empty() {
            write!(f, "{what}:{}:{}", self.field, self.message)
        } else {
            write!(f, "{what}:{} {}:{}", self.item, self.field, self.message)
        }
    }
}

/// Every problem of `c` at once: errors (a duplicate or empty code, an empty name, a
/// relation without a parent edition or a local item without one, an evidence or domain
/// the plan does not know) and flags (each of the five fields left empty, no source, no
/// delivery level) — a field nobody could source stays empty and flagged.
pub fn check(c: &Catalogue, plan: Option<&Plan>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut err = |item: &str, field: &'static str, message: String| {
        out.push(Finding {
            item: item.to_string(),
            field,
            message,
            error: true,
        })
    };
    if c.code.trim().is_empty() {
        err("", "code", "版本编码不能为空".into());
    }
    if c.name.trim().is_empty() {
        err("", "name", "名称不能为空".into());
    }
    let mut seen = BTreeSet::new();
    for item in &c.items {
        let code = item.code.trim();
        if code.is_empty() {
            err(&item.name, "code", "服务项目编码不能为空".into());
        } else if !seen.insert(code) {
            err(code, "code", "服务项目编码重复".into());
        }
        if item.name.trim().is_empty() {
            err(code, "name", "服务项目名称不能为空".into());
        }
        match (&c.parent, &item.relation) {
            (None, Some(_)) => err(
                code,
                "relation",
                "本版本没有上级版本(parent),不能写与上级的关系".into(),
            ),
            (_, Some(Relation::Higher { difference })) if difference.trim().is_empty() => {
                err(code, "relation", "高于上级标准的,须写明高在何处".into())
            }
            _ => {}
        }
        if let Some(plan) = plan {
            if let Some(d) = &item.domain
                && !plan.domains.iter().any(|x| x.code == *d || x.name == *d)
            {
                err(code, "domain", format!("“{d}”不是本方案的领域"));
            }
            if let Some(Evidence::Indicator { indicator, .. }) = &item.evidence
                && plan.indicator(indicator).is_none()
            {
                err(code, "evidence", format!("“{indicator}”不是本方案的指标"));
            }
        }
        if let Some(Evidence::Indicator { threshold, .. }) = &item.evidence
            && crate::target::Target::parse(threshold).is_err()
        {
            err(code, "evidence", format!("达标阈值“{threshold}”读不出"));
        }
        if let Some(Evidence::Facility { minutes: 0, .. }) = &item.evidence {
            err(code, "evidence", "步行分钟数须大于 0".into());
        }
        if let Some(Evidence::Facility { facility_type, .. }) = &item.evidence
            && let Err(e) = facility_type.parse::<crate::facilities::FacilityType>()
        {
            err(code, "evidence", e.to_string());
        }
    }
    for item in &c.items {
        let code = item.code.trim();
        let mut flag = |field: &'static str, what: &str| {
            out.push(Finding {
                item: code.to_string(),
                field,
                message: format!("{what}未填(未找到可核实的来源)"),
                error: false,
            })
        };
        for (field, what, value) in [
            ("target_group", "服务对象", &item.target_group),
            ("content", "服务内容", &item.content),
            ("standard", "服务标准", &item.standard),
            ("funding", "支出责任", &item.funding),
            ("lead_unit", "牵头负责单位", &item.lead_unit),
            ("source", "来源", &item.source),
        ] {
            if value.trim().is_empty() {
                flag(field, what);
            }
        }
        if item.levels.is_empty() {
            flag("levels", "提供层级");
        }
        if item.aspect.is_none() {
            flag("aspect", "所属方面");
        }
        // Under a parent edition, how an item stands to it is written where known; a
        // partial parent cannot tell, so an empty relation is flagged, never guessed.
        if c.parent.is_some() && item.relation.is_none() {
            flag("relation", "与上级版本的关系");
        }
    }
    out
}

/// How one item changed between two editions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    pub code: String,
    pub name: String,
    /// (field, before, after) for each field that differs.
    pub fields: Vec<(&'static str, String, String)>,
}

/// What changed from edition `a` to edition `b`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CatalogueDiff {
    pub added: Vec<Item>,
    pub removed: Vec<Item>,
    /// 服务标准 changed (raised, or otherwise reworded).
    pub standard: Vec<Changed>,
    /// 服务对象 changed (widened, or otherwise).
    pub target_group: Vec<Changed>,
    /// Any other field: content, funding, lead unit, levels, category, aspect.
    pub other: Vec<Changed>,
}

/// Compares two editions, matching items by code, then by name for an item whose code
/// is new (an edition may renumber).
pub fn diff(a: &Catalogue, b: &Catalogue) -> CatalogueDiff {
    let by_code: BTreeMap<&str, &Item> = a.items.iter().map(|i| (i.code.as_str(), i)).collect();
    let by_name: BTreeMap<&str, &Item> = a.items.iter().map(|i| (i.name.as_str(), i)).collect();
    let mut matched = BTreeSet::new();
    let mut out = CatalogueDiff::default();
    for new in &b.items {
        let old = by_code
            .get(new.code.as_str())
            .or_else(|| by_name.get(new.name.as_str()))
            .copied()
            .filter(|old| !matched.contains(old.code.as_str()));
        let Some(old) = old else {
            out.added.push(new.clone());
            continue;
        };
        matched.insert(old.code.as_str());
        let changed = |fields: Vec<(&'static str, String, String)>| Changed {
            code: new.code.clone(),
            name: new.name.clone(),
            fields,
        };
        let pair = |f: &'static str, x: &str, y: &str| {
            (x.trim() != y.trim()).then(|| (f, x.to_string(), y.to_string()))
        };
        if let Some(f) = pair("standard", &old.standard, &new.standard) {
            out.standard.push(changed(vec![f]));
        }
        if let Some(f) = pair("target_group", &old.target_group, &new.target_group) {
            out.target_group.push(changed(vec![f]));
        }
        let levels = |l: &[DeliveryLevel]| {
            l.iter()
                .map(|x| x.label_zh())
                .collect::<Vec<_>>()
                .join("、")
        };
        let other: Vec<_> = [
            pair("name", &old.name, &new.name),
            pair(
                "aspect",
                old.aspect.map_or("", Aspect::label_zh),
                new.aspect.map_or("", Aspect::label_zh),
            ),
            pair("category", &old.category, &new.category),
            pair("content", &old.content, &new.content),
            pair("funding", &old.funding, &new.funding),
            pair("lead_unit", &old.lead_unit, &new.lead_unit),
            pair("levels", &levels(&old.levels), &levels(&new.levels)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !other.is_empty() {
            out.other.push(changed(other));
        }
    }
    out.removed = a
        .items
        .iter()
        .filter(|i| !matched.contains(i.code.as_str()))
        .cloned()
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, aspect: Aspect, name: &str) -> Item {
        Item {
            code: code.into(),
            aspect: Some(aspect),
            category: String::new(),
            name: name.into(),
            target_group: "全体居民".into(),
            content: "内容".into(),
            standard: "标准".into(),
            funding: "地方".into(),
            lead_unit: "卫生健康委".into(),
            levels: vec![DeliveryLevel::District],
            relation: None,
            domain: None,
            evidence: None,
            source: "文件".into(),
            note: String::new(),
        }
    }

    fn edition(code: &str, items: Vec<Item>) -> Catalogue {
        Catalogue {
            code: code.into(),
            name: "国家基本公共服务标准".into(),
            issuer: "国家发展改革委等".into(),
            year: 2023,
            scope: Scope::National,
            parent: None,
            sample: false,
            note: String::new(),
            items,
        }
    }

    #[test]
    fn aspects_read_in_chinese_or_by_code() {
        assert_eq!("幼有所育".parse::<Aspect>(), Ok(Aspect::Childcare));
        assert_eq!(
            "culture_sports".parse::<Aspect>(),
            Ok(Aspect::CultureSports)
        );
        let e = "老有所依".parse::<Aspect>().unwrap_err();
        assert!(e.contains("幼有所育") && e.contains("文体服务保障"), "{e}");
    }

    #[test]
    fn check_lists_every_error_and_flags_what_is_unsourced() {
        let mut empty = item("2", Aspect::Health, "健康教育");
        empty.standard.clear();
        empty.source.clear();
        let mut c = edition(
            "x",
            vec![
                item("1", Aspect::Childcare, "预防接种"),
                item("1", Aspect::Health, ""),
                empty,
            ],
        );
        c.items[0].relation = Some(Relation::Same);
        let f = check(&c, None);
        let errors: Vec<String> = f
            .iter()
            .filter(|f| f.error)
            .map(|f| f.to_string())
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("编码重复")));
        assert!(errors.iter().any(|e| e.contains("名称不能为空")));
        assert!(errors.iter().any(|e| e.contains("没有上级版本")));
        let flags: Vec<String> = f
            .iter()
            .filter(|f| !f.error)
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            flags,
            vec![
                "待核实:2 standard:服务标准未填(未找到可核实的来源)",
                "待核实:2 source:来源未填(未找到可核实的来源)"
            ]
        );
        // A local edition: an item that does not say how it stands to the one above is
        // flagged (the parent may be partial), never an error and never guessed.
        let mut local = edition("dinghai", vec![item("1", Aspect::Elderly, "助餐")]);
        local.parent = Some("national-2023".into());
        assert!(
            check(&local, None)
                .iter()
                .any(|f| !f.error && f.field == "relation")
        );
        local.items[0].relation = Some(Relation::Higher {
            difference: " ".into(),
        });
        assert!(
            check(&local, None)
                .iter()
                .any(|f| f.message.contains("高在何处"))
        );
        local.items[0].relation = Some(Relation::LocalOnly);
        assert!(check(&local, None).iter().all(|f| !f.error));
    }

    #[test]
    fn diff_names_added_removed_raised_and_widened() {
        let a = edition(
            "national-2021",
            vec![
                item("A1", Aspect::Education, "义务教育阶段免除学杂费"),
                item("A2", Aspect::Housing, "农村危房改造"),
                item("A3", Aspect::Health, "旧项目"),
                item("A4", Aspect::Health, "健康教育与健康素养促进"),
            ],
        );
        let mut b = edition(
            "national-2023",
            vec![
                item("A1", Aspect::Education, "义务教育阶段免除学杂费"),
                item("A2", Aspect::Housing, "农村危房改造"),
                item("B9", Aspect::Childcare, "增补叶酸预防神经管缺陷服务"),
                // Renumbered, matched by name.
                item("A5", Aspect::Health, "健康教育与健康素养促进"),
            ],
        );
        b.items[0].standard = "更高的标准".into();
        b.items[1].target_group = "更宽的对象".into();
        b.items[3].lead_unit = "另一单位".into();
        let d = diff(&a, &b);
        assert_eq!(
            d.added.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(),
            ["B9"]
        );
        assert_eq!(
            d.removed
                .iter()
                .map(|i| i.code.as_str())
                .collect::<Vec<_>>(),
            ["A3"]
        );
        assert_eq!(d.standard.len(), 1);
        assert_eq!(d.standard[0].code, "A1");
        assert_eq!(d.target_group.len(), 1);
        assert_eq!(d.target_group[0].code, "A2");
        assert_eq!(d.other.len(), 1);
        assert_eq!(d.other[0].fields[0].0, "lead_unit");
        assert_eq!(diff(&b, &b), CatalogueDiff::default());
    }
}
