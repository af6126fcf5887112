//! The register of facilities (设施名录) as a service: one `facility` record per facility,
//! keyed by its code, versioned and audited like every management record. Scoped like
//! figures: the office edits every facility, a reporter those whose place lies in their
//! scope (a town its own subtree), both before and after a change; anyone signed in reads.

use youxiang_core::facilities::{Facility, FacilityType, transition_problem};
use youxiang_core::labels::Labelled;
use youxiang_core::permission::may_edit_facility;
use youxiang_core::place::PlaceTree;
use youxiang_store::{AuditEntry, AuditFilter, RecordFilter, RecordWrite};

use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The records' kind.
pub const KIND_FACILITY: &str = "facility";

const ACTIONS: [&str; 2] = ["facility.add", "facility.edit"];

/// A facility of the register with the version its next change must quote.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegisteredFacility {
    #[serde(flatten)]
    pub facility: Facility,
    pub version: i64,
}

/// Which facilities to list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacilityFilter {
    pub facility_type: Option<FacilityType>,
    /// A place's code: facilities at it or below it.
    pub place: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct FacilitiesImported {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// The place's code for `text` (a place's code, else a unique name).
fn resolve_place(tree: &PlaceTree, text: &str) -> std::result::Result<String, String> {
    let text = text.trim();
    if tree.id(text).is_some() {
        return Ok(text.to_string());
    }
    let named: Vec<_> = tree.places().iter().filter(|p| p.name == text).collect();
    match named.as_slice() {
        [one] => Ok(one.code.clone()),
        [] => Err(format!("地点“{text}”不在地点表中")),
        _ => Err(format!("地点名称“{text}”不唯一,请写地点编码")),
    }
}

impl App {
    /// Every facility of the register that `filter` keeps, by place and code.
    pub async fn facilities(
        &self,
        login: &str,
        filter: &FacilityFilter,
    ) -> Result<Vec<RegisteredFacility>> {
        self.user(login)?;
        let tree = std::sync::Arc::clone(&self.read().tree);
        let root = match &filter.place {
            Some(p) => Some(
                tree.id(p)
                    .ok_or_else(|| AppError::NotFound(format!("地点“{p}”不存在")))?,
            ),
            None => None,
        };
        Ok(self
            .facilities_as_stored()
            .await?
            .into_iter()
            .filter(|f| {
                filter
                    .facility_type
                    .is_none_or(|t| f.facility.facility_type == t)
            })
            .filter(|f| {
                root.is_none_or(|root| {
                    tree.id(&f.facility.place)
                        .is_some_and(|p| tree.is_within(p, root))
                })
            })
            .collect())
    }

    /// Every facility as stored, by place and code.
    pub async fn facilities_as_stored(&self) -> Result<Vec<RegisteredFacility>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_FACILITY))
            .await?
        {
            out.push(RegisteredFacility {
                facility: r.decode()?,
                version: r.version,
            });
        }
        out.sort_by(|a, b| {
            (&a.facility.place, &a.facility.code).cmp(&(&b.facility.place, &b.facility.code))
        });
        Ok(out)
    }

    /// One facility by its code.
    pub async fn facility(&self, login: &str, code: &str) -> Result<RegisteredFacility> {
        self.user(login)?;
        let r = self
            .db()
            .get_record(KIND_FACILITY, code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("设施“{code}”不存在")))?;
        Ok(RegisteredFacility {
            facility: r.decode()?,
            version: r.version,
        })
    }

    /// Whether `login` may add or change a facility at the place `place` (a code).
    pub fn may_edit_facility_at(&self, login: &str, place: &str) -> bool {
        let Ok(who) = self.user(login) else {
            return false;
        };
        let state = self.read();
        state
            .tree
            .id(place)
            .is_some_and(|p| may_edit_facility(&who, &state.tree, p))
    }

    /// The problems of writing `facility` over `before` (`None`: a new one) as `login`:
    /// scope (Forbidden) first, then every problem of the facility at once.
    fn facility_problems(
        &self,
        login: &str,
        facility: &mut Facility,
        before: Option<&Facility>,
    ) -> Result<Vec<String>> {
        let who = self.user(login)?;
        let tree = std::sync::Arc::clone(&self.read().tree);
        let mut problems = Vec::new();
        match resolve_place(&tree, &facility.place) {
            Ok(code) => facility.place = code,
            Err(p) => problems.push(p),
        }
        for place in before
            .map(|b| b.place.as_str())
            .into_iter()
            .chain(Some(facility.place.as_str()))
        {
            if let Some(p) = tree.id(place)
                && !may_edit_facility(&who, &tree, p)
            {
                return Err(forbid(&who, &format!("维护{}的设施", tree.get(p).name)));
            }
        }
        if !who.role.is_office() && !who.role.can_report() {
            return Err(forbid(&who, "维护设施名录"));
        }
        problems.extend(facility.problems(self.today()));
        if let Some(b) = before
            && let Some(p) = transition_problem(b, facility)
        {
            problems.push(p);
        }
        Ok(problems)
    }

    /// Adds a facility (`expected_version: None`) or changes one (the version read): the
    /// office, or a reporter whose scope covers its place (before and after the change);
    /// every problem listed at once, status changes checked (planned → open → closed).
    pub async fn save_facility(
        &self,
        login: &str,
        facility: Facility,
        expected_version: Option<i64>,
    ) -> Result<RegisteredFacility> {
        let mut facility = facility.trimmed();
        let before = match expected_version {
            Some(_) => Some(self.facility(login, &facility.code).await?.facility),
            None => None,
        };
        let problems = self.facility_problems(login, &mut facility, before.as_ref())?;
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let action = if expected_version.is_some() {
            ACTIONS[1]
        } else {
            ACTIONS[0]
        };
        let w = RecordWrite::of(
            KIND_FACILITY,
            &facility.code,
            &facility,
            expected_version,
            action,
        )?
        .unit(&facility.place)
        .state(facility.status.code());
        let saved = self.db().put_records(&[w], login).await?;
        let version = saved.first().map(|r| r.version).unwrap_or(1);
        self.circle_after_register_change().await;
        Ok(RegisteredFacility { facility, version })
    }

    /// Adds and changes facilities from a file, all or nothing, under the same rules as
    /// [`App::save_facility`]; every problem of every facility listed at once
    /// (`第N个设施(编码):…`); facilities already stored as given are left alone.
    pub async fn import_facilities(
        &self,
        login: &str,
        facilities: Vec<Facility>,
    ) -> Result<FacilitiesImported> {
        let stored = self.facilities_as_stored().await?;
        let mut problems = Vec::new();
        let mut writes = Vec::new();
        let mut done = FacilitiesImported::default();
        let mut seen = std::collections::HashSet::new();
        for (n, facility) in facilities.into_iter().enumerate() {
            let mut facility = facility.trimmed();
            let at = format!("第{}个设施({})", n + 1, facility.code);
            if !seen.insert(facility.code.clone()) {
                problems.push(format!("{at}:编码重复"));
            }
            let before = stored.iter().find(|s| s.facility.code == facility.code);
            for p in self.facility_problems(login, &mut facility, before.map(|b| &b.facility))? {
                problems.push(format!("{at}:{p}"));
            }
            if before.is_some_and(|b| b.facility == facility) {
                done.unchanged += 1;
                continue;
            }
            let (version, action) = match before {
                Some(b) => {
                    done.changed += 1;
                    (Some(b.version), ACTIONS[1])
                }
                None => {
                    done.added += 1;
                    (None, ACTIONS[0])
                }
            };
            writes.push(
                RecordWrite::of(KIND_FACILITY, &facility.code, &facility, version, action)?
                    .unit(&facility.place)
                    .state(facility.status.code())
                    .note("导入"),
            );
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        if !writes.is_empty() {
            self.db().put_records(&writes, login).await?;
            self.circle_after_register_change().await;
        }
        Ok(done)
    }

    /// Reads a register file (CSV, xlsx or GeoJSON) and imports it as
    /// [`App::import_facilities`] does; every fault of the file named by row and column
    /// (GeoJSON: feature and property), nothing written.
    pub async fn import_facilities_file(
        &self,
        login: &str,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<FacilitiesImported> {
        self.user(login)?;
        let facilities = youxiang_ingest::read_facilities(bytes, file_name).map_err(|errors| {
            AppError::Upload {
                errors,
                omitted: 0,
                warnings: Vec::new(),
            }
        })?;
        self.import_facilities(login, facilities).await
    }

    /// The facilities `filter` keeps as an xlsx workbook that the import reads back.
    pub async fn facilities_xlsx(&self, login: &str, filter: &FacilityFilter) -> Result<Vec<u8>> {
        let list: Vec<Facility> = self
            .facilities(login, filter)
            .await?
            .into_iter()
            .map(|r| r.facility)
            .collect();
        youxiang_ingest::write_facilities_xlsx(&list)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))
    }

    /// The audited changes of one facility, oldest first (its newest 1,000).
    pub async fn facility_history(&self, login: &str, code: &str) -> Result<Vec<AuditEntry>> {
        self.facility(login, code).await?;
        let mut out = self
            .db()
            .audit_query(&AuditFilter {
                entity: Some(format!("{KIND_FACILITY}:{code}")),
                ..AuditFilter::default()
            })
            .await?;
        out.retain(|r| ACTIONS.contains(&r.action.as_str()));
        out.sort_by_key(|r| r.seq);
        Ok(out)
    }
}
