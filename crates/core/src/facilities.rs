//! The register of facilities (设施名录): the places where a basic public service is
//! delivered — 托育机构, 幼儿园, 小学, 初中, 卫生院, 村卫生室, 居家养老服务照料中心,
//! 幸福食堂, 文化礼堂, 残疾人之家, 避灾安置场所 … — each with its type from a closed list,
//! the place it belongs to, a WGS84 location, a capacity with its unit, a status with dates
//! (planned → open → closed) and the catalogue items it delivers.
//!
//! Pure: [`Facility::problems`] lists every problem of a facility as entered at once;
//! [`transition_problem`] says whether a change of status is allowed. Kept as management
//! records (`facility`), versioned and audited, by the app.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A facility's type (设施类型). [`FacilityType::access_type`] maps it onto the facility
/// types of the 15-minute engine's profiles (`access::profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityType {
    Childcare,
    Kindergarten,
    PrimarySchool,
    MiddleSchool,
    HealthStation,
    HealthCentre,
    TownshipHospital,
    VillageClinic,
    ElderlyCareCentre,
    ElderlyHome,
    Canteen,
    CultureHall,
    SportsGround,
    DisabledHome,
    Shelter,
}

impl FacilityType {
    pub fn label_zh(self) -> &'static str {
        match self {
            FacilityType::Childcare => "托育机构",
            FacilityType::Kindergarten => "幼儿园",
            FacilityType::PrimarySchool => "小学",
            FacilityType::MiddleSchool => "初中",
            FacilityType::HealthStation => "社区卫生服务站",
            FacilityType::HealthCentre => "社区卫生服务中心",
            FacilityType::TownshipHospital => "卫生院",
            FacilityType::VillageClinic => "村卫生室",
            FacilityType::ElderlyCareCentre => "居家养老服务照料中心",
            FacilityType::ElderlyHome => "养老机构",
            FacilityType::Canteen => "幸福食堂",
            FacilityType::CultureHall => "文化礼堂",
            FacilityType::SportsGround => "村级体育设施",
            FacilityType::DisabledHome => "残疾人之家",
            FacilityType::Shelter => "避灾安置场所",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FacilityType::Childcare => "childcare centre",
            FacilityType::Kindergarten => "kindergarten",
            FacilityType::PrimarySchool => "primary school",
            FacilityType::MiddleSchool => "middle school",
            FacilityType::HealthStation => "community health station",
            FacilityType::HealthCentre => "community health centre",
            FacilityType::TownshipHospital => "township health centre",
            FacilityType::VillageClinic => "village clinic",
            FacilityType::ElderlyCareCentre => "home-based elderly care centre",
            FacilityType::ElderlyHome => "care home",
            FacilityType::Canteen => "community canteen",
            FacilityType::CultureHall => "village culture hall",
            FacilityType::SportsGround => "village sports ground",
            FacilityType::DisabledHome => "home for people with disabilities",
            FacilityType::Shelter => "disaster shelter",
        }
    }

    /// The facility type of the 15-minute engine's profiles this type counts as (GB 50180,
    /// TD/T 1062: `childcare`, `kindergarten`, `primary_school`, `middle_school`,
    /// `health_station`, `clinic`, `elderly_day_care`, `elderly_care`, `canteen`,
    /// `culture`); `None` for a type no shipped profile asks for.
    pub fn access_type(self) -> Option<&'static str> {
        match self {
            FacilityType::Childcare => Some("childcare"),
            FacilityType::Kindergarten => Some("kindergarten"),
            FacilityType::PrimarySchool => Some("primary_school"),
            FacilityType::MiddleSchool => Some("middle_school"),
            FacilityType::HealthStation | FacilityType::VillageClinic => Some("health_station"),
            FacilityType::HealthCentre | FacilityType::TownshipHospital => Some("clinic"),
            FacilityType::ElderlyCareCentre => Some("elderly_day_care"),
            FacilityType::ElderlyHome => Some("elderly_care"),
            FacilityType::Canteen => Some("canteen"),
            FacilityType::CultureHall | FacilityType::SportsGround => Some("culture"),
            FacilityType::DisabledHome | FacilityType::Shelter => None,
        }
    }

    /// The unit its capacity is usually counted in.
    pub fn usual_capacity_unit(self) -> CapacityUnit {
        match self {
            FacilityType::Childcare => CapacityUnit::Places,
            FacilityType::Kindergarten
            | FacilityType::PrimarySchool
            | FacilityType::MiddleSchool => CapacityUnit::Seats,
            FacilityType::ElderlyHome | FacilityType::TownshipHospital => CapacityUnit::Beds,
            FacilityType::Canteen => CapacityUnit::Meals,
            FacilityType::SportsGround | FacilityType::CultureHall => CapacityUnit::SquareMetres,
            _ => CapacityUnit::People,
        }
    }
}

