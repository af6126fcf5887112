//! Completeness and timeliness of reporting: which reports were expected (every
//! indicator × place at its reporting level × period of its frequency), which arrived, on
//! time or late, and who answers for each.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use crate::Plan;
use crate::period::{Period, PeriodKind};
use crate::place::{PlaceId, PlaceTree};
use crate::scope::{Reporter, Role};
use crate::value::{Component, ValueKey};
use crate::{Aggregation, Indicator};

/// When a report is due: this many days after its period ends (default 10).
pub const DEFAULT_DUE_DAYS: i64 = 10;

/// One reporter's reporting in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompletenessRow {
    /// Login of the responsible reporter; empty when nobody's scope covers the reports.
    pub reporter: String,
    pub reporter_name: String,
    pub unit: String,
    pub period: Period,
    pub due: NaiveDate,
    pub expected: usize,
    pub received: usize,
    pub on_time: usize,
    pub late: usize,
    /// Not received and past due.
    pub missing: usize,
    /// Not received, not yet due.
    pub pending: usize,
}

impl CompletenessRow {
    /// Received ÷ expected, in percent.
    pub fn rate(&self) -> f64 {
        if self.expected == 0 {
            100.0
        } else {
            self.received as f64 * 100.0 / self.expected as f64
        }
    }
}

/// The components a report of this indicator consists of.
pub fn required_components(ind: &Indicator) -> &'static [Component] {
    match ind.aggregation {
        Aggregation::RatioOfSums { .. } => &[Component::Numerator, Component::Denominator],
        _ => &[Component::Value],
    }
}

/// The places that report an indicator: those at its `report_level` under the plan's
/// place (or the plan's place itself).
pub fn reporting_places(plan: &Plan, tree: &PlaceTree, ind: &Indicator) -> Vec<PlaceId> {
    let Some(root) = tree.id(&plan.place) else {
        return Vec::new();
    };
    match ind.report_level {
        None => vec![root],
        Some(level) if tree.get(root).level == level => vec![root],
        Some(level) => tree
            .subtree(root)
            .into_iter()
            .filter(|p| tree.get(*p).level == level)
            .collect(),
    }
}

/// The periods of a kind that end within `[from, to]`.
pub fn periods_between(kind: PeriodKind, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
    let mut out = Vec::new();
    let Ok(mut p) = Period::containing(kind, from) else {
        return out;
    };
    while p.start() <= to {
        if p.end() >= from && p.end() <= to {
            out.push(p);
        }
        match p.succ() {
            Some(next) => p = next,
            None => break,
        }
    }
    out
}

/// Who answers for reports of `indicator` at `place`: the reporting user whose scope
/// covers it most closely (the deepest scope root), village before town before
/// department.
pub fn responsible<'a>(
    reporters: &'a [Reporter],
    tree: &PlaceTree,
    place: PlaceId,
    indicator: &str,
) -> Option<&'a Reporter> {
    reporters
        .iter()
        .filter(|r| {
            matches!(
                r.role,
                Role::VillageReporter | Role::TownReporter | Role::DepartmentReporter
            )
        })
        .filter(|r| r.scope.covers(tree, place, indicator))
        .max_by_key(|r| {
            let depth = r
                .scope
                .places
                .iter()
                .filter_map(|c| tree.id(c))
                .filter(|root| tree.is_within(place, *root))
                .map(|root| tree.depth(root))
                .max()
                .unwrap_or(0);
            (depth, !r.scope.indicators.is_empty())
        })
}

/// Which periods to look at and when: periods ending within `[from, to]`, judged as of
/// `today`, each due `due_days` after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    pub due_days: i64,
}

