//! DHIS2 exchange as a service (`core::exchange::dhis2` holds the formats): the mapping in
//! force (derived from the plan, with the office's overrides kept as a `config` record),
//! the export of the official (approved) figures as a `dataValueSet`, and the import of one
//! through the one write path — scope checked, every value checked as any write is, all or
//! nothing, audited — with `dryRun` (checks and counts only) and DHIS2's import summary.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use youxiang_core::CheckedWrite;
use youxiang_core::exchange::dhis2::{
    Conflict, DataValueSet, IdScheme, IdSchemes, ImportCount, ImportOptions, ImportStrategy,
    ImportSummary, Incoming, Mapping, MappingFile, SchemeChoice, data_value, resolve,
};
use youxiang_core::period::Period;
use youxiang_core::value::{Observation, ValueKey, ValueState};
use youxiang_store::RecordWrite;

use crate::manage::{KIND_CONFIG, forbid};
use crate::{App, AppError, Result, ValueFilter, ValueWrite};

/// The `config` record holding the mapping's overrides.
pub const MAPPING_ID: &str = "dhis2_mapping";

/// What an export takes: identifiers of the filters by any scheme (UID, code or name).
#[derive(Debug, Clone, Default)]
pub struct Dhis2Export {
    /// Data sets: the plan's only (empty: the plan's).
    pub data_sets: Vec<String>,
    /// Data elements (indicators); empty: all.
    pub data_elements: Vec<String>,
    /// Periods, exactly; empty: `start`/`end`, else all.
    pub periods: Vec<Period>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// Org units (places); empty: all.
    pub org_units: Vec<String>,
    /// With every place below the named org units.
    pub children: bool,
    /// How the export names objects.
    pub schemes: IdSchemes,
}

/// How an import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dhis2Import {
    /// The query's (or the command line's) schemes; the payload's take precedence.
    pub schemes: SchemeChoice,
    pub dry_run: bool,
    pub strategy: ImportStrategy,
}

fn find_any<'a, T: Clone + PartialEq>(
    objects: &'a youxiang_core::exchange::dhis2::Objects<T>,
    id: &str,
) -> Option<&'a T> {
    [IdScheme::Uid, IdScheme::Code, IdScheme::Name]
        .into_iter()
        .find_map(|s| objects.find(s, id).ok())
}

fn payload_schemes(set: &DataValueSet, conflicts: &mut Vec<Conflict>) -> SchemeChoice {
    let mut parse = |text: &Option<String>, property: &str| {
        text.as_deref().and_then(|t| match t.parse::<IdScheme>() {
            Ok(s) => Some(s),
            Err(why) => {
                conflicts.push(Conflict::new(t, why, Some(property), None));
                None
            }
        })
    };
    SchemeChoice {
        id_scheme: parse(&set.id_scheme, "idScheme"),
        data_element: parse(&set.data_element_id_scheme, "dataElementIdScheme"),
        org_unit: parse(&set.org_unit_id_scheme, "orgUnitIdScheme"),
        category_option_combo: parse(
            &set.category_option_combo_id_scheme,
            "categoryOptionComboIdScheme",
        ),
    }
}

impl App {
    /// The mapping's overrides in force (none: the derived mapping).
    pub async fn dhis2_mapping_file(&self) -> Result<MappingFile> {
        Ok(match self.db().get_record(KIND_CONFIG, MAPPING_ID).await? {
            Some(r) => r.decode()?,
            None => MappingFile::default(),
        })
    }

    /// The mapping in force: derived from the plan and places, with the stored overrides
    /// (or `file`'s, when given, instead).
    pub async fn dhis2_mapping(&self, file: Option<&MappingFile>) -> Result<Mapping> {
        let stored;
        let file = match file {
            Some(f) => f,
            None => {
                stored = self.dhis2_mapping_file().await?;
                &stored
            }
        };
        let state = self.read();
        Mapping::build(&state.plan, state.tree.places(), file).map_err(AppError::Invalid)
    }

