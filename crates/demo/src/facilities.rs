//! The labelled synthetic register of facilities (设施名录) for the Dinghai demo: per town,
//! a health centre (卫生院 for a 镇, 社区卫生服务中心 for a 街道), a home-care centre, a
//! middle school, primary schools, kindergartens, a childcare centre, a 残疾人之家 and a
//! disaster shelter near its seat; per village or community, a clinic (村卫生室 /
//! 社区卫生服务站), a home-care point, and — for some — a 幸福食堂 or a 文化礼堂, near the
//! village's point; then per town a care home (养老机构) and a fitness centre. Counts, names, capacities, dates and positions are invented for the
//! demo (marked in each record's source); they are not Dinghai's facilities. Written
//! through [`App::import_facilities`] like any import, so they are audited.

use chrono::NaiveDate;
use youxiang_app::App;
use youxiang_core::facilities::{Capacity, Facility, FacilityStatus, FacilityType, Location};
use youxiang_core::place::Level;

/// Every demo facility's source.
pub const DEMO_FACILITY_SOURCE: &str = "演示数据(合成,非真实设施)";

/// A small deterministic offset (degrees, ±0.0025 ≈ ±250 m) from a place's point: small
/// enough that a village's facilities stay within its town's area on the map.
fn jitter(seed: u64, salt: u64) -> (f64, f64) {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(salt.wrapping_mul(1442695040888963407));
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    let a = (x & 0xffff) as f64 / 65535.0 - 0.5;
    let b = ((x >> 16) & 0xffff) as f64 / 65535.0 - 0.5;
    (a * 0.005, b * 0.005)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The demo register, from the places with a point (towns and villages).
pub fn demo_facilities(app: &App) -> Vec<Facility> {
    let state = app.read();
    let tree = &state.tree;
    let mut out = Vec::new();
    let mut n = 0u64;
    let mut add = |out: &mut Vec<Facility>,
                   place: &youxiang_core::place::Place,
                   name: String,
                   t: FacilityType,
                   capacity: Option<u32>,
                   items: &[&str],
                   status: FacilityStatus| {
        n += 1;
        let (dx, dy) = jitter(n, place.code.len() as u64);
        let location = match (place.lon, place.lat) {
            (Some(lon), Some(lat)) => Some(Location {
                lon: round6(lon + dx),
                lat: round6(lat + dy),
            }),
            _ => None,
        };
        let year = 2008 + (n % 16) as i32;
        let opened = match status {
            FacilityStatus::Planned => None,
            _ => NaiveDate::from_ymd_opt(year, 1 + (n % 12) as u32, 1 + (n % 27) as u32),
        };
        out.push(Facility {
            code: format!("SS{n:06}"),
            name,
            facility_type: t,
            place: place.code.clone(),
            location,
            capacity: capacity.map(|amount| Capacity {
                amount,
                unit: t.usual_capacity_unit(),
            }),
            status,
            opened,
            closed: match status {
                FacilityStatus::Closed => NaiveDate::from_ymd_opt(2024, 6, 30),
                _ => None,
            },
            items: items.iter().map(|s| s.to_string()).collect(),
            source: DEMO_FACILITY_SOURCE.into(),
            note: String::new(),
        });
    };
    use FacilityStatus::{Closed, Open, Planned};
    use FacilityType::*;
    for town_id in tree.ids().filter(|id| tree.get(*id).level == Level::Town) {
        let town = tree.get(town_id);
        let t = town.name.as_str();
        let is_town = t.ends_with('镇');
        let short = t.trim_end_matches("街道").trim_end_matches('镇');
        let k = town.code.bytes().map(u64::from).sum::<u64>();
        if is_town {
            add(
                &mut out,
                town,
                format!("{t}卫生院"),
                TownshipHospital,
                Some(30 + (k % 4) as u32 * 10),
                &["DHQ-01"],
                Open,
            );
        } else {
            add(
                &mut out,
                town,
                format!("{t}社区卫生服务中心"),
                HealthCentre,
                Some(20),
                &["DHQ-02"],
                Open,
            );
        }
        add(
            &mut out,
            town,
            format!("{t}居家养老服务中心"),
            ElderlyCareCentre,
            Some(40),
            &["DHLY-02"],
            Open,
        );
        add(
            &mut out,
            town,
            format!("{short}初级中学"),
            MiddleSchool,
            Some(600 + (k % 5) as u32 * 100),
            &["DHQ-08"],
            Open,
        );
        for i in 0..(1 + k % 2) {
            add(
                &mut out,
                town,
                format!("{short}第{}小学", i + 1),
                PrimarySchool,
                Some(480 + (k % 3) as u32 * 120),
                &["DHQ-07"],
                Open,
            );
        }
        for i in 0..(1 + (k + 1) % 2) {
            add(
                &mut out,
                town,
                format!("{short}第{}幼儿园", i + 1),
                Kindergarten,
                Some(180 + (k % 4) as u32 * 30),
                &["DHQ-06"],
                Open,
            );
        }
        // One town's childcare centre is still planned (the plan's 托育 expansion).
        let childcare = if k % 5 == 0 { Planned } else { Open };
        add(
            &mut out,
            town,
            format!("{short}托育服务中心"),
            Childcare,
            Some(40),
            &["DHQ-05"],
            childcare,
        );
        add(
            &mut out,
            town,
            format!("{t}“残疾人之家”"),
            DisabledHome,
            Some(30),
            &["DHRF-09"],
            Open,
        );
        add(
            &mut out,
            town,
            format!("{t}避灾安置场所"),
            Shelter,
            Some(300 + (k % 6) as u32 * 50),
            &["DHRF-08"],
            Open,
        );
        for (j, v) in tree.children(town_id).iter().enumerate() {
            let village = tree.get(*v);
            if village.level != Level::Village {
                continue;
            }
            let vn = village.name.as_str();
            if is_town {
                add(
                    &mut out,
                    village,
                    format!("{vn}卫生室"),
                    VillageClinic,
                    None,
                    &["DHQ-03"],
                    Open,
                );
                if j % 2 == 0 {
                    add(
                        &mut out,
                        village,
                        format!("{vn}文化礼堂"),
                        CultureHall,
                        Some(300),
                        &[],
                        Open,
                    );
                }
            } else {
                add(
                    &mut out,
                    village,
                    format!("{vn}卫生服务站"),
                    HealthStation,
                    None,
                    &["DHQ-04"],
                    Open,
                );
            }
            // Not every village has its home-care point yet; one closed, some planned.
            let care = match j % 7 {
                5 => Planned,
                6 if k % 3 == 0 => Closed,
                _ => Open,
            };
            add(
                &mut out,
                village,
                format!("{vn}居家养老照料中心"),
                ElderlyCareCentre,
                Some(15),
                &["DHLY-03"],
                care,
            );
            if j % 3 != 2 {
                add(
                    &mut out,
                    village,
                    format!("{vn}幸福食堂"),
                    Canteen,
                    Some(30 + (j % 3) as u32 * 10),
                    &["DHLY-01", "DHLY-04"],
                    Open,
                );
            }
        }
    }
    // Appended after the rest (their codes unchanged): per town, a care home (养老机构) and
    // a fitness centre near its seat, so the circle's basket (TD/T 1062 asks for both
    // within 15 minutes) is met where residents live near a seat, not nowhere.
    for town_id in tree.ids().filter(|id| tree.get(*id).level == Level::Town) {
        let town = tree.get(town_id);
        let t = town.name.as_str();
        let k = town.code.bytes().map(u64::from).sum::<u64>();
        add(
            &mut out,
            town,
            format!("{t}颐养院"),
            ElderlyHome,
            Some(60 + (k % 4) as u32 * 20),
            &[],
            Open,
        );
        add(
            &mut out,
            town,
            format!("{t}全民健身中心"),
            SportsGround,
            Some(1200),
            &[],
            Open,
        );
    }
    out
}

/// Writes the demo register through the app (as the office), all at once.
pub async fn load_demo_facilities(app: &App) -> youxiang_app::Result<usize> {
    let list = demo_facilities(app);
    let n = list.len();
    app.import_facilities("office", list).await?;
    Ok(n)
}
