//! Standards as profiles: which facility types a resident should reach, within what walking
//! distance or time, and how many of them. A jurisdiction replaces the defaults with its own
//! profile file (TOML or JSON, same fields).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{AccessError, Result};

/// One requirement: facilities of `facility_type` (or any of `aliases`) within the threshold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rule {
    /// Facility type as it appears in the facility inputs.
    #[serde(rename = "type")]
    pub facility_type: String,
    /// Other type names that count as this type (e.g. `小学` for `primary_school`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Human label (Chinese first).
    #[serde(default)]
    pub label: String,
    /// Maximum walking distance in metres.
    #[serde(default)]
    pub max_distance_m: Option<f64>,
    /// Maximum walking time in minutes (at the run's speed). With both set, the stricter wins.
    #[serde(default)]
    pub max_minutes: Option<f64>,
    /// At least this many distinct facilities within the threshold (default 1).
    #[serde(default = "one")]
    pub min_count: usize,
    /// Part of the basket ("all required types at once"); default true.
    #[serde(default = "yes")]
    pub basket: bool,
}

fn one() -> usize {
    1
}
fn yes() -> bool {
    true
}

/// A named set of rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub rules: Vec<Rule>,
}

impl Rule {
    /// A rule with a distance threshold.
    pub fn within_m(facility_type: &str, label: &str, metres: f64) -> Rule {
        Rule {
            facility_type: facility_type.into(),
            aliases: vec![],
            label: label.into(),
            max_distance_m: Some(metres),
            max_minutes: None,
            min_count: 1,
            basket: true,
        }
    }

    /// A rule with a time threshold.
    pub fn within_min(facility_type: &str, label: &str, minutes: f64) -> Rule {
        Rule {
            max_distance_m: None,
            max_minutes: Some(minutes),
            ..Rule::within_m(facility_type, label, 0.0)
        }
    }

    fn with_aliases(mut self, a: &[&str]) -> Rule {
        self.aliases = a.iter().map(|s| s.to_string()).collect();
        self
    }

    /// True when a facility of type `t` counts for this rule.
    pub fn matches(&self, t: &str) -> bool {
        self.facility_type == t || self.aliases.iter().any(|a| a == t)
    }

    /// Threshold in walking metres at `speed_m_per_min`; `default_minutes` when the rule sets
    /// neither distance nor time.
    pub fn threshold_m(&self, speed_m_per_min: f64, default_minutes: f64) -> f64 {
        match (self.max_distance_m, self.max_minutes) {
            (Some(d), Some(m)) => d.min(m * speed_m_per_min),
            (Some(d), None) => d,
            (None, Some(m)) => m * speed_m_per_min,
            (None, None) => default_minutes * speed_m_per_min,
        }
    }
}

/// Names of the built-in profiles.
pub const BUILTIN_PROFILES: &[&str] = &[
    "gb50180",
    "tdt1062-town",
    "tdt1062-rural",
    "yiwu-culture-example",
];

impl Profile {
    /// The default when no profile is given: every facility type present, within `minutes`.
    pub fn circle(minutes: f64, types: &[String]) -> Profile {
        Profile {
            name: format!("{minutes}-minute circle"),
            description: format!(
                "every facility type in the inputs within {minutes} minutes' walk"
            ),
            rules: types
                .iter()
                .map(|t| Rule::within_min(t, t, minutes))
                .collect(),
        }
    }