    /// Keeps `file` as the mapping's overrides (the office only), checked against the plan
    /// and places first; audited.
    pub async fn set_dhis2_mapping(&self, login: &str, file: &MappingFile) -> Result<()> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "设置 DHIS2 映射"));
        }
        self.dhis2_mapping(Some(file)).await?;
        let stored = self.db().get_record(KIND_CONFIG, MAPPING_ID).await?;
        let w = RecordWrite::of(
            KIND_CONFIG,
            MAPPING_ID,
            file,
            stored.map(|r| r.version),
            "exchange.dhis2_mapping",
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    /// The approved figures matching `filter` as a `dataValueSet` (the official figures:
    /// never a draft nor a figure merely submitted), in key order. An identifier of the
    /// filter that names nothing is [`AppError::NotFound`].
    pub async fn dhis2_export(
        &self,
        login: &str,
        filter: &Dhis2Export,
        file: Option<&MappingFile>,
    ) -> Result<DataValueSet> {
        self.user(login)?;
        let mapping = self.dhis2_mapping(file).await?;
        if let Some(ds) = filter.data_sets.iter().find(|d| !mapping.is_data_set(d)) {
            return Err(AppError::NotFound(format!("数据集“{ds}”")));
        }
        let mut indicators = HashSet::new();
        for de in &filter.data_elements {
            let code = find_any(&mapping.data_elements, de)
                .ok_or_else(|| AppError::NotFound(format!("数据元素“{de}”")))?;
            indicators.insert(code.clone());
        }
        let places: Option<HashSet<String>> = if filter.org_units.is_empty() {
            None
        } else {
            let state = self.read();
            let tree = &state.tree;
            let mut set = HashSet::new();
            for ou in &filter.org_units {
                let code = find_any(&mapping.org_units, ou)
                    .ok_or_else(|| AppError::NotFound(format!("组织机构“{ou}”")))?;
                let Some(id) = tree.id(code) else { continue };
                if filter.children {
                    set.extend(
                        tree.subtree(id)
                            .into_iter()
                            .map(|p| tree.get(p).code.clone()),
                    );
                } else {
                    set.insert(code.clone());
                }
            }
            Some(set)
        };
        let keep = |o: &Observation| {
            let p = &o.key.period;
            o.state == ValueState::Approved
                && (indicators.is_empty() || indicators.contains(&o.key.indicator))
                && places.as_ref().is_none_or(|s| s.contains(&o.key.place))
                && (if filter.periods.is_empty() {
                    filter.start.is_none_or(|d| d <= p.start())
                        && filter.end.is_none_or(|d| p.end() <= d)
                } else {
                    filter.periods.contains(p)
                })
        };
        let mut values: Vec<Observation> = self
            .db()
            .load_values()
            .await?
            .into_iter()
            .filter(keep)
            .collect();
        values.sort_by(|a, b| a.key.cmp(&b.key));
        let data_values = values
            .iter()
            .filter_map(|o| {
                data_value(
                    &mapping,
                    filter.schemes,
                    &o.key,
                    o.value,
                    &o.reporter,
                    o.reported_at,
                    &o.comment,
                )
            })
            .collect();
        Ok(DataValueSet {
            data_values,
            ..DataValueSet::default()
        })
    }

    /// Imports `set` as `login`: every value resolved through the mapping, its place in
    /// the user's scope, checked as every write is (the plan, the place, the period's
    /// frequency and start, the natural range, a ratio's pair), compared with the stored
    /// value (unchanged: ignored; approved: locked). Any conflict: nothing is written and
    /// the summary says `ERROR`. A dry run stops before writing. Writing goes through
    /// [`App::write_values`] (or [`App::delete_values`] under `DELETE`): one transaction,
    /// audited. A user who cannot report at all is refused whole (`Forbidden`).
    pub async fn dhis2_import(
        &self,
        login: &str,
        set: &DataValueSet,
        options: Dhis2Import,
        file: Option<&MappingFile>,
    ) -> Result<ImportSummary> {
        let who = self.user(login)?;
        if !who.role.can_report() {
            return Err(forbid(&who, "导入数据"));
        }
        let mapping = self.dhis2_mapping(file).await?;
        let mut conflicts = Vec::new();
        let schemes = payload_schemes(set, &mut conflicts).over(&options.schemes);
        let summary_options = ImportOptions {
            id_schemes: schemes.into(),
            dry_run: options.dry_run,
            import_strategy: options.strategy,
        };
        let (incoming, found) = resolve(set, &mapping, schemes, options.strategy);
        conflicts.extend(found);
        let total = set.data_values.len();
        let existing = self.stored_of(&incoming).await?;
        let mut count = ImportCount::default();
        let mut writes = Vec::new();
        let mut deletions = Vec::new();
        {
            let today = self.today();
            let state = self.read();
            let mut seen = HashMap::new();
            for inc in &incoming {
                let mut conflict = |value: String, property: &str| {
                    conflicts.push(Conflict::new(
                        &inc.object,
                        value,
                        Some(property),
                        Some(inc.index),
                    ))
                };
                if let Some(first) = seen.insert(inc.key.clone(), inc.index) {
                    conflict(
                        format!("{} 与第 {} 个数据值重复", inc.key, first),
                        "dataValue",
                    );
                    continue;
                }
                let in_scope = state
                    .tree
                    .id(&inc.key.place)
                    .is_some_and(|p| who.scope.covers(&state.tree, p, &inc.key.indicator));
                if !in_scope {
                    conflict(
                        format!("{} 不在 {} 的填报范围内", inc.key, who.name),
                        "orgUnit",
                    );
                    continue;
                }
                let old = existing.get(&inc.key);
                let locked = old.is_some_and(|o| o.state.check_editable().is_err());
                let Some(value) = inc.value else {
                    match old {
                        None => count.ignored += 1,
                        Some(_) if locked => {
                            conflict(format!("{} 已审核,不能删除", inc.key), "deleted")
                        }
                        Some(_) => {
                            count.deleted += 1;
                            deletions.push(inc.key.clone());
                        }
                    }
                    continue;
                };
                let source = old.map(|o| o.source.clone()).unwrap_or_default();
                if let Err(refusal) = CheckedWrite::check_with_source(
                    &state.plan,
                    &state.tree,
                    inc.key.clone(),
                    value,
                    inc.comment.clone(),
                    source.clone(),
                ) {
                    for r in refusal.reasons {
                        conflict(r, "value");
                    }
                    continue;
                }
                if let Some(why) = youxiang_core::write::period_not_begun(&inc.key.period, today) {
                    conflict(why, "period");
                    continue;
                }
                match old {
                    Some(o) if o.value == value && o.comment == inc.comment => count.ignored += 1,
                    Some(_) if options.strategy == ImportStrategy::Create => {
                        conflict(format!("{} 已有数值,CREATE 策略只新增", inc.key), "value")
                    }
                    Some(_) if locked => conflict(format!("{} 已审核,不能修改", inc.key), "value"),
                    Some(_) => count.updated += 1,
                    None if options.strategy == ImportStrategy::Update => {
                        conflict(format!("{} 尚无数值,UPDATE 策略只修改", inc.key), "value")
                    }
                    None => count.imported += 1,
                }
                writes.push(ValueWrite {
                    key: inc.key.clone(),
                    value,
                    comment: inc.comment.clone(),
                    source,
                });
            }
        }
        if !deletions.is_empty() && (count.imported + count.updated) > 0 {
            conflicts.push(Conflict::new(
                "dataValueSet",
                "同一次导入不能既写入又删除:请把删除(deleted)单独以 importStrategy=DELETE 导入",
                Some("deleted"),
                None,
            ));
        }
        // The checks of the whole batch (a ratio's numerator against its denominator).
        if conflicts.is_empty()
            && let Err(e) = self.checked(writes.clone())
        {
            conflicts.extend(refusals(e)?);
        }
        if !conflicts.is_empty() || options.dry_run {
            return Ok(ImportSummary::of(summary_options, total, count, conflicts));
        }
        let done = if deletions.is_empty() {
            self.write_values(login, writes, None).await.map(|_| ())
        } else {
            self.delete_values(login, deletions, "DHIS2 dataValueSets 导入删除")
                .await
                .map(|_| ())
        };
        if let Err(e) = done {
            conflicts.extend(refusals(e)?);
        }
        Ok(ImportSummary::of(summary_options, total, count, conflicts))
    }

    /// The stored values of the keys `incoming` names (drafts included).
    async fn stored_of(&self, incoming: &[Incoming]) -> Result<HashMap<ValueKey, Observation>> {
        let indicators: HashSet<&str> = incoming.iter().map(|i| i.key.indicator.as_str()).collect();
        let wanted: HashSet<&ValueKey> = incoming.iter().map(|i| &i.key).collect();
        let mut out = HashMap::new();
        for indicator in indicators {
            let filter = ValueFilter {
                indicator: Some(indicator.to_string()),
                ..ValueFilter::default()
            };
            for o in self.values(&filter).await? {
                if wanted.contains(&o.key) {
                    out.insert(o.key.clone(), o);
                }
            }
        }
        Ok(out)
    }
}

/// A refusal of the write path as conflicts (the checks a batch fails as a whole); a
/// failure of the machine stays an error.
fn refusals(e: AppError) -> Result<Vec<Conflict>> {
    let lines = match e {
        AppError::Invalid(lines) | AppError::Forbidden(lines) => lines,
        AppError::Store(e @ youxiang_store::StoreError::Locked { .. }) => vec![e.to_string()],
        other => return Err(other),
    };
    Ok(lines
        .into_iter()
        .map(|l| Conflict::new("dataValueSet", l, None, None))
        .collect())
}
