//! 15分钟公共服务圈的公开发布 (issue 18, point 2): the office publishes the kept circle
//! (`circle` record) as a frozen, versioned `circle_publication` record (id `current`):
//! the coverage of the district and of each town (share of residents within the circle
//! for the profile's basket and per facility type), the basis (the walking network, or
//! the straight-line estimate, labelled), the OpenStreetMap credit when the network was
//! used. Aggregates only: no resident point, no gap point. A republication appends a new
//! version and must say why (a correction note, shown on the public page); older versions
//! stay readable. The public dashboard and `/open/v1/circle.*` read only what was
//! published.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use youxiang_core::publication::MAX_NOTE;
use youxiang_store::RecordWrite;

use crate::circle::{Basis, CircleResult, OSM_CREDIT};
use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The record kind (one record, id [`CURRENT`]).
pub const KIND_CIRCLE_PUBLICATION: &str = "circle_publication";
const CURRENT: &str = "current";

/// One facility type's coverage as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedCircleType {
    /// The engine's type (`primary_school`).
    pub code: String,
    /// The register's types it stands for, Chinese.
    pub label: String,
    /// An English label (the code in words).
    pub label_en: String,
}

/// One place's coverage as published (the district or a town).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedCirclePlace {
    pub place: String,
    pub name: String,
    /// Residents counted (persons).
    pub population: f64,
    /// Share (0–1) of residents within the circle of every type of the basket.
    pub basket_share: Option<f64>,
    /// Per type, in the order of [`PublishedCircle::types`].
    pub shares: Vec<Option<f64>>,
}

/// A published version of the circle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedCircle {
    pub version: u32,
    pub published_on: NaiveDate,
    /// Empty on the first version; why it was republished after.
    pub note: String,
    /// The day the coverage was computed.
    pub computed_on: NaiveDate,
    /// Whether the walking network was used (else the straight-line estimate).
    pub network: bool,
    pub basis_zh: String,
    pub basis_en: String,
    /// The OpenStreetMap credit when the network was used, else empty.
    pub credit: String,
    pub minutes: f64,
    pub population_year: i32,
    pub profile: String,
    pub profile_description: String,
    /// The basket's rules, Chinese.
    pub basket: Vec<String>,
    pub types: Vec<PublishedCircleType>,
    /// The district first, then its towns.
    pub places: Vec<PublishedCirclePlace>,
}

/// Every version published, oldest first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CirclePublicationRecord {
    pub versions: Vec<PublishedCircle>,
}

impl CirclePublicationRecord {
    /// The version in force.
    pub fn current(&self) -> Option<&PublishedCircle> {
        self.versions.last()
    }
}

/// `primary_school` → `primary school`.
fn words(code: &str) -> String {
    code.replace('_', " ")
}

/// What publishing `result` would publish for the district `district` and its `towns`
/// (code, name), as version `version` on `today` with `note`.
pub fn freeze(
    result: &CircleResult,
    district: &str,
    towns: &[String],
    version: u32,
    today: NaiveDate,
    note: &str,
) -> PublishedCircle {
    let network = matches!(result.basis, Basis::Network { .. });
    let places = std::iter::once(district.to_string())
        .chain(towns.iter().cloned())
        .filter_map(|code| result.place(&code))
        .map(|p| PublishedCirclePlace {
            place: p.place.clone(),
            name: p.name.clone(),
            population: p.population,
            basket_share: p.basket_share,
            shares: p.shares.clone(),
        })
        .collect();
    PublishedCircle {
        version,
        published_on: today,
        note: note.to_string(),
        computed_on: result.computed_on,
        network,
        basis_zh: result.basis.label_zh(),
        basis_en: result.basis.label_en(),
        credit: if network {
            OSM_CREDIT.to_string()
        } else {
            String::new()
        },
        minutes: result.inputs.minutes,
        population_year: result.inputs.population_year,
        profile: result.inputs.profile.clone(),
        profile_description: result.inputs.profile_description.clone(),
        basket: result.basket.clone(),
        types: result
            .types
            .iter()
            .map(|t| PublishedCircleType {
                code: t.code.clone(),
                label: t.label.clone(),
                label_en: words(&t.code),
            })
            .collect(),
        places,
    }
}