    /// A built-in profile by name (see [`BUILTIN_PROFILES`] and docs/access.md).
    pub fn builtin(name: &str) -> Option<Profile> {
        match name {
            // GB 50180-2018 居住区规划设计标准: 15-minute circle 800–1,000 m (the upper bound is
            // used), 10-minute ≈ 500 m, 5-minute ≈ 300 m; facility service radii per level.
            "gb50180" => Some(Profile {
                name: "gb50180".into(),
                description: "GB 50180-2018 居住区规划设计标准 (walking distance service radii)".into(),
                rules: vec![
                    Rule::within_m("middle_school", "初中", 1000.0).with_aliases(&["初中"]),
                    Rule::within_m("primary_school", "小学", 500.0).with_aliases(&["小学"]),
                    Rule::within_m("kindergarten", "幼儿园", 300.0).with_aliases(&["幼儿园"]),
                    Rule::within_m("childcare", "托儿所", 300.0).with_aliases(&["托儿所", "托育"]),
                    Rule::within_m("health_station", "社区卫生服务站", 300.0)
                        .with_aliases(&["社区卫生服务站", "卫生服务站"]),
                    Rule::within_m("elderly_day_care", "老年人日间照料中心", 300.0)
                        .with_aliases(&["老年人日间照料中心", "日间照料中心"]),
                ],
            }),
            // TD/T 1062-2021 社区生活圈规划技术指南, town (城镇) community life circle:
            // 15-minute level and 5–10-minute level (10 minutes used).
            "tdt1062-town" => Some(Profile {
                name: "tdt1062-town".into(),
                description: "TD/T 1062-2021 社区生活圈规划技术指南, 城镇社区生活圈 (15-minute and 5–10-minute levels)".into(),
                rules: vec![
                    Rule::within_min("middle_school", "初中", 15.0).with_aliases(&["初中"]),
                    Rule::within_min("clinic", "社区卫生服务中心", 15.0).with_aliases(&["社区卫生服务中心", "卫生服务中心"]),
                    Rule::within_min("elderly_care", "养老服务中心", 15.0).with_aliases(&["养老院", "养老服务中心"]),
                    Rule::within_min("culture", "文化活动中心", 15.0).with_aliases(&["文化活动中心", "文体"]),
                    Rule::within_min("primary_school", "小学", 10.0).with_aliases(&["小学"]),
                    Rule::within_min("kindergarten", "幼儿园", 10.0).with_aliases(&["幼儿园"]),
                    Rule::within_min("health_station", "社区卫生服务站", 10.0).with_aliases(&["社区卫生服务站", "卫生服务站"]),
                    Rule::within_min("elderly_day_care", "老年人日间照料中心", 10.0)
                        .with_aliases(&["老年人日间照料中心", "日间照料中心"]),
                    Rule::within_min("canteen", "幸福食堂", 10.0).with_aliases(&["幸福食堂", "老年食堂"]),
                ],
            }),
            // TD/T 1062-2021, rural (乡村) life circle: 乡集镇 level and 村/组 level.
            "tdt1062-rural" => Some(Profile {
                name: "tdt1062-rural".into(),
                description: "TD/T 1062-2021 社区生活圈规划技术指南, 乡村社区生活圈 (乡集镇 and 村/组 levels)".into(),
                rules: vec![
                    Rule::within_min("middle_school", "初中 (乡集镇层级)", 30.0).with_aliases(&["初中"]),
                    Rule::within_min("clinic", "卫生院 (乡集镇层级)", 30.0).with_aliases(&["卫生院"]),
                    Rule::within_min("health_station", "村卫生室 (村/组层级)", 15.0).with_aliases(&["村卫生室", "卫生服务站"]),
                    Rule::within_min("elderly_day_care", "养老服务站 (村/组层级)", 15.0)
                        .with_aliases(&["养老服务站", "老年人日间照料中心"]),
                    Rule::within_min("culture", "文化活动室 (村/组层级)", 15.0).with_aliases(&["文化活动室", "文体"]),
                ],
            }),
            // An "at least N" local rule, as 义乌 asks: ≥ 3 cultural facilities within 15 minutes.
            "yiwu-culture-example" => Some(Profile {
                name: "yiwu-culture-example".into(),
                description: "Example local rule (义乌): at least 3 cultural facilities within 15 minutes".into(),
                rules: vec![Rule {
                    min_count: 3,
                    ..Rule::within_min("culture", "文化设施 ≥3", 15.0).with_aliases(&["文体", "文化"])
                }],
            }),
            _ => None,
        }
    }

    /// Load a profile file (TOML, or JSON by `.json` extension) and validate it.
    pub fn load(path: &Path) -> Result<Profile> {
        let p: Profile = crate::error::load_document(path)?;
        p.validate().map_err(|m| AccessError::BadDocument {
            path: path.into(),
            message: m,
        })?;
        Ok(p)
    }

    /// A built-in name or a file path.
    pub fn resolve(name_or_path: &str) -> Result<Profile> {
        match Profile::builtin(name_or_path) {
            Some(p) => Ok(p),
            None => Profile::load(Path::new(name_or_path)),
        }
    }

    /// Check thresholds and counts.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.rules.is_empty() {
            return Err(format!("profile '{}' has no rules", self.name));
        }
        for (i, r) in self.rules.iter().enumerate() {
            let ok = |v: Option<f64>| v.is_none_or(|x| x.is_finite() && x > 0.0);
            if r.facility_type.trim().is_empty() {
                return Err(format!("rule {}: empty type", i + 1));
            }
            if !ok(r.max_distance_m) || !ok(r.max_minutes) {
                return Err(format!(
                    "rule {} ({}): thresholds must be positive",
                    i + 1,
                    r.facility_type
                ));
            }
            if r.min_count == 0 {
                return Err(format!(
                    "rule {} ({}): min_count must be at least 1",
                    i + 1,
                    r.facility_type
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_valid() {
        for n in BUILTIN_PROFILES {
            let p = Profile::builtin(n).unwrap();
            p.validate().unwrap();
        }
        assert!(Profile::builtin("nope").is_none());
    }

    #[test]
    fn thresholds() {
        let r = Rule::within_min("school", "s", 15.0);
        assert_eq!(r.threshold_m(80.0, 10.0), 1200.0);
        let mut r2 = Rule::within_m("school", "s", 500.0);
        r2.max_minutes = Some(5.0);
        assert_eq!(r2.threshold_m(80.0, 15.0), 400.0);
        assert!(Rule::within_m("小学", "", 1.0).matches("小学"));
    }

    #[test]
    fn toml_profile_parses() {
        let p: Profile = toml::from_str(
            r#"
name = "local"
[[rules]]
type = "culture"
max_minutes = 15
min_count = 3
"#,
        )
        .unwrap();
        assert_eq!(p.rules[0].min_count, 3);
        assert!(p.rules[0].basket);
        p.validate().unwrap();
    }
}
