//! `youxiang demo`: the Dinghai plan, Dinghai's 13 real towns/streets with villages, users
//! for each role, and the labelled synthetic dataset written through the one write path.

use youxiang_core::Plan;
use youxiang_core::place::{Level, PlaceTree};
use youxiang_core::scope::{Reporter, Role, Scope};
use youxiang_store::ValueWrite;
use youxiang_workload::{DEMO_LABEL, dinghai_demo};

use crate::{App, Result};

/// Short logins for the departments the Dinghai plan names.
const DEPARTMENT_LOGINS: &[(&str, &str)] = &[
    ("区卫健局", "wjj"),
    ("区教育局", "jyj"),
    ("区人力社保局", "rsj"),
    ("区民政局", "mzj"),
    ("区住建局", "zjj"),
];

/// The demo's users: the programme office, one reporter per lead department (scoped to
/// the indicators it leads), one per town/street, one per town's first village, and a
/// viewer.
pub fn demo_reporters(plan: &Plan, tree: &PlaceTree) -> Vec<Reporter> {
    let root = plan.place.clone();
    let mut out = vec![
        Reporter {
            login: "office".into(),
            name: "七优享工作专班".into(),
            unit: "舟山市定海区公共服务“七优享”工程工作专班".into(),
            role: Role::Office,
            scope: Scope {
                places: vec![root.clone()],
                indicators: vec![],
            },
        },
        Reporter {
            login: "viewer".into(),
            name: "查看者".into(),
            unit: "区政府办公室".into(),
            role: Role::Viewer,
            scope: Scope {
                places: vec![root.clone()],
                indicators: vec![],
            },
        },
    ];
    let mut units: Vec<&str> = plan
        .indicators
        .iter()
        .map(|i| i.lead_unit.as_str())
        .collect();
    units.sort();
    units.dedup();
    for (n, unit) in units.iter().enumerate() {
        let login = DEPARTMENT_LOGINS
            .iter()
            .find(|(u, _)| u == unit)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| format!("dept{}", n + 1));
        out.push(Reporter {
            login,
            name: format!("{unit}填报员"),
            unit: unit.to_string(),
            role: Role::DepartmentReporter,
            scope: Scope {
                places: vec![root.clone()],
                indicators: plan
                    .indicators
                    .iter()
                    .filter(|i| i.lead_unit == *unit)
                    .map(|i| i.code.clone())
                    .collect(),
            },
        });
    }
    let Some(root_id) = tree.id(&root) else {
        return out;
    };
    for town in tree.children(root_id) {
        let t = tree.get(*town);
        out.push(Reporter {
            login: format!("town-{}", t.code),
            name: format!("{}填报员", t.name),
            unit: t.name.clone(),
            role: Role::TownReporter,
            scope: Scope {
                places: vec![t.code.clone()],
                indicators: vec![],
            },
        });
        if let Some(v) = tree
            .children(*town)
            .iter()
            .map(|v| tree.get(*v))
            .find(|v| v.level == Level::Village)
        {
            out.push(Reporter {
                login: format!("village-{}", v.code),
                name: format!("{}填报员", v.name),
                unit: v.name.clone(),
                role: Role::VillageReporter,
                scope: Scope {
                    places: vec![v.code.clone()],
                    indicators: vec![],
                },
            });
        }
    }
    out
}

/// Writes the demo users and the synthetic dataset. Each figure is written by the user
/// who answers for it (the closest scope), so the audit trail and completeness read as
/// they would in use. A few villages leave their latest month unreported, so that
/// completeness is not a flat 100%.
pub async fn load_demo(app: &App) -> Result<usize> {
    let (plan, tree) = {
        let s = app.read();
        (s.plan.clone(), s.tree.clone())
    };
    let reporters = demo_reporters(&plan, &tree);
    app.save_reporters(reporters.clone(), "demo").await?;
    let generated = dinghai_demo(&plan, &tree);
    let last = generated.iter().map(|g| g.key.period).max();
    let mut by_reporter: std::collections::BTreeMap<String, Vec<ValueWrite>> = Default::default();
    let mut skipped_villages = std::collections::HashSet::new();
    for g in generated {
        let Some(place) = tree.id(&g.key.place) else {
            continue;
        };
        if Some(g.key.period) == last
            && tree.get(place).level == Level::Village
            && (skipped_villages.len() < 6 || skipped_villages.contains(&g.key.place))
        {
            skipped_villages.insert(g.key.place.clone());
            continue;
        }
        let who =
            youxiang_core::completeness::responsible(&reporters, &tree, place, &g.key.indicator)
                .map(|r| r.login.clone())
                .unwrap_or_else(|| "office".into());
        by_reporter.entry(who).or_default().push(ValueWrite {
            key: g.key,
            value: g.value,
            comment: DEMO_LABEL.into(),
        });
    }
    let mut total = 0;
    for (login, writes) in by_reporter {
        total += app.write_values(&login, writes, None).await?.changed;
    }
    Ok(total)
}
