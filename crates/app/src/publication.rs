//! 公开发布 as a service: the office publishes a period's approved figures — never drafts,
//! never figures merely submitted — as one `publication` record per period (id the
//! period), versioned and audited like every management record. Each version is frozen in
//! the record's body; a correction appends a new version with its note, older versions stay
//! readable. The public dashboard and the open data read only what was published.

use std::sync::Arc;

use youxiang_core::decompose::PlaceTarget;
use youxiang_core::manage::projects::{MajorProject, programme_total};
use youxiang_core::period::Period;
use youxiang_core::plan::Polarity;
use youxiang_core::publication::{
    DomainMeta, IndicatorMeta, OPEN_COLUMNS, OpenRow, PlaceMeta, Publication, PublicationRecord,
    PublishedFigure, PublishedProject, PublishedProjects, next_version,
};
use youxiang_core::value::ValueState;
use youxiang_engine::Engine;
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The records' kind.
pub const KIND_PUBLICATION: &str = "publication";

impl App {
    /// What publishing `period` now would publish: the approved figures only (roll-ups of
    /// approved figures only) of every indicator at the plan's place and the places
    /// directly below, in every period within `period`, each with its target and light as
    /// of its period; the metadata; the projects' progress at the period's end. Version 0:
    /// not stored.
    pub async fn publication_preview(&self, period: Period) -> Result<Publication> {
        let mut all = self.publication_previews(&[period]).await?;
        all.pop()
            .ok_or_else(|| AppError::Internal("发布预览为空".into()))
    }

    /// [`App::publication_preview`] of several periods, from one reading of the values.
    pub async fn publication_previews(&self, periods: &[Period]) -> Result<Vec<Publication>> {
        let values = self.db().load_values().await?;
        let book = Arc::new(crate::targets::load_target_book(&**self.db()).await?);
        let (plan, tree) = {
            let s = self.read();
            (Arc::clone(&s.plan), Arc::clone(&s.tree))
        };
        let config = *self.read().official.config();
        let (mut engine, _refused) = Engine::from_observations(
            Arc::clone(&plan),
            Arc::clone(&tree),
            config,
            values.iter().filter(|o| o.state == ValueState::Approved),
        );
        if !book.is_empty() {
            engine.set_place_targets(book);
        }
        let mut places = Vec::new();
        if let Some(root) = tree.id(&plan.place) {
            places.push(root);
            places.extend(tree.children(root).iter().copied());
        }
        let places: Vec<PlaceMeta> = places
            .into_iter()
            .map(|id| {
                let p = tree.get(id);
                PlaceMeta {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    parent: p.parent.clone(),
                }
            })
            .collect();
        let indicators: Vec<IndicatorMeta> = plan
            .indicators
            .iter()
            .map(|i| IndicatorMeta {
                code: i.code.clone(),
                name: i.name.clone(),
                domain: i.domain.clone(),
                unit: i.unit.clone(),
                definition: i.definition.clone(),
                aggregation: i.aggregation.label_zh(),
                aggregation_en: i.aggregation.label_en(),
                source: i.data_source.clone(),
                lead_unit: i.lead_unit.clone(),
                polarity: match i.polarity {
                    Polarity::HigherIsBetter => "higher",
                    _ => "lower",
                }
                .to_string(),
                headline: i.is_table_row(),
            })
            .collect();
        let domains: Vec<DomainMeta> = plan
            .domains
            .iter()
            .map(|d| DomainMeta {
                code: d.code.clone(),
                name: d.name.clone(),
                name_en: d.name_en.clone(),
            })
            .collect();
        let mut out = Vec::new();
        for &period in periods {
            let figures = figures_in(&engine, &plan, &places, period);
            out.push(Publication {
                period,
                version: 0,
                published_on: self.today(),
                note: String::new(),
                figures,
                indicators: indicators.clone(),
                places: places.clone(),
                domains: domains.clone(),
                projects: self.published_projects(period).await?,
            });
        }
        Ok(out)
    }

    /// The projects' progress in the year of `period`'s end, judged at that day: what a
    /// publication carries (no contacts, no closing notes).
    async fn published_projects(&self, period: Period) -> Result<Option<PublishedProjects>> {
        let all: Vec<MajorProject> = self.projects().await?.into_iter().map(|p| p.item).collect();
        if all.is_empty() {
            return Ok(None);
        }
        let day = period.end();
        let year = chrono::Datelike::year(&day);
        let bands = self.light_bands();
        let total = programme_total(&all, self.project_goal_wan(), year, day, &bands);
        let projects = all
            .iter()
            .map(|p| {
                let y = p.year(year);
                PublishedProject {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    domain: p.domain.clone(),
                    place: p.place.clone(),
                    lead_unit: p.lead_unit.clone(),
                    total_wan: p.total_wan,
                    planned_wan: y.map(|y| y.planned_wan).unwrap_or(0.0),
                    completed_wan: y.and_then(|y| y.completed_on(day).map(|(v, _)| v)),
                    status: p.status.label_zh().to_string(),
                    light: p.year_schedule_on(year, day, &bands).map(|s| s.light),
                }
            })
            .collect();
        Ok(Some(PublishedProjects {
            year,
            goal_wan: total.goal_wan,
            completed_to_date_wan: total.completed_to_date_wan,
            light: total.schedule.light,
            projects,
        }))
    }