crate::labelled!(FacilityType, "设施类型", {
    Childcare => "childcare" | "托育" | "托儿所" | "托育服务机构",
    Kindergarten => "kindergarten",
    PrimarySchool => "primary_school",
    MiddleSchool => "middle_school" | "初级中学",
    HealthStation => "health_station" | "卫生服务站",
    HealthCentre => "health_centre" | "卫生服务中心",
    TownshipHospital => "township_hospital" | "乡镇卫生院",
    VillageClinic => "village_clinic",
    ElderlyCareCentre => "elderly_care_centre" | "居家养老服务中心" | "居家养老照料中心" | "居家养老服务(照料)中心",
    ElderlyHome => "elderly_home",
    Canteen => "canteen" | "老年食堂",
    CultureHall => "culture_hall",
    SportsGround => "sports_ground" | "体育设施",
    DisabledHome => "disabled_home" | "“残疾人之家”",
    Shelter => "shelter",
});

/// What a capacity is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityUnit {
    /// 托位 (childcare places).
    Places,
    /// 学位 (school places).
    Seats,
    /// 床位.
    Beds,
    /// 餐位 (meals a sitting).
    Meals,
    /// 人 (people served or sheltered).
    People,
    /// 平方米.
    SquareMetres,
}

impl CapacityUnit {
    pub fn label_zh(self) -> &'static str {
        match self {
            CapacityUnit::Places => "托位",
            CapacityUnit::Seats => "学位",
            CapacityUnit::Beds => "床位",
            CapacityUnit::Meals => "餐位",
            CapacityUnit::People => "人",
            CapacityUnit::SquareMetres => "平方米",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CapacityUnit::Places => "childcare places",
            CapacityUnit::Seats => "school places",
            CapacityUnit::Beds => "beds",
            CapacityUnit::Meals => "meal seats",
            CapacityUnit::People => "people",
            CapacityUnit::SquareMetres => "square metres",
        }
    }
}

crate::labelled!(CapacityUnit, "容量单位", {
    Places => "places" | "个托位",
    Seats => "seats" | "个学位",
    Beds => "beds" | "张床位" | "张",
    Meals => "meals" | "个餐位",
    People => "people" | "名",
    SquareMetres => "square_metres" | "㎡" | "m2" | "平米",
});

/// A facility's status (状态).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum FacilityStatus {
    /// 规划中: not yet open.
    #[default]
    Planned,
    /// 运行中: open since its opening date.
    Open,
    /// 已关闭: closed on its closing date (or a plan given up).
    Closed,
}

impl FacilityStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            FacilityStatus::Planned => "规划中",
            FacilityStatus::Open => "运行中",
            FacilityStatus::Closed => "已关闭",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FacilityStatus::Planned => "planned",
            FacilityStatus::Open => "open",
            FacilityStatus::Closed => "closed",
        }
    }
}

crate::labelled!(FacilityStatus, "设施状态", {
    Planned => "planned" | "规划" | "在建",
    Open => "open" | "运行" | "开放" | "已建成",
    Closed => "closed" | "关闭" | "停用",
});

/// A WGS84 location (经度, 纬度), in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lon: f64,
    pub lat: f64,
}

impl Location {
    /// The problem of a location, if any: finite, longitude in −180…180, latitude in −90…90.
    pub fn problem(&self) -> Option<String> {
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Some(format!("经度 {} 超出范围(−180 至 180 度,WGS84)", self.lon));
        }
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Some(format!("纬度 {} 超出范围(−90 至 90 度,WGS84)", self.lat));
        }
        None
    }
}

/// A capacity with its unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub amount: u32,
    pub unit: CapacityUnit,
}

/// One facility of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    /// The facility's code (编码): 1–32 letters, digits, `-` or `_`; the key.
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub facility_type: FacilityType,
    /// The code of the place (town or village) it belongs to.
    pub place: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    #[serde(default)]
    pub status: FacilityStatus,
    /// The day it opened (运行中 and 已关闭 facilities that had opened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<NaiveDate>,
    /// The day it closed (已关闭 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<NaiveDate>,
    /// The codes of the catalogue items it delivers (e.g. `DHLY-03`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// Where the record comes from (a department's list, a survey, 演示数据).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The longest facility name, in characters.
pub const MAX_FACILITY_NAME_CHARS: usize = 80;

