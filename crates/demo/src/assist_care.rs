//! The demo's 探访关爱 and 监测预警 (弱有众扶, labelled 演示): visits over 2025 for the demo
//! households — most due periods visited, about one household in twelve missing its last
//! finished period (overdue), the current period half done — then a scan of the flag
//! rules, a few income drops and large medical costs declared, some flags handled, and
//! K7.2f 社会救助家庭探访关爱率 computed. Written after the register
//! ([`crate::assist::load_demo_register`]).

use chrono::Datelike;
use youxiang_app::assist::HouseholdFilter;
use youxiang_app::assist::visits::NewVisit;
use youxiang_app::assist::warnings::FlagFilter;
use youxiang_app::{App, Result};
use youxiang_core::assist::visits::{VisitMode, schedule};
use youxiang_core::assist::warnings::{FlagState, Outcome};

/// The indicators the system computes (not reported by the demo for the current year).
pub const COMPUTED_INDICATORS: [&str; 1] = ["K7.2f"];

/// The login the demo's visits and handling are entered as (the 民政 department).
const ACTOR: &str = "mzj";

const FINDINGS: [&str; 5] = [
    "生活基本正常,身体状况稳定(演示)",
    "老人独居,冰箱食物不足,已联系助餐点(演示)",
    "孩子上学正常,家长外出务工(演示)",
    "慢性病用药需要续方(演示)",
    "房屋漏雨,需修缮(演示)",
];
const NEEDS: [&str; 5] = ["", "助餐", "", "助医", "住房修缮"];

/// A small deterministic generator (the demo is the same every time).
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
        self.next() % n.max(1)
    }
}

/// Writes the demo's visits and flags; returns (visits, flags raised, flags handled).
pub async fn load_demo_care(app: &App) -> Result<(usize, usize, usize)> {
    let today = app.today();
    let plan = app.assist_visit_plan().await?.plan;
    let households = app
        .assist_households(ACTOR, &HouseholdFilter::default())
        .await?;
    let mut rng = Lcg(20251015 ^ 0x5eed);
    let mut visits = Vec::new();
    for (n, e) in households.iter().enumerate() {
        let s = schedule(&plan, &e.household, &[], today.year(), today);
        let ended: Vec<_> = s.periods.iter().filter(|p| p.deadline < today).collect();
        // About one in twelve misses its last finished period.
        let misses_last = n % 12 == 5;
        for (k, p) in s.periods.iter().enumerate() {
            let current = p.deadline >= today;
            let skip = if current {
                rng.below(2) == 0
            } else {
                (misses_last && k + 1 == ended.len()) || rng.below(40) == 0
            };
            if skip {
                continue;
            }
            let last = p.deadline.min(today);
            let span = (last - p.start).num_days().max(0) as u64;
            let date = p.start + chrono::Duration::days(rng.below(span + 1) as i64);
            let pick = rng.below(FINDINGS.len() as u64) as usize;
            visits.push(NewVisit {
                household: e.household.id.clone(),
                date,
                visitor: "社工(演示)".into(),
                mode: match rng.below(10) {
                    0..=6 => VisitMode::Home,
                    7 | 8 => VisitMode::Phone,
                    _ => VisitMode::Video,
                },
                findings: FINDINGS[pick].into(),
                needs_found: [NEEDS[pick]]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_string())
                    .collect(),
                follow_up: if NEEDS[pick].is_empty() {
                    String::new()
                } else {
                    "已转介相关帮扶力量(演示)".into()
                },
                demo: true,
            });
        }
    }
    let n_visits = app.import_assist_visits(ACTOR, visits).await?;
    // The baseline: every household's declaration, the missed visits' and reviews' flags.
    let mut raised = app.scan_assist_flags(ACTOR, None).await?.len();
    // A few income drops (the save scans the household) and large medical costs.
    let active: Vec<_> = households
        .iter()
        .filter(|e| e.household.status == youxiang_core::assist::register::HouseholdStatus::Active)
        .filter(|e| e.household.income_year > 1000.0)
        .collect();
    for e in active.iter().step_by(37).take(6) {
        let mut h = e.household.clone();
        h.income_year = (h.income_year * 0.6).round();
        app.save_household(ACTOR, h, Some(e.version), "收入变化(演示)")
            .await?;
    }
    for e in active.iter().skip(11).step_by(53).take(3) {
        // Two costs each, itemised (the note sealed as health data).
        let today = app.today();
        for (days, amount, note) in [
            (95, 26_000.0, "住院治疗(演示)"),
            (20, 12_000.0, "门诊复查(演示)"),
        ] {
            let date = today - chrono::Duration::days(days);
            app.record_assist_medical(ACTOR, &e.household.id, amount, date, note)
                .await?;
        }
    }
    let flags = app.assist_flags(ACTOR, &FlagFilter::default()).await?;
    raised = raised.max(flags.len());
    // About a third of the flags handled.
    let outcomes = [Outcome::NoChange, Outcome::Adjust, Outcome::Refer];
    let mut handled = 0;
    for (n, f) in flags.iter().enumerate() {
        if n % 3 != 0 || f.now == FlagState::Handled {
            continue;
        }
        let outcome = outcomes[(n / 3) % outcomes.len()];
        app.handle_assist_flag(ACTOR, &f.flag.id, outcome, "已上门核查(演示)")
            .await?;
        handled += 1;
    }
    app.recompute_visit_rate().await?;
    Ok((n_visits, raised, handled))
}