    /// Publishes `period` (the office only): the approved figures as they are now, as the
    /// next version — a correction (a version after the first) must say why in `note`.
    pub async fn publish(&self, login: &str, period: Period, note: &str) -> Result<Publication> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "发布数据"));
        }
        let stored = self
            .db()
            .get_record(KIND_PUBLICATION, &period.to_string())
            .await?;
        let (mut record, expected) = match &stored {
            Some(r) => (r.decode::<PublicationRecord>()?, Some(r.version)),
            None => (
                PublicationRecord {
                    period,
                    versions: Vec::new(),
                },
                None,
            ),
        };
        let mut publication = self.publication_preview(period).await?;
        let (version, note) = next_version(
            stored.as_ref().map(|_| &record),
            period,
            self.today(),
            publication.figures.len(),
            note,
        )
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        publication.version = version;
        publication.note = note.clone();
        record.versions.push(publication.clone());
        let action = if version == 1 {
            "publication.publish"
        } else {
            "publication.correct"
        };
        let mut w = RecordWrite::of(
            KIND_PUBLICATION,
            &period.to_string(),
            &record,
            expected,
            action,
        )?
        .state(&format!("v{version}"));
        if !note.is_empty() {
            w = w.note(note);
        }
        self.db().put_records(&[w], login).await?;
        Ok(publication)
    }

    /// Every period's published versions, by period. Anyone (and nobody: the public) may
    /// read them.
    pub async fn publications(&self) -> Result<Vec<PublicationRecord>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_PUBLICATION))
            .await?
        {
            out.push(r.decode::<PublicationRecord>()?);
        }
        out.sort_by_key(|r| r.period);
        Ok(out)
    }

    /// One period's published versions.
    pub async fn publication(&self, period: Period) -> Result<PublicationRecord> {
        self.db()
            .get_record(KIND_PUBLICATION, &period.to_string())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{period} 尚未发布")))?
            .decode::<PublicationRecord>()
            .map_err(AppError::from)
    }

    /// A number that moves whenever anything is published (the audit head): what the
    /// public pages' cache keys on.
    pub async fn publication_stamp(&self) -> Result<String> {
        let list = self
            .db()
            .list_records(&RecordFilter::kind(KIND_PUBLICATION))
            .await?;
        Ok(list
            .iter()
            .map(|r| format!("{}:{}", r.id, r.version))
            .collect::<Vec<_>>()
            .join(","))
    }
}

/// The figures of every indicator at `places` in every period within `period`, as
/// `engine` (approved values only) has them, each with its target and light.
fn figures_in(
    engine: &Engine,
    plan: &youxiang_core::Plan,
    places: &[PlaceMeta],
    period: Period,
) -> Vec<PublishedFigure> {
    let mut figures = Vec::new();
    for ind in &plan.indicators {
        for place in places {
            for (at, value) in engine.series_at(&ind.code, &place.code) {
                if !period.contains_period(&at) || !value.is_finite() {
                    continue;
                }
                let (target, target_derived) =
                    match engine.target_at(&ind.code, &place.code, at.year()) {
                        Some(PlaceTarget::Own(t)) | Some(PlaceTarget::District(t)) => {
                            (t.text.clone(), t.derived)
                        }
                        Some(PlaceTarget::Undecomposed) => ("无分解目标".to_string(), false),
                        None => (String::new(), false),
                    };
                let light = engine
                    .as_of(&ind.code, &place.code, at)
                    .map(|a| a.light)
                    .unwrap_or(youxiang_core::eval::Light::Grey);
                figures.push(PublishedFigure {
                    indicator: ind.code.clone(),
                    place: place.code.clone(),
                    period: at,
                    value,
                    unit: ind.unit.clone(),
                    target,
                    target_derived,
                    light,
                });
            }
        }
    }
    figures
}

/// Open-data rows as an Excel workbook: the figures sheet (Chinese column names) and a
/// sheet naming the licence.
pub fn open_xlsx(rows: &[OpenRow]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("生成 Excel 失败:{e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("数据").map_err(fail)?;
    for (c, (zh, _)) in OPEN_COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *zh).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.cells().iter().enumerate() {
            if c == 6 {
                sheet.write_number(r, c as u16, row.value).map_err(fail)?;
            } else {
                sheet.write_string(r, c as u16, cell).map_err(fail)?;
            }
        }
    }
    let about = book.add_worksheet();
    about.set_name("许可").map_err(fail)?;
    about
        .write_string(0, 0, youxiang_core::publication::LICENCE_ZH)
        .map_err(fail)?;
    about
        .write_string(1, 0, youxiang_core::publication::LICENCE_URL)
        .map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

impl App {
    /// The audit chain's head: it moves with every change any process commits, publication
    /// included (what the public pages check, at most once a second, before reading the
    /// published sets again).
    pub async fn changes_seq(&self) -> Result<i64> {
        Ok(self.db().audit_head_seq().await?)
    }
}
