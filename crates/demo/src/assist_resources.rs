//! The demo's register of resources and a dispatch round (演示, synthetic): about 60
//! resources across the towns — government departments, 12 慈善组织, volunteer teams,
//! caring enterprises and a 幸福驿站 in all but two towns — 35 公益创投项目 over 2022–2025,
//! and orders issued on 2025-10-08 and 2025-10-14, some accepted, done, refused (and
//! matched again) and some left waiting past their deadline (overdue on the demo's day).

use chrono::{Duration, NaiveDate};
use youxiang_app::{App, Result};
use youxiang_core::assist::dispatch::OrderAction;
use youxiang_core::assist::register::Category;
use youxiang_core::assist::resources::{
    AssistResource, ProjectStatus, ProviderKind, VentureProject,
};
use youxiang_core::place::Level;

const SERVICES: [&str; 7] = [
    "助餐",
    "助医",
    "探访关爱",
    "助学",
    "助浴",
    "就业帮扶",
    "住房修缮",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn jitter(&mut self) -> f64 {
        (self.below(2001) as f64 - 1000.0) / 1000.0 * 0.01
    }
}

/// The demo's resources and projects (not yet written).
pub fn demo_resources(app: &App) -> (Vec<AssistResource>, Vec<VentureProject>) {
    let (tree, district) = {
        let s = app.read();
        (s.tree.clone(), s.plan.place.clone())
    };
    let towns: Vec<_> = tree
        .places()
        .iter()
        .filter(|p| p.level == Level::Town)
        .collect();
    let mut rng = Lcg(20251008);
    let mut out = Vec::new();
    let spot = |rng: &mut Lcg, code: &str| -> (String, Option<f64>, Option<f64>) {
        let Some(id) = tree.id(code) else {
            return (code.to_string(), None, None);
        };
        let kids: Vec<_> = tree
            .children(id)
            .iter()
            .map(|k| tree.get(*k))
            .filter(|k| k.lon.is_some())
            .collect();
        let p = if kids.is_empty() {
            tree.get(id)
        } else {
            kids[rng.below(kids.len() as u64) as usize]
        };
        (
            p.code.clone(),
            p.lon.map(|v| v + rng.jitter()),
            p.lat.map(|v| v + rng.jitter()),
        )
    };
    let mut n = 0;
    let mut push = |out: &mut Vec<AssistResource>,
                    rng: &mut Lcg,
                    name: String,
                    kind: ProviderKind,
                    service: &str,
                    town: &str,
                    cats: Vec<Category>| {
        n += 1;
        let (place, lon, lat) = spot(rng, town);
        out.push(AssistResource {
            id: format!("R-{n:03}"),
            name,
            kind,
            service: service.to_string(),
            place,
            lon,
            lat,
            radius_m: 3000.0 + 1000.0 * rng.below(6) as f64,
            capacity: 4 + rng.below(9) as u32,
            frequency: if kind == ProviderKind::Department {
                "每月".into()
            } else {
                ["每月", "每季度", "按需"][rng.below(3) as usize].into()
            },
            categories: cats,
            active: true,
            demo: true,
        });
    };
    for (t, town) in towns.iter().enumerate() {
        // A 幸福驿站 in every town but the last two (K7.3c is not yet full).
        if t + 2 < towns.len() {
            push(
                &mut out,
                &mut rng,
                format!("演示·{}幸福驿站", town.name),
                ProviderKind::Station,
                "助餐",
                &town.code,
                vec![],
            );
        }
        push(
            &mut out,
            &mut rng,
            format!("演示·{}志愿服务队", town.name),
            ProviderKind::Volunteers,
            SERVICES[(t + 2) % SERVICES.len()],
            &town.code,
            vec![],
        );
        push(
            &mut out,
            &mut rng,
            format!("演示·{}卫生院(医疗救助)", town.name),
            ProviderKind::Department,
            "助医",
            &town.code,
            vec![
                Category::Tekun,
                Category::Dibao,
                Category::DibaoEdge,
                Category::Spending,
            ],
        );
        if t % 2 == 0 {
            push(
                &mut out,
                &mut rng,
                format!("演示·{}爱心企业", town.name),
                ProviderKind::Enterprise,
                ["就业帮扶", "住房修缮"][t / 2 % 2],
                &town.code,
                vec![],
            );
        }
    }
    // Twelve charities, each of one service, spread over the towns.
    for c in 0..12usize {
        if towns.is_empty() {
            break;
        }
        let town = towns[c % towns.len()];
        let service = SERVICES[c % SERVICES.len()];
        let cats = match c % 4 {
            0 => vec![Category::Child],
            1 => vec![Category::ElderAlone, Category::Tekun],
            _ => vec![],
        };
        push(
            &mut out,
            &mut rng,
            format!("演示·定海慈善{}号基金会", c + 1),
            ProviderKind::Charity,
            service,
            &town.code,
            cats,
        );
    }
    // Fill up to about sixty with more volunteers and enterprises.
    let mut k = 0;
    while out.len() < 60 && !towns.is_empty() {
        let town = towns[k % towns.len()];
        let kind = if k % 2 == 0 {
            ProviderKind::Volunteers
        } else {
            ProviderKind::Enterprise
        };
        push(
            &mut out,
            &mut rng,
            format!("演示·{}{}第{}队", town.name, kind.label_zh(), k + 2),
            kind,
            SERVICES[(k * 3) % SERVICES.len()],
            &town.code,
            vec![],
        );
        k += 1;
    }
    let mut ventures = Vec::new();
    for i in 0..35usize {
        let year = 2022 + (i * 4 / 35) as i32;
        ventures.push(VentureProject {
            id: format!("V-{year}-{:02}", i + 1),
            name: format!("演示·{}公益创投项目{}", SERVICES[i % SERVICES.len()], i + 1),
            organisation: format!("演示·定海慈善{}号基金会", i % 12 + 1),
            place: district.clone(),
            year,
            status: if year < 2024 {
                ProjectStatus::Closed
            } else if i % 9 == 0 {
                ProjectStatus::Stopped
            } else {
                ProjectStatus::Running
            },
            demo: true,
        });
    }
    (out, ventures)
}

