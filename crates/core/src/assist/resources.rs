//! The register of resources (issue 16 point 3, methods §9): the 政府救助责任清单 (which
//! department gives which service or benefit to which categories, how often) and the
//! 社会力量帮扶清单 (慈善组织, 志愿者队伍, 爱心企业, 幸福驿站: service type, capacity per
//! period, location, radius, the categories served), and the 公益创投项目 — and the
//! matching of the register's needs to them with the one exact matcher
//! ([`super::matching::match_optimal_where`]), the categories served as a filter, a reason
//! for every match and every need left unmet.
//!
//! Pure: the app stores, scopes and audits.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::matching::{self, MatchOptions, Need, Resource, Unmet, haversine_m};
use super::register::{Category, Household, HouseholdStatus};

/// Which list a resource is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceList {
    /// 政府救助责任清单
    Government,
    /// 社会力量帮扶清单
    Social,
}

impl ResourceList {
    pub fn label_zh(self) -> &'static str {
        match self {
            ResourceList::Government => "政府救助责任清单",
            ResourceList::Social => "社会力量帮扶清单",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            ResourceList::Government => "government responsibility list",
            ResourceList::Social => "social assistance list",
        }
    }
}

crate::labelled!(ResourceList, "清单", {
    Government => "government" | "政府",
    Social => "social" | "社会",
});

/// Who provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// 政府部门 (the government list)
    Department,
    /// 慈善组织
    Charity,
    /// 志愿者队伍
    Volunteers,
    /// 爱心企业
    Enterprise,
    /// 幸福驿站
    Station,
}

impl ProviderKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ProviderKind::Department => "政府部门",
            ProviderKind::Charity => "慈善组织",
            ProviderKind::Volunteers => "志愿者队伍",
            ProviderKind::Enterprise => "爱心企业",
            ProviderKind::Station => "幸福驿站",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            ProviderKind::Department => "government department",
            ProviderKind::Charity => "charity",
            ProviderKind::Volunteers => "volunteer team",
            ProviderKind::Enterprise => "caring enterprise",
            ProviderKind::Station => "happiness station",
        }
    }
    /// The list a provider of this kind is on.
    pub fn list(self) -> ResourceList {
        match self {
            ProviderKind::Department => ResourceList::Government,
            _ => ResourceList::Social,
        }
    }
}

crate::labelled!(ProviderKind, "帮扶力量类型", {
    Department => "department" | "部门",
    Charity => "charity" | "慈善",
    Volunteers => "volunteers" | "志愿者",
    Enterprise => "enterprise" | "企业",
    Station => "station" | "驿站",
});

/// One resource of either list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistResource {
    /// The register's id, e.g. `R-0001`.
    pub id: String,
    /// The organisation or department (区民政局, 定海区慈善总会, 某某幸福驿站 …).
    pub name: String,
    pub kind: ProviderKind,
    /// The service or benefit (助餐, 助医, 探访关爱 …): needs of the same words go to it.
    pub service: String,
    /// The place's code it stands at (town or village).
    pub place: String,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    /// The service radius, metres (great-circle).
    #[serde(default)]
    pub radius_m: f64,
    /// How many needs it takes per period.
    #[serde(default)]
    pub capacity: u32,
    /// The period or frequency (每月, 每季度, 按需 …).
    #[serde(default)]
    pub frequency: String,
    /// The categories served; empty: every category.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Whether it serves now.
    #[serde(default = "yes")]
    pub active: bool,
    /// Synthetic demo data (演示).
    #[serde(default)]
    pub demo: bool,
}

fn yes() -> bool {
    true
}

impl AssistResource {
    pub fn list(&self) -> ResourceList {
        self.kind.list()
    }

    /// Whether it serves a household of these categories.
    pub fn serves(&self, categories: &[Category]) -> bool {
        self.categories.is_empty() || self.categories.iter().any(|c| categories.contains(c))
    }

    /// The categories served, in Chinese.
    pub fn categories_zh(&self) -> String {
        if self.categories.is_empty() {
            "全部类别".into()
        } else {
            let v: Vec<&str> = self.categories.iter().map(|c| c.label_zh()).collect();
            v.join("、")
        }
    }