/// Whether `code` may be a facility's code: 1–32 ASCII letters, digits, `-` or `_`.
pub fn code_is_valid(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Facility {
    /// Every problem of the facility as entered, in Chinese (empty: it may be kept): the
    /// code and name, a place, the location's range, the status's dates (运行中 needs its
    /// opening day, not after `today`; 已关闭 its closing day, not before opening and not
    /// after `today`; 规划中 has neither), one-line texts and item codes.
    pub fn problems(&self, today: NaiveDate) -> Vec<String> {
        let mut out = Vec::new();
        let code = self.code.trim();
        if !code_is_valid(code) {
            out.push(format!(
                "设施编码“{code}”无效:应为 1–32 位字母、数字、- 或 _"
            ));
        }
        let name = self.name.trim();
        if name.is_empty() {
            out.push("设施名称不能为空".into());
        } else if name.chars().count() > MAX_FACILITY_NAME_CHARS {
            out.push(format!(
                "设施名称“{name}”超过 {MAX_FACILITY_NAME_CHARS} 个字符"
            ));
        }
        if [
            &self.code,
            &self.name,
            &self.place,
            &self.source,
            &self.note,
        ]
        .iter()
        .any(|t| t.chars().any(char::is_control))
        {
            out.push(format!(
                "设施“{name}”的编码、名称、地点、来源和备注只能是一行文字"
            ));
        }
        if self.place.trim().is_empty() {
            out.push(format!("设施“{name}”没有所属地点"));
        }
        if let Some(p) = self.location.as_ref().and_then(Location::problem) {
            out.push(p);
        }
        match self.status {
            FacilityStatus::Planned => {
                if self.opened.is_some() || self.closed.is_some() {
                    out.push("规划中的设施不写启用和关闭日期".into());
                }
            }
            FacilityStatus::Open => {
                match self.opened {
                    None => out.push("运行中的设施须写启用日期".into()),
                    Some(d) if d > today => out.push(format!(
                        "启用日期 {d} 晚于今天 {today}:尚未启用的设施请记为规划中"
                    )),
                    _ => {}
                }
                if self.closed.is_some() {
                    out.push("运行中的设施不写关闭日期".into());
                }
            }
            FacilityStatus::Closed => match self.closed {
                None => out.push("已关闭的设施须写关闭日期".into()),
                Some(c) => {
                    if c > today {
                        out.push(format!("关闭日期 {c} 晚于今天 {today}"));
                    }
                    if let Some(o) = self.opened
                        && c < o
                    {
                        out.push(format!("关闭日期 {c} 早于启用日期 {o}"));
                    }
                }
            },
        }
        for item in &self.items {
            if item.trim().is_empty() || item.chars().any(|c| c.is_control() || c == ',') {
                out.push(format!("服务项目编码“{item}”无效"));
            }
        }
        out
    }

    /// The facility with surrounding blanks removed from its texts, items deduplicated.
    pub fn trimmed(mut self) -> Facility {
        for t in [
            &mut self.code,
            &mut self.name,
            &mut self.place,
            &mut self.source,
            &mut self.note,
        ] {
            *t = t.trim().to_string();
        }
        let mut items: Vec<String> = Vec::new();
        for i in self.items.iter().map(|i| i.trim().to_string()) {
            if !items.contains(&i) {
                items.push(i);
            }
        }
        self.items = items;
        self
    }

    /// Whether it is open on `day` (opened on or before it and not closed by it).
    pub fn is_open_on(&self, day: NaiveDate) -> bool {
        self.opened.is_some_and(|o| o <= day) && self.closed.is_none_or(|c| c > day)
    }
}

/// Why the status may not go from `before` to `after`, if it may not: a status never goes
/// back (an open facility is not planned again; a closed one is not reopened — register a
/// new one), and the opening day of a facility that had opened stays as it was unless the
/// change corrects it while it is still open.
pub fn transition_problem(before: &Facility, after: &Facility) -> Option<String> {
    use FacilityStatus::*;
    match (before.status, after.status) {
        (Open, Planned) | (Closed, Planned) => Some(format!(
            "设施“{}”已{},不能改回规划中",
            before.name,
            if before.status == Open {
                "启用"
            } else {
                "关闭"
            }
        )),
        (Closed, Open) => Some(format!(
            "设施“{}”已关闭,不能重新启用;请登记一个新设施",
            before.name
        )),
        (Closed, Closed) if before.opened != after.opened || before.closed != after.closed => {
            Some(format!("已关闭设施“{}”的日期不能再改", before.name))
        }
        (Open, Closed) if before.opened != after.opened => {
            Some(format!("关闭设施“{}”时不能同时改启用日期", before.name))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Labelled;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facility() -> Facility {
        Facility {
            code: "SS000001".into(),
            name: "环南街道社区卫生服务中心".into(),
            facility_type: FacilityType::HealthCentre,
            place: "330902001".into(),
            location: Some(Location {
                lon: 122.1,
                lat: 30.0,
            }),
            capacity: None,
            status: FacilityStatus::Open,
            opened: Some(day("2020-01-01")),
            closed: None,
            items: vec!["DHQ-02".into()],
            source: "演示".into(),
            note: String::new(),
        }
    }

    #[test]
    fn types_parse_from_code_and_labels_and_map_onto_the_access_engine() {
        for &t in FacilityType::all() {
            assert_eq!(t.code().parse::<FacilityType>(), Ok(t));
            assert_eq!(t.label_zh().parse::<FacilityType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.code());
        }
        assert_eq!("乡镇卫生院".parse(), Ok(FacilityType::TownshipHospital));
        assert_eq!(
            FacilityType::VillageClinic.access_type(),
            Some("health_station")
        );
        assert_eq!(FacilityType::TownshipHospital.access_type(), Some("clinic"));
        assert_eq!(FacilityType::Shelter.access_type(), None);
        let e = "体育馆".parse::<FacilityType>().unwrap_err().to_string();
        assert!(e.contains("设施类型") && e.contains("幼儿园"), "{e}");
    }

    #[test]
    fn problems_name_every_fault_at_once() {
        let today = day("2025-10-15");
        assert!(facility().problems(today).is_empty());
        let mut f = facility();
        f.code = "SS 1".into();
        f.name = " ".into();
        f.place.clear();
        f.location = Some(Location {
            lon: 190.0,
            lat: 30.0,
        });
        f.opened = Some(day("2026-01-01"));
        f.closed = Some(day("2025-01-01"));
        let p = f.problems(today);
        assert_eq!(p.len(), 6, "{p:?}");
        assert!(p.iter().any(|p| p.contains("编码")));
        assert!(p.iter().any(|p| p.contains("经度 190")));
        assert!(p.iter().any(|p| p.contains("晚于今天")));
        assert!(p.iter().any(|p| p.contains("不写关闭日期")));
        let mut lat = facility();
        lat.location = Some(Location {
            lon: 122.0,
            lat: f64::NAN,
        });
        assert!(lat.problems(today)[0].contains("纬度"));
        let mut planned = facility();
        planned.status = FacilityStatus::Planned;
        assert!(planned.problems(today)[0].contains("规划中"));
        planned.opened = None;
        assert!(planned.problems(today).is_empty());
        let mut closed = facility();
        closed.status = FacilityStatus::Closed;
        assert!(closed.problems(today)[0].contains("关闭日期"));
        closed.closed = Some(day("2019-12-31"));
        assert!(closed.problems(today)[0].contains("早于启用日期"));
        closed.closed = Some(day("2024-06-30"));
        assert!(closed.problems(today).is_empty());
        assert!(closed.is_open_on(day("2024-06-29")) && !closed.is_open_on(day("2024-06-30")));
    }

    #[test]
    fn status_moves_forward_only() {
        let planned = Facility {
            status: FacilityStatus::Planned,
            opened: None,
            ..facility()
        };
        let open = facility();
        let closed = Facility {
            status: FacilityStatus::Closed,
            closed: Some(day("2024-06-30")),
            ..facility()
        };
        assert_eq!(transition_problem(&planned, &open), None);
        assert_eq!(transition_problem(&planned, &closed), None);
        assert_eq!(transition_problem(&open, &closed), None);
        assert_eq!(transition_problem(&open, &open), None);
        assert!(
            transition_problem(&open, &planned)
                .unwrap()
                .contains("不能改回规划中")
        );
        assert!(
            transition_problem(&closed, &open)
                .unwrap()
                .contains("不能重新启用")
        );
        let moved = Facility {
            closed: Some(day("2024-07-01")),
            ..closed.clone()
        };
        assert!(transition_problem(&closed, &moved).is_some());
        let reopened_earlier = Facility {
            opened: Some(day("2019-01-01")),
            ..closed.clone()
        };
        assert!(transition_problem(&open, &reopened_earlier).is_some());
    }

    #[test]
    fn a_facility_round_trips_through_json() {
        let f = facility();
        let j = serde_json::to_value(&f).unwrap();
        assert_eq!(j["type"], "health_centre");
        assert_eq!(serde_json::from_value::<Facility>(j).unwrap(), f);
    }
}
