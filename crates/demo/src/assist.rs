//! The demo's register of households in difficulty (弱有众扶): a labelled synthetic
//! register across the towns and villages — names like `王演示明`, 身份证号 of the
//! district's region code with a 9xx sequence (valid format and check digit, nobody's),
//! phones `170…` — written through `App::import_households` by the 民政 department.

use chrono::NaiveDate;
use youxiang_app::{App, Result};
use youxiang_core::assist::register::{
    Category, Consent, Household, HouseholdStatus, MemberInfo, Personal, PersonalMember,
    StatusChange, id_check_char,
};
use youxiang_core::place::Level;

/// How many households the demo registers.
pub const DEMO_HOUSEHOLDS: usize = 300;

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 10] = ["明", "华", "芳", "军", "丽", "强", "敏", "静", "伟", "英"];
const NEEDS: [&str; 7] = [
    "助餐",
    "助医",
    "探访关爱",
    "助学",
    "助浴",
    "就业帮扶",
    "住房修缮",
];
const RELATIONS: [&str; 4] = ["户主", "配偶", "子女", "父母"];
const HEALTH: [&str; 4] = ["良好", "慢性病", "残疾(肢体三级)", "重病(住院治疗)"];

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
        self.next() % n
    }
}

/// A synthetic 身份证号: the district's region, a birth date, a 9xx sequence, the check.
fn demo_id(region: &str, born: NaiveDate, seq: u64) -> String {
    let body = format!("{region}{}{:03}", born.format("%Y%m%d"), 900 + seq % 100);
    let check = id_check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// The demo's households (not yet written).
pub fn demo_households(app: &App, today: NaiveDate) -> Vec<Household> {
    let tree = app.read().tree.clone();
    let plan_place = app.read().plan.place.clone();
    let region: String = plan_place.chars().take(6).collect();
    let region = if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) {
        region
    } else {
        "330902".to_string()
    };
    let places: Vec<_> = tree
        .places()
        .iter()
        .filter(|p| p.level == Level::Village)
        .collect();
    let places = if places.is_empty() {
        tree.places().iter().collect()
    } else {
        places
    };
    let mut rng = Lcg(20251015);
    let mut out = Vec::with_capacity(DEMO_HOUSEHOLDS);
    for n in 0..DEMO_HOUSEHOLDS {
        let place = places[n % places.len()];
        let main = match rng.below(10) {
            0 => Category::Tekun,
            1..=3 => Category::Dibao,
            4 | 5 => Category::DibaoEdge,
            6 => Category::Spending,
            7 => Category::Child,
            8 => Category::Disabled,
            _ => Category::ElderAlone,
        };
        let mut categories = vec![main];
        if main != Category::Disabled && rng.below(5) == 0 {
            categories.push(Category::Disabled);
        }
        let size = match main {
            Category::Tekun | Category::ElderAlone => 1,
            _ => 1 + rng.below(4) as usize,
        };
        let per_head = match main {
            Category::Tekun => 5000 + rng.below(8000),
            Category::Dibao => 4000 + rng.below(10000),
            Category::DibaoEdge => 14200 + rng.below(6800),
            Category::Spending => 12000 + rng.below(20000),
            _ => 8000 + rng.below(30000),
        } as f64;
        let mut members = Vec::new();
        let mut personal = Vec::new();
        for m in 0..size {
            let age = match (main, m) {
                (Category::ElderAlone, _) => 70 + rng.below(20),
                (Category::Child, 2..) => 3 + rng.below(12),
                (_, 2..) => 5 + rng.below(15),
                _ => 30 + rng.below(50),
            } as i32;
            let born = NaiveDate::from_ymd_opt(
                2025 - age,
                1 + rng.below(12) as u32,
                1 + rng.below(28) as u32,
            )
            .unwrap_or(today);
            members.push(MemberInfo {
                relation: RELATIONS[m.min(3)].to_string(),
            });
            personal.push(PersonalMember {
                name: format!(
                    "{}演示{}",
                    SURNAMES[rng.below(12) as usize],
                    GIVEN[rng.below(10) as usize]
                ),
                id_number: demo_id(&region, born, rng.below(100)),
                phone: if m == 0 || rng.below(3) == 0 {
                    format!("1700000{:04}", rng.below(10000))
                } else {
                    String::new()
                },
                health: HEALTH[if categories.contains(&Category::Disabled) && m == 0 {
                    2
                } else {
                    rng.below(4) as usize
                }]
                .to_string(),
            });
        }
        let registered = today - chrono::Duration::days(60 + rng.below(600) as i64);
        let mut history = vec![StatusChange {
            date: registered,
            status: HouseholdStatus::Applying,
            reason: "本人申请(演示)".to_string(),
            by: "mzj".to_string(),
            review_due: None,
        }];
        let status = match rng.below(20) {
            0 => HouseholdStatus::Applying,
            1 => HouseholdStatus::Suspended,
            2 => HouseholdStatus::Exited,
            _ => HouseholdStatus::Active,
        };
        if status != HouseholdStatus::Applying {
            history.push(StatusChange {
                date: registered + chrono::Duration::days(20),
                status: HouseholdStatus::Active,
                reason: "经济状况核对通过,审批纳入(演示)".to_string(),
                by: "mzj".to_string(),
                review_due: None,
            });
        }
        match status {
            HouseholdStatus::Suspended => history.push(StatusChange {
                date: registered + chrono::Duration::days(45),
                status,
                reason: "未按期复核,暂停发放(演示)".to_string(),
                by: "mzj".to_string(),
                review_due: None,
            }),
            HouseholdStatus::Exited => history.push(StatusChange {
                date: registered + chrono::Duration::days(50),
                status,
                reason: "家庭收入超过标准,退出保障(演示)".to_string(),
                by: "mzj".to_string(),
                review_due: None,
            }),
            _ => {}
        }
        let mut needs: Vec<String> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let need = NEEDS[rng.below(7) as usize].to_string();
            if !needs.contains(&need) {
                needs.push(need);
            }
        }
        let jitter = |rng: &mut Lcg| (rng.below(2000) as f64 - 1000.0) / 100_000.0;
        out.push(Household {
            id: format!("H{}-{:04}", place.code, n + 1),
            place: place.code.clone(),
            lon: place.lon.map(|v| v + jitter(&mut rng)),
            lat: place.lat.map(|v| v + jitter(&mut rng)),
            categories,
            income_year: per_head * size as f64,
            assets: (rng.below(20000) * size as u64) as f64,
            needs,
            status,
            history,
            consent: Some(Consent {
                date: registered,
                scope: "家庭经济状况核对、帮扶信息在救助部门与帮扶力量间共享".to_string(),
                how: "书面签字(演示)".to_string(),
            }),
            members,
            personal: Personal {
                address: format!("演示路{}号{}室", 1 + rng.below(200), 101 + rng.below(600)),
                members: personal,
            },
            demo: true,
        });
    }
    out
}

/// Writes the demo register as the 民政 department (`mzj`); the app must hold a key ring.
pub async fn load_demo_register(app: &App, today: NaiveDate) -> Result<usize> {
    let households = demo_households(app, today);
    app.import_households("mzj", households).await
}