    /// Every fault, in Chinese (empty: valid).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push("缺少编号".to_string());
        }
        if self.name.trim().is_empty() {
            out.push("缺少名称".to_string());
        }
        if self.service.trim().is_empty() {
            out.push("缺少服务类型".to_string());
        }
        if self.lon.is_some() != self.lat.is_some() {
            out.push("经度与纬度须同时填写".to_string());
        }
        if self
            .lon
            .is_some_and(|v| !(v.is_finite() && (-180.0..=180.0).contains(&v)))
        {
            out.push("经度应在 -180 至 180 之间".to_string());
        }
        if self
            .lat
            .is_some_and(|v| !(v.is_finite() && (-90.0..=90.0).contains(&v)))
        {
            out.push("纬度应在 -90 至 90 之间".to_string());
        }
        if !(self.radius_m.is_finite() && self.radius_m >= 0.0) {
            out.push("服务半径应为不小于 0 的米数".to_string());
        }
        out
    }
}

/// A 公益创投项目's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// 实施中
    Running,
    /// 已结项
    Closed,
    /// 已终止
    Stopped,
}

impl ProjectStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectStatus::Running => "实施中",
            ProjectStatus::Closed => "已结项",
            ProjectStatus::Stopped => "已终止",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            ProjectStatus::Running => "running",
            ProjectStatus::Closed => "closed",
            ProjectStatus::Stopped => "stopped",
        }
    }
}

crate::labelled!(ProjectStatus, "项目状态", {
    Running => "running",
    Closed => "closed" | "结项",
    Stopped => "stopped" | "终止",
});

/// A 慈善公益创投项目.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VentureProject {
    pub id: String,
    pub name: String,
    /// The organisation carrying it out.
    pub organisation: String,
    /// The place's code (the district or a town).
    pub place: String,
    /// The year it started.
    pub year: i32,
    pub status: ProjectStatus,
    #[serde(default)]
    pub demo: bool,
}

impl VentureProject {
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push("缺少编号".to_string());
        }
        if self.name.trim().is_empty() {
            out.push("缺少项目名称".to_string());
        }
        if self.organisation.trim().is_empty() {
            out.push("缺少实施机构".to_string());
        }
        if !(2000..=2100).contains(&self.year) {
            out.push(format!("立项年份 {} 应在 2000 至 2100 之间", self.year));
        }
        out
    }
}

/// K7.3a: the active 慈善组织 of the social list (distinct names).
pub fn charity_count(resources: &[AssistResource]) -> usize {
    resources
        .iter()
        .filter(|r| r.active && r.kind == ProviderKind::Charity)
        .map(|r| r.name.trim())
        .collect::<BTreeSet<_>>()
        .len()
}

/// K7.3b: the 公益创投项目 started by the end of `year` (cumulative).
pub fn ventures_by(projects: &[VentureProject], year: i32) -> usize {
    projects.iter().filter(|p| p.year <= year).count()
}

/// K7.3c: the towns (of `towns`) with an active 幸福驿站 giving services, found by `town_of`
/// (a resource's place → its town's code).
pub fn towns_with_station(
    resources: &[AssistResource],
    towns: &[String],
    town_of: &dyn Fn(&str) -> Option<String>,
) -> usize {
    let with: HashSet<String> = resources
        .iter()
        .filter(|r| r.active && r.kind == ProviderKind::Station && r.capacity > 0)
        .filter_map(|r| town_of(&r.place))
        .collect();
    towns.iter().filter(|t| with.contains(*t)).count()
}

/// A need of the register: one household's one need word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterNeed {
    /// `household#service`.
    pub id: String,
    pub household: String,
    pub place: String,
    pub service: String,
    pub categories: Vec<Category>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// The need's id for a household and a service.
pub fn need_id(household: &str, service: &str) -> String {
    format!("{household}#{service}")
}

/// The needs of the households receiving help or applying (exited and suspended ones
/// have none).
pub fn register_needs(households: &[Household]) -> Vec<RegisterNeed> {
    let mut out = Vec::new();
    for h in households {
        if !matches!(
            h.status,
            HouseholdStatus::Active | HouseholdStatus::Applying
        ) {
            continue;
        }
        for s in &h.needs {
            let s = s.trim();
            if s.is_empty() {
                continue;
            }
            out.push(RegisterNeed {
                id: need_id(&h.id, s),
                household: h.id.clone(),
                place: h.place.clone(),
                service: s.to_string(),
                categories: h.categories.clone(),
                lon: h.lon,
                lat: h.lat,
            });
        }
    }
    out
}