/// Completeness of every reporter in every period of the window. `received` maps each
/// stored key to when it was (last) reported.
pub fn completeness(
    plan: &Plan,
    tree: &PlaceTree,
    reporters: &[Reporter],
    received: &HashMap<ValueKey, NaiveDateTime>,
    window: Window,
) -> Vec<CompletenessRow> {
    let Window {
        from,
        to,
        today,
        due_days,
    } = window;
    let mut rows: BTreeMap<(String, Period), CompletenessRow> = BTreeMap::new();
    for ind in &plan.indicators {
        let places = reporting_places(plan, tree, ind);
        for period in periods_between(ind.frequency, from, to) {
            let due = period.end() + Duration::days(due_days);
            for &place in &places {
                let who = responsible(reporters, tree, place, &ind.code);
                let login = who.map(|r| r.login.clone()).unwrap_or_default();
                let row = rows
                    .entry((login.clone(), period))
                    .or_insert_with(|| CompletenessRow {
                        reporter: login,
                        reporter_name: who
                            .map(|r| r.name.clone())
                            .unwrap_or_else(|| "(无人负责)".into()),
                        unit: who.map(|r| r.unit.clone()).unwrap_or_default(),
                        period,
                        due,
                        expected: 0,
                        received: 0,
                        on_time: 0,
                        late: 0,
                        missing: 0,
                        pending: 0,
                    });
                row.expected += 1;
                // A report is in when every component is; its time is the last one's.
                let times: Option<Vec<NaiveDateTime>> = required_components(ind)
                    .iter()
                    .map(|c| {
                        received
                            .get(&ValueKey {
                                indicator: ind.code.clone(),
                                place: tree.get(place).code.clone(),
                                period,
                                component: *c,
                            })
                            .copied()
                    })
                    .collect();
                match times.and_then(|t| t.into_iter().max()) {
                    Some(at) => {
                        row.received += 1;
                        if crate::china_time::beijing_date(at) <= due {
                            row.on_time += 1;
                        } else {
                            row.late += 1;
                        }
                    }
                    None if today > due => row.missing += 1,
                    None => row.pending += 1,
                }
            }
        }
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::{Level, Place};
    use crate::scope::Scope;
    use crate::target::Target;
    use crate::{Accumulation, Domain, IndicatorSource, Polarity};

    fn place(code: &str, level: Level, parent: Option<&str>) -> Place {
        Place {
            code: code.into(),
            name: code.into(),
            level,
            parent: parent.map(Into::into),
            lon: None,
            lat: None,
            population: Default::default(),
        }
    }

    #[test]
    fn counts_expected_received_on_time_late_and_missing() {
        let tree = PlaceTree::build(vec![
            place("d", Level::County, None),
            place("t", Level::Town, Some("d")),
            place("v1", Level::Village, Some("t")),
            place("v2", Level::Village, Some("t")),
        ])
        .unwrap();
        let ind = Indicator {
            code: "I".into(),
            name: "指标".into(),
            unit: "%".into(),
            domain: "D".into(),
            polarity: Polarity::HigherIsBetter,
            aggregation: Aggregation::RatioOfSums {
                numerator: "n".into(),
                denominator: "d".into(),
                scale: 100.0,
            },
            accumulation: Accumulation::Annual,
            frequency: PeriodKind::Month,
            flow: Default::default(),
            report_level: Some(Level::Village),
            milestone: false,
            lead_unit: "局".into(),
            partner_units: vec![],
            limit: None,
            source: IndicatorSource::Table { seq: 1 },
            data_source: String::new(),
            definition: String::new(),
            baseline: Target::none("/"),
            targets: [(2025, Target::parse("60").unwrap())].into(),
            note: String::new(),
        };
        let plan = Plan {
            code: "p".into(),
            name: "p".into(),
            issuer: "x".into(),
            place: "d".into(),
            published: String::new(),
            baseline_year: 2024,
            target_years: vec![2025],
            version: 1,
            domains: vec![Domain {
                code: "D".into(),
                name: "D".into(),
                lead_unit: "局".into(),
                name_en: String::new(),
            }],
            indicators: vec![ind],
            tasks: vec![],
            projects: vec![],
            revisions: vec![],
        };
        let reporter = |login: &str, role, root: &str| Reporter {
            login: login.into(),
            name: login.into(),
            unit: root.into(),
            role,
            scope: Scope {
                places: vec![root.into()],
                indicators: vec![],
            },
        };
        let reporters = vec![
            reporter("town", Role::TownReporter, "t"),
            reporter("v1", Role::VillageReporter, "v1"),
        ];
        let at = |d: &str| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap()
        };
        let key = |place: &str, period: &str, c| ValueKey {
            indicator: "I".into(),
            place: place.into(),
            period: period.parse().unwrap(),
            component: c,
        };
        let mut received = HashMap::new();
        received.insert(key("v1", "2025-01", Component::Numerator), at("2025-02-05"));
        received.insert(
            key("v1", "2025-01", Component::Denominator),
            at("2025-02-05"),
        );
        // Only the numerator: not a complete report.
        received.insert(key("v2", "2025-01", Component::Numerator), at("2025-02-05"));
        received.insert(key("v2", "2025-02", Component::Numerator), at("2025-03-20"));
        received.insert(
            key("v2", "2025-02", Component::Denominator),
            at("2025-03-20"),
        );
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let rows = completeness(
            &plan,
            &tree,
            &reporters,
            &received,
            Window {
                from: d("2025-01-01"),
                to: d("2025-02-28"),
                today: d("2025-03-05"),
                due_days: DEFAULT_DUE_DAYS,
            },
        );
        let find = |who: &str, p: &str| {
            rows.iter()
                .find(|r| r.reporter == who && r.period.to_string() == p)
                .unwrap()
                .clone()
        };
        let v1_jan = find("v1", "2025-01");
        assert_eq!((v1_jan.expected, v1_jan.on_time), (1, 1));
        // Already a percentage: pages and the API show it as it is (once 10000.0 %).
        assert_eq!(v1_jan.rate(), 100.0);
        let v2_jan = find("town", "2025-01");
        assert_eq!(
            (v2_jan.expected, v2_jan.received, v2_jan.missing),
            (1, 0, 1)
        );
        let v1_feb = find("v1", "2025-02");
        assert_eq!((v1_feb.pending, v1_feb.missing), (1, 0), "due 2025-03-10");
        let v2_feb = find("town", "2025-02");
        assert_eq!((v2_feb.received, v2_feb.late), (1, 1));
        assert_eq!(rows.iter().map(|r| r.expected).sum::<usize>(), 4);
    }

    #[test]
    fn periods_between_ends() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let ps = periods_between(PeriodKind::Quarter, d("2025-02-01"), d("2025-09-30"));
        let names: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
        assert_eq!(names, ["2025Q1", "2025Q2", "2025Q3"]);
        assert!(periods_between(PeriodKind::Year, d("2025-01-01"), d("2025-09-30")).is_empty());
    }
}
