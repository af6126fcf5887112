//! The register of units (单位名录) as a service: one `unit` record per unit, keyed by its
//! name, versioned and audited like every management record. The office keeps it; anyone
//! signed in reads it, with contacts' phones masked unless they are the office.

use youxiang_core::labels::Labelled;
use youxiang_core::units::{Unit, unregistered_units};
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The records' kind.
pub const KIND_UNIT: &str = "unit";

/// A unit of the register with the version its next change must quote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisteredUnit {
    #[serde(flatten)]
    pub unit: Unit,
    pub version: i64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct UnitsImported {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

impl App {
    /// Every unit of the register, by name, as `login` may see it (phones masked unless
    /// the office).
    pub async fn units(&self, login: &str) -> Result<Vec<RegisteredUnit>> {
        let who = self.user(login)?;
        let all = self.units_as_stored().await?;
        Ok(if who.role.is_office() {
            all
        } else {
            all.into_iter()
                .map(|r| RegisteredUnit {
                    unit: r.unit.masked(),
                    version: r.version,
                })
                .collect()
        })
    }

    /// Every unit as stored (phones unmasked): for the command line, which is at the
    /// database already, and the checks of the plan against the register.
    pub async fn units_as_stored(&self) -> Result<Vec<RegisteredUnit>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_UNIT))
            .await?
        {
            out.push(RegisteredUnit {
                unit: r.decode()?,
                version: r.version,
            });
        }
        // Departments, then the towns, then the rest; by name within each.
        out.sort_by_key(|r| (r.unit.kind as u8, r.unit.name.clone()));
        Ok(out)
    }

    /// Adds a unit (`expected_version: None`) or changes one (the version read): the
    /// office only; every problem of the unit listed at once.
    pub async fn save_unit(
        &self,
        login: &str,
        unit: Unit,
        expected_version: Option<i64>,
    ) -> Result<RegisteredUnit> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "维护单位名录"));
        }
        let unit = unit.trimmed();
        let problems = unit.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let action = if expected_version.is_some() {
            "unit.edit"
        } else {
            "unit.add"
        };
        let w = RecordWrite::of(KIND_UNIT, &unit.name, &unit, expected_version, action)?
            .unit(&unit.name)
            .state(kind_code(&unit));
        let saved = self.db().put_records(&[w], login).await?;
        let version = saved.first().map(|r| r.version).unwrap_or(1);
        Ok(RegisteredUnit { unit, version })
    }

    /// Adds and changes units from a file, all or nothing: the office only; every problem
    /// of every row listed at once (`第N行:…`); units already stored as given are left
    /// alone.
    pub async fn import_units(&self, login: &str, units: Vec<Unit>) -> Result<UnitsImported> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "维护单位名录"));
        }
        let stored = self.units_as_stored().await?;
        let mut problems = Vec::new();
        let mut writes = Vec::new();
        let mut done = UnitsImported::default();
        let mut seen = std::collections::HashSet::new();
        for (n, unit) in units.into_iter().enumerate() {
            let unit = unit.trimmed();
            let row = n + 1;
            for p in unit.problems() {
                problems.push(format!("第{row}个单位:{p}"));
            }
            if !seen.insert(unit.name.clone()) {
                problems.push(format!("第{row}个单位:“{}”重复", unit.name));
            }
            let before = stored.iter().find(|s| s.unit.name == unit.name);
            if before.is_some_and(|b| b.unit == unit) {
                done.unchanged += 1;
                continue;
            }
            let (version, action) = match before {
                Some(b) => {
                    done.changed += 1;
                    (Some(b.version), "unit.edit")
                }
                None => {
                    done.added += 1;
                    (None, "unit.add")
                }
            };
            writes.push(
                RecordWrite::of(KIND_UNIT, &unit.name, &unit, version, action)?
                    .unit(&unit.name)
                    .state(kind_code(&unit))
                    .note("导入"),
            );
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        if !writes.is_empty() {
            self.db().put_records(&writes, login).await?;
        }
        Ok(done)
    }

    /// The units the current plan names that are not in the register, as warnings.
    pub async fn unregistered_units(&self) -> Result<Vec<String>> {
        let register: Vec<Unit> = self
            .units_as_stored()
            .await?
            .into_iter()
            .map(|r| r.unit)
            .collect();
        let plan = std::sync::Arc::clone(&self.read().plan);
        Ok(unregistered_units(&plan, &register))
    }
}

/// The kind's code, kept as the record's state (to filter by kind in the store).
fn kind_code(unit: &Unit) -> &'static str {
    unit.kind.code()
}