/// One match proposed, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedPair {
    pub need: String,
    pub household: String,
    pub place: String,
    pub service: String,
    pub resource: String,
    pub resource_name: String,
    pub distance_m: f64,
    pub reason_zh: String,
    pub reason_en: String,
}

/// One need left unmet, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmetNeed {
    pub need: String,
    pub household: String,
    pub place: String,
    pub service: String,
    /// `no_location`, `no_resource_of_type`, `no_eligible_resource`, `none_within_radius`,
    /// `all_reachable_full`.
    pub code: String,
    pub reason_zh: String,
    pub reason_en: String,
}

/// The proposal of the register's matching.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub pairs: Vec<ProposedPair>,
    pub unmatched: Vec<UnmetNeed>,
    pub total_distance_m: f64,
}

/// Matches `needs` to the active `resources` exactly (the most needs met, then the least
/// total distance), a resource serving only the categories it lists, never a pair in
/// `excluded` (need id, resource id: a provider that refused the need), each resource
/// with `used[id]` of its capacity already taken by open orders.
pub fn propose(
    needs: &[RegisterNeed],
    resources: &[AssistResource],
    excluded: &HashSet<(String, String)>,
    used: &BTreeMap<String, u32>,
) -> Proposal {
    let located: Vec<&AssistResource> = resources
        .iter()
        .filter(|r| r.active && r.lon.is_some() && r.lat.is_some())
        .collect();
    let res: Vec<Resource> = located
        .iter()
        .map(|r| Resource {
            id: r.id.clone(),
            kind: r.service.clone(),
            capacity: r
                .capacity
                .saturating_sub(used.get(&r.id).copied().unwrap_or(0)),
            lon: r.lon.unwrap_or_default(),
            lat: r.lat.unwrap_or_default(),
            radius_m: r.radius_m,
        })
        .collect();
    let mut unmatched = Vec::new();
    let mut with_place: Vec<&RegisterNeed> = Vec::new();
    for n in needs {
        if n.lon.is_some() && n.lat.is_some() {
            with_place.push(n);
        } else {
            unmatched.push(unmet(
                n,
                "no_location",
                "本户未登记位置(经纬度),无法计算距离".into(),
                "the household has no location".into(),
            ));
        }
    }
    let ns: Vec<Need> = with_place
        .iter()
        .map(|n| Need {
            id: n.id.clone(),
            kind: n.service.clone(),
            lon: n.lon.unwrap_or_default(),
            lat: n.lat.unwrap_or_default(),
        })
        .collect();
    let allow = |i: usize, j: usize| {
        located[j].serves(&with_place[i].categories)
            && !excluded.contains(&(with_place[i].id.clone(), located[j].id.clone()))
    };
    let m = match matching::match_optimal_where(&ns, &res, &MatchOptions::default(), &allow) {
        Ok(m) => m,
        Err(_) => {
            // The register's coordinates are checked when saved; should one be bad, every
            // need is reported unmet rather than a partial answer.
            for n in with_place {
                unmatched.push(unmet(
                    n,
                    "no_location",
                    "位置数据无效".into(),
                    "invalid location".into(),
                ));
            }
            return Proposal {
                pairs: Vec::new(),
                unmatched,
                total_distance_m: 0.0,
            };
        }
    };
    let mut pairs = Vec::new();
    for p in &m.pairs {
        let n = with_place[p.need];
        let r = located[p.resource];
        let km = p.distance_mm as f64 / 1_000_000.0;
        let eligible = if r.categories.is_empty() {
            "服务全部类别".to_string()
        } else {
            format!("服务本户类别({})", r.categories_zh())
        };
        pairs.push(ProposedPair {
            need: n.id.clone(),
            household: n.household.clone(),
            place: n.place.clone(),
            service: n.service.clone(),
            resource: r.id.clone(),
            resource_name: r.name.clone(),
            distance_m: p.distance_mm as f64 / 1000.0,
            reason_zh: format!(
                "提供“{}”服务,{eligible},距离 {km:.2} 公里,在服务半径 {:.1} 公里内;全局最优方案(满足需求最多、总距离最短)",
                n.service,
                r.radius_m / 1000.0
            ),
            reason_en: format!(
                "offers {}, serves the household's category, {km:.2} km away within its {:.1} km radius; part of the optimum",
                n.service,
                r.radius_m / 1000.0
            ),
        });
    }
    for &(i, why) in &m.unmatched {
        let n = with_place[i];
        let of_type: Vec<&&AssistResource> =
            located.iter().filter(|r| r.service == n.service).collect();
        let eligible: Vec<&&&AssistResource> =
            of_type.iter().filter(|r| r.serves(&n.categories)).collect();
        let refused = eligible
            .iter()
            .filter(|r| excluded.contains(&(n.id.clone(), r.id.clone())))
            .count();
        let (code, zh, en) = if of_type.is_empty() {
            (
                "no_resource_of_type",
                format!("没有提供“{}”服务的在册资源", n.service),
                format!("no active resource offers {}", n.service),
            )
        } else if eligible.is_empty() {
            (
                "no_eligible_resource",
                format!(
                    "提供“{}”的 {} 个资源都不服务本户类别",
                    n.service,
                    of_type.len()
                ),
                format!(
                    "none of the {} resources serves its categories",
                    of_type.len()
                ),
            )
        } else {
            match why {
                Unmet::AllReachableFull { reachable } => (
                    "all_reachable_full",
                    format!("服务半径内可服务本户的 {reachable} 个资源在最优方案中均已满额"),
                    format!("all {reachable} resources within reach are full at the optimum"),
                ),
                _ if refused > 0 => (
                    "none_within_radius",
                    format!(
                        "服务半径内没有其他可服务本户的“{}”资源(已拒绝的 {refused} 个提供方不再派单)",
                        n.service
                    ),
                    "no other eligible resource within reach (refusing providers excluded)".into(),
                ),
                _ => (
                    "none_within_radius",
                    format!(
                        "可服务本户的“{}”资源都不在服务半径内(最近 {:.2} 公里)",
                        n.service,
                        eligible
                            .iter()
                            .map(|r| haversine_m(
                                n.lon.unwrap_or_default(),
                                n.lat.unwrap_or_default(),
                                r.lon.unwrap_or_default(),
                                r.lat.unwrap_or_default()
                            ))
                            .fold(f64::INFINITY, f64::min)
                            / 1000.0
                    ),
                    "no eligible resource within its radius".into(),
                ),
            }
        };
        unmatched.push(unmet(n, code, zh, en));
    }
    unmatched.sort_by(|a, b| a.need.cmp(&b.need));
    Proposal {
        total_distance_m: m.total_distance_mm as f64 / 1000.0,
        pairs,
        unmatched,
    }
}