/// The version the next publication becomes and its note as kept: a republication must
/// say why.
pub fn next_circle_version(
    stored: &CirclePublicationRecord,
    note: &str,
) -> std::result::Result<(u32, String), String> {
    let note = note.trim().to_string();
    if note.chars().count() > MAX_NOTE {
        return Err(format!("更正说明最多 {MAX_NOTE} 个字"));
    }
    match stored.current() {
        Some(p) if note.is_empty() => Err(format!(
            "15分钟公共服务圈已发布第 {} 版:重新发布须写明更正说明",
            p.version
        )),
        Some(p) => Ok((p.version + 1, note)),
        None => Ok((1, note)),
    }
}

impl App {
    /// Publishes the kept circle (the office only) as the next version; a republication
    /// must carry `note`. Nothing without residents.
    pub async fn publish_circle(&self, login: &str, note: &str) -> Result<PublishedCircle> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "发布15分钟公共服务圈"));
        }
        let result = self.circle(login).await?;
        let stored = self
            .db()
            .get_record(KIND_CIRCLE_PUBLICATION, CURRENT)
            .await?;
        let (mut record, expected) = match &stored {
            Some(r) => (r.decode::<CirclePublicationRecord>()?, Some(r.version)),
            None => (CirclePublicationRecord::default(), None),
        };
        let (version, note) =
            next_circle_version(&record, note).map_err(|e| AppError::Invalid(vec![e]))?;
        let (district, towns) = {
            let s = self.read();
            let root = s.tree.id(&s.plan.place).or_else(|| s.tree.roots().next());
            match root {
                Some(r) => (
                    s.tree.get(r).code.clone(),
                    s.tree
                        .children(r)
                        .iter()
                        .map(|c| s.tree.get(*c).code.clone())
                        .collect::<Vec<_>>(),
                ),
                None => (String::new(), Vec::new()),
            }
        };
        let published = freeze(&result, &district, &towns, version, self.today(), &note);
        if published.places.iter().all(|p| p.population <= 0.0) {
            return Err(AppError::Invalid(vec![
                "15分钟公共服务圈还没有覆盖结果(没有有人口的居住点),无可发布".into(),
            ]));
        }
        record.versions.push(published.clone());
        let action = if version == 1 {
            "circle_publication.publish"
        } else {
            "circle_publication.correct"
        };
        let mut w = RecordWrite::of(KIND_CIRCLE_PUBLICATION, CURRENT, &record, expected, action)?
            .state(&format!("v{version}"));
        if !note.is_empty() {
            w = w.note(note);
        }
        self.db().put_records(&[w], login).await?;
        Ok(published)
    }

    /// Every published version of the circle (anyone, and the public, may read them).
    pub async fn circle_publications(&self) -> Result<CirclePublicationRecord> {
        Ok(
            match self
                .db()
                .get_record(KIND_CIRCLE_PUBLICATION, CURRENT)
                .await?
            {
                Some(r) => r.decode()?,
                None => CirclePublicationRecord::default(),
            },
        )
    }

    /// The version in force, if any was published.
    pub async fn published_circle(&self) -> Result<Option<PublishedCircle>> {
        Ok(self.circle_publications().await?.versions.pop())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_republication_needs_its_note() {
        let mut r = CirclePublicationRecord::default();
        assert_eq!(next_circle_version(&r, "  ").unwrap(), (1, String::new()));
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        r.versions.push(PublishedCircle {
            version: 1,
            published_on: day,
            note: String::new(),
            computed_on: day,
            network: false,
            basis_zh: String::new(),
            basis_en: String::new(),
            credit: String::new(),
            minutes: 15.0,
            population_year: 2025,
            profile: String::new(),
            profile_description: String::new(),
            basket: Vec::new(),
            types: Vec::new(),
            places: Vec::new(),
        });
        assert!(next_circle_version(&r, "").is_err());
        assert_eq!(
            next_circle_version(&r, " 更正人口 ").unwrap(),
            (2, "更正人口".into())
        );
        assert!(next_circle_version(&r, &"字".repeat(MAX_NOTE + 1)).is_err());
    }
}