fn at(day: NaiveDate, hour: u32) -> chrono::NaiveDateTime {
    // Beijing hour → UTC.
    day.and_hms_opt(hour, 0, 0).expect("valid time") - Duration::hours(8)
}

/// Writes the demo's resources and projects as the 民政 department (`mzj`), then a dispatch
/// round; returns (resources, projects, orders). Needs the demo register loaded first.
pub async fn load_demo_resources(app: &App) -> Result<(usize, usize, usize)> {
    let (resources, ventures) = demo_resources(app);
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2025, m, day).expect("valid date");
    app.set_clock(Some(at(d(9, 20), 10)));
    let r = app.import_assist_resources("mzj", resources).await?;
    let v = app.import_assist_ventures("mzj", ventures).await?;
    let towns: Vec<String> = {
        let s = app.read();
        s.tree
            .places()
            .iter()
            .filter(|p| p.level == Level::Town)
            .map(|p| p.code.clone())
            .collect()
    };
    // First round: every town but the last two, on 8 October.
    app.set_clock(Some(at(d(10, 8), 9)));
    let mut first = Vec::new();
    for t in towns.iter().take(towns.len().saturating_sub(2)) {
        first.extend(
            app.issue_assist_orders("mzj", Some(t.as_str()), None, true)
                .await?,
        );
    }
    // Answers over the following days: most accepted, some done, a few refused (and matched
    // again), a few left waiting (overdue by the 15th).
    for (i, o) in first.iter().enumerate() {
        let id = &o.order.id;
        match i % 10 {
            0 => {
                app.set_clock(Some(at(d(10, 9), 14)));
                app.act_on_assist_order(
                    "mzj",
                    id,
                    OrderAction::Refuse {
                        reason: "演示:本月服务名额已满".into(),
                    },
                    None,
                )
                .await?;
            }
            1 | 2 => {} // left waiting: overdue
            _ => {
                app.set_clock(Some(at(d(10, 8 + (i % 3) as u32), 11 + (i % 5) as u32)));
                app.act_on_assist_order("mzj", id, OrderAction::Accept, None)
                    .await?;
                if i % 10 >= 5 {
                    app.set_clock(Some(at(d(10, 13), 16)));
                    app.act_on_assist_order(
                        "mzj",
                        id,
                        OrderAction::Done {
                            date: d(10, 13),
                            evidence: "演示:服务记录单已签收".into(),
                        },
                        None,
                    )
                    .await?;
                }
            }
        }
    }
    // Second round: the last two towns, the day before the demo's day.
    app.set_clock(Some(at(d(10, 14), 9)));
    let mut second = 0;
    for t in towns.iter().skip(towns.len().saturating_sub(2)) {
        second += app
            .issue_assist_orders("mzj", Some(t.as_str()), None, true)
            .await?
            .len();
    }
    let total = app.assist_orders("mzj", None, None).await?.len();
    debug_assert!(second <= total);
    app.set_clock(None);
    Ok((r, v, total))
}