fn unmet(n: &RegisterNeed, code: &str, zh: String, en: String) -> UnmetNeed {
    UnmetNeed {
        need: n.id.clone(),
        household: n.household.clone(),
        place: n.place.clone(),
        service: n.service.clone(),
        code: code.to_string(),
        reason_zh: zh,
        reason_en: en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(id: &str, service: &str, cap: u32, lon: f64, cats: Vec<Category>) -> AssistResource {
        AssistResource {
            id: id.into(),
            name: format!("{id}组织"),
            kind: ProviderKind::Charity,
            service: service.into(),
            place: "T1".into(),
            lon: Some(lon),
            lat: Some(30.0),
            radius_m: 5000.0,
            capacity: cap,
            frequency: "每月".into(),
            categories: cats,
            active: true,
            demo: false,
        }
    }

    fn need(id: &str, service: &str, lon: f64, cats: Vec<Category>) -> RegisterNeed {
        RegisterNeed {
            id: need_id(id, service),
            household: id.into(),
            place: "V1".into(),
            service: service.into(),
            categories: cats,
            lon: Some(lon),
            lat: Some(30.0),
        }
    }

    #[test]
    fn eligibility_filters_resources_by_category() {
        let needs = vec![
            need("H1", "助餐", 122.0, vec![Category::Dibao]),
            need("H2", "助餐", 122.0, vec![Category::Child]),
        ];
        // The near one serves only 低保; the far one (within radius) everyone.
        let rs = vec![
            res("R1", "助餐", 5, 122.001, vec![Category::Dibao]),
            res("R2", "助餐", 5, 122.02, vec![]),
        ];
        let p = propose(&needs, &rs, &HashSet::new(), &BTreeMap::new());
        assert_eq!(p.pairs.len(), 2);
        let of = |h: &str| {
            p.pairs
                .iter()
                .find(|x| x.household == h)
                .unwrap()
                .resource
                .clone()
        };
        assert_eq!(of("H1"), "R1");
        assert_eq!(of("H2"), "R2");
        // Only a 低保-only resource: the child's need is unmet for eligibility.
        let p = propose(&needs, &rs[..1], &HashSet::new(), &BTreeMap::new());
        assert_eq!(p.pairs.len(), 1);
        assert_eq!(p.unmatched[0].household, "H2");
        assert_eq!(p.unmatched[0].code, "no_eligible_resource");
        assert!(p.unmatched[0].reason_zh.contains("不服务本户类别"));
    }

    #[test]
    fn rematching_excludes_the_refusing_provider() {
        let needs = vec![need("H1", "助医", 122.0, vec![Category::Tekun])];
        let rs = vec![
            res("R1", "助医", 1, 122.001, vec![]),
            res("R2", "助医", 1, 122.01, vec![]),
        ];
        let p = propose(&needs, &rs, &HashSet::new(), &BTreeMap::new());
        assert_eq!(p.pairs[0].resource, "R1");
        let mut ex = HashSet::new();
        ex.insert((need_id("H1", "助医"), "R1".to_string()));
        let p = propose(&needs, &rs, &ex, &BTreeMap::new());
        assert_eq!(p.pairs[0].resource, "R2");
        ex.insert((need_id("H1", "助医"), "R2".to_string()));
        let p = propose(&needs, &rs, &ex, &BTreeMap::new());
        assert!(p.pairs.is_empty());
        assert!(p.unmatched[0].reason_zh.contains("已拒绝"));
    }

    #[test]
    fn capacity_in_use_and_unmet_reasons() {
        let needs = vec![
            need("H1", "助浴", 122.0, vec![]),
            need("H2", "助浴", 122.0, vec![]),
            need("H3", "助学", 122.0, vec![]),
            need("H4", "助浴", 123.0, vec![]),
        ];
        let rs = vec![res("R1", "助浴", 2, 122.001, vec![])];
        let mut used = BTreeMap::new();
        used.insert("R1".to_string(), 1);
        let p = propose(&needs, &rs, &HashSet::new(), &used);
        assert_eq!(p.pairs.len(), 1);
        let code = |h: &str| {
            p.unmatched
                .iter()
                .find(|x| x.household == h)
                .map(|x| x.code.clone())
        };
        assert_eq!(code("H3").as_deref(), Some("no_resource_of_type"));
        assert_eq!(code("H4").as_deref(), Some("none_within_radius"));
        assert_eq!(p.unmatched.len(), 3);
    }

    #[test]
    fn figures_count_charities_ventures_and_towns() {
        let mut rs = vec![
            res("R1", "助餐", 1, 122.0, vec![]),
            res("R2", "助医", 1, 122.0, vec![]),
        ];
        rs[1].name = rs[0].name.clone();
        let mut st = res("S1", "助餐", 3, 122.0, vec![]);
        st.kind = ProviderKind::Station;
        st.place = "V9".into();
        rs.push(st);
        assert_eq!(charity_count(&rs), 1);
        let towns = vec!["T1".to_string(), "T2".to_string()];
        let n = towns_with_station(&rs, &towns, &|p| {
            Some(if p == "V9" { "T2" } else { "T1" }.to_string())
        });
        assert_eq!(n, 1);
        let pj = |y| VentureProject {
            id: format!("P{y}"),
            name: "x".into(),
            organisation: "o".into(),
            place: "D".into(),
            year: y,
            status: ProjectStatus::Running,
            demo: false,
        };
        assert_eq!(ventures_by(&[pj(2022), pj(2024), pj(2025)], 2024), 2);
    }
}
