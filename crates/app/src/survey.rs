//! 满意度与需求调查 as a service (issue 17): questionnaires (XLSForm), survey rounds with
//! their sampling frame, imported answers and the satisfaction index of methods §6 — all
//! kept as management records (versioned, audited by the store). The office imports
//! forms, opens rounds and imports answers; the rules are `youxiang_core::survey`, the
//! files' readers `youxiang_ingest::xlsform`.
//!
//! Records: `survey_form` (id: the form's `form_id`; body: the [`Form`]), `survey_round`
//! (id: the round's name; body: [`SurveyRound`] with a copy of the form as it was when
//! the round opened, so a later change of the form never changes a round's answers or
//! index), `survey_answers` (id: `ROUND/0001`, one per imported file; body:
//! [`AnswerBatch`]).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use youxiang_core::survey::form::{Answer, Form};
use youxiang_core::survey::index::{IndexCell, IndexChange, changes, round_index};
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::{Versioned, forbid, versioned};
use crate::{App, AppError, Result};

pub const KIND_SURVEY_FORM: &str = "survey_form";
pub const KIND_SURVEY_ROUND: &str = "survey_round";
pub const KIND_SURVEY_ANSWERS: &str = "survey_answers";

/// One stratum of a round's sampling frame: a place code and its adults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameRow {
    pub stratum: String,
    pub population: u64,
}

/// A survey round (一轮调查).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyRound {
    pub name: String,
    pub form_id: String,
    pub opened_on: NaiveDate,
    /// The sampling frame; empty: none (no finite-population correction, the district's
    /// index is the plain mean).
    #[serde(default)]
    pub frame: Vec<FrameRow>,
    /// The form as it was when the round opened.
    pub form: Form,
}

/// One respondent as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAnswer {
    /// The export's submission id (`_uuid`), to refuse the same submission twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(flatten)]
    pub answer: Answer,
}

/// The answers of one imported file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerBatch {
    pub round: String,
    pub file: String,
    pub imported_on: NaiveDate,
    pub answers: Vec<StoredAnswer>,
}

/// A round's index: every domain at every stratum and at the district.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundIndex {
    pub round: String,
    pub form_id: String,
    /// The district's place code (the last cell of each domain).
    pub district: String,
    pub cells: Vec<IndexCell>,
    /// Against the round compared with, when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared_with: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<IndexChange>,
}

fn upload(errors: Vec<youxiang_ingest::IngestError>) -> AppError {
    let max = youxiang_ingest::ReadLimits::default().max_errors;
    let omitted = errors.len().saturating_sub(max);
    AppError::Upload {
        errors: errors.into_iter().take(max).collect(),
        omitted,
        warnings: Vec::new(),
    }
}

impl App {
    pub(crate) fn office(&self, login: &str, what: &str) -> Result<()> {
        let who = self.user(login)?;
        if who.role.is_office() {
            Ok(())
        } else {
            Err(forbid(&who, what))
        }
    }

    // ---- forms -------------------------------------------------------------------------

    /// Reads a questionnaire (`.xlsx`, XLSForm) and keeps it when clean: the office only.
    /// Every problem is listed with its sheet, row and column; a form of the same
    /// `form_id` is replaced (a new version of the record).
    pub async fn import_survey_form(
        &self,
        login: &str,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<Versioned<Form>> {
        self.office(login, "导入调查问卷")?;
        let domains = self.read().plan.domains.clone();
        let form =
            youxiang_ingest::xlsform::read_form(bytes, file_name, &domains).map_err(upload)?;
        self.save_survey_form(login, form).await
    }

    /// Keeps a checked form (the office only).
    pub async fn save_survey_form(&self, login: &str, form: Form) -> Result<Versioned<Form>> {
        self.office(login, "保存调查问卷")?;
        let domains = self.read().plan.domains.clone();
        let problems: Vec<String> = form.check(&domains).iter().map(|p| p.to_string()).collect();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let id = form.settings.form_id.clone();
        let before = self.survey_form(&id).await.ok().map(|f| f.version);
        let action = if before.is_some() {
            "survey_form.edit"
        } else {
            "survey_form.add"
        };
        let w = RecordWrite::of(KIND_SURVEY_FORM, &id, &form, before, action)?;
        let saved = self.db().put_records(&[w], login).await?;
        match saved.first() {
            Some(r) => versioned(r),
            None => Err(AppError::Internal("问卷未保存".into())),
        }
    }

    /// Every questionnaire, by id.
    pub async fn survey_forms(&self) -> Result<Vec<Versioned<Form>>> {
        let stored = self
            .db()
            .list_records(&RecordFilter::kind(KIND_SURVEY_FORM))
            .await?;
        let mut out = stored
            .iter()
            .map(versioned)
            .collect::<Result<Vec<Versioned<Form>>>>()?;
        out.sort_by(|a, b| a.item.settings.form_id.cmp(&b.item.settings.form_id));
        Ok(out)
    }

    pub async fn survey_form(&self, id: &str) -> Result<Versioned<Form>> {
        self.survey_forms()
            .await?
            .into_iter()
            .find(|f| f.item.settings.form_id == id)
            .ok_or_else(|| AppError::NotFound(format!("调查问卷“{id}”")))
    }

    /// A questionnaire as an `.xlsx` (XLSForm) that imports back as is.
    pub async fn survey_form_xlsx(&self, id: &str) -> Result<Vec<u8>> {
        let form = self.survey_form(id).await?;
        youxiang_ingest::xlsform::write_form(&form.item).map_err(|e| AppError::Invalid(vec![e]))
    }

    // ---- rounds ------------------------------------------------------------------------

    /// Opens a round of the questionnaire `form_id` (the office only), with the sampling
    /// frame read from `frame` (file bytes and name) when given: each stratum a place of
    /// the tree, each population a positive whole number.
    pub async fn open_survey_round(
        &self,
        login: &str,
        form_id: &str,
        name: &str,
        frame: Option<(&[u8], &str)>,
        today: NaiveDate,
    ) -> Result<Versioned<SurveyRound>> {
        self.office(login, "开启调查轮次")?;
        let name = name.trim();
        if name.is_empty() || name.contains('/') || name.chars().count() > 60 {
            return Err(AppError::Invalid(vec![format!(
                "轮次名称“{name}”无效:不能为空、不能含“/”、最多 60 个字"
            )]));
        }
        let form = self.survey_form(form_id).await?.item;
        let frame = match frame {
            None => Vec::new(),
            Some((bytes, file)) => {
                let tree = self.read().tree.clone();
                let check = |code: &str| {
                    tree.by_code(code)
                        .is_none()
                        .then(|| "不是已知的地点编码".to_string())
                };
                youxiang_ingest::xlsform::read_frame(bytes, file, &check)
                    .map_err(upload)?
                    .into_iter()
                    .map(|(stratum, population)| FrameRow {
                        stratum,
                        population,
                    })
                    .collect()
            }
        };
        let round = SurveyRound {
            name: name.to_string(),
            form_id: form_id.to_string(),
            opened_on: today,
            frame,
            form,
        };
        let w = RecordWrite::of(KIND_SURVEY_ROUND, name, &round, None, "survey_round.open")?
            .state("open");
        let saved = self.db().put_records(&[w], login).await?;
        match saved.first() {
            Some(r) => versioned(r),
            None => Err(AppError::Internal("轮次未保存".into())),
        }
    }

    /// Every round, by the day it opened, then name.
    pub async fn survey_rounds(&self) -> Result<Vec<Versioned<SurveyRound>>> {
        let stored = self
            .db()
            .list_records(&RecordFilter::kind(KIND_SURVEY_ROUND))
            .await?;
        let mut out = stored
            .iter()
            .map(versioned)
            .collect::<Result<Vec<Versioned<SurveyRound>>>>()?;
        out.sort_by(|a, b| (a.item.opened_on, &a.item.name).cmp(&(b.item.opened_on, &b.item.name)));
        Ok(out)
    }

    pub async fn survey_round(&self, name: &str) -> Result<Versioned<SurveyRound>> {
        let stored = self
            .db()
            .list_records(&RecordFilter {
                id_prefix: Some(name.to_string()),
                ..RecordFilter::kind(KIND_SURVEY_ROUND)
            })
            .await?;
        match stored.iter().find(|r| r.id == name) {
            Some(r) => versioned(r),
            None => Err(AppError::NotFound(format!("调查轮次“{name}”"))),
        }
    }

    // ---- answers -----------------------------------------------------------------------

    async fn answer_batches(&self, round: &str) -> Result<Vec<AnswerBatch>> {
        let stored = self
            .db()
            .list_records(&RecordFilter {
                id_prefix: Some(format!("{round}/")),
                ..RecordFilter::kind(KIND_SURVEY_ANSWERS)
            })
            .await?;
        let mut out: Vec<(String, AnswerBatch)> = Vec::new();
        for r in &stored {
            out.push((r.id.clone(), r.decode()?));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out.into_iter().map(|(_, b)| b).collect())
    }

    /// Every answer of a round that enters the index: the imported ones in the order
    /// imported, then those of invitations and staff (`survey_fieldwork`; never the open
    /// link's).
    pub async fn survey_answers(&self, round: &str) -> Result<Vec<Answer>> {
        self.survey_round(round).await?;
        let mut out: Vec<Answer> = self
            .answer_batches(round)
            .await?
            .into_iter()
            .flat_map(|b| b.answers.into_iter().map(|a| a.answer))
            .collect();
        out.extend(self.fieldwork_answers(round).await?);
        Ok(out)
    }

    /// Imports a KoboToolbox / ODK export (CSV or xlsx) into a round: the office only; all
    /// or nothing. Each answer is checked against the round's form, each stratum against
    /// the frame (else the place tree); a submission (`_uuid`) already imported is refused.
    /// Returns how many answers were kept.
    pub async fn import_survey_answers(
        &self,
        login: &str,
        round: &str,
        bytes: &[u8],
        file_name: &str,
        today: NaiveDate,
    ) -> Result<usize> {
        self.office(login, "导入调查答卷")?;
        let r = self.survey_round(round).await?.item;
        let tree = self.read().tree.clone();
        let in_frame: BTreeSet<&str> = r.frame.iter().map(|f| f.stratum.as_str()).collect();
        let check = |code: &str| {
            if !r.frame.is_empty() {
                (!in_frame.contains(code)).then(|| "不在本轮的抽样框中".to_string())
            } else {
                tree.by_code(code)
                    .is_none()
                    .then(|| "不是已知的地点编码".to_string())
            }
        };
        let rows = youxiang_ingest::xlsform::read_answers(bytes, file_name, &r.form, &check)
            .map_err(upload)?;
        let batches = self.answer_batches(round).await?;
        let known: BTreeSet<&str> = batches
            .iter()
            .flat_map(|b| b.answers.iter().filter_map(|a| a.uuid.as_deref()))
            .collect();
        let again: Vec<String> = rows
            .iter()
            .filter_map(|row| {
                let u = row.uuid.as_deref()?;
                known
                    .contains(u)
                    .then(|| format!("{file_name} 第{}行:答卷“{u}”已导入过本轮", row.row))
            })
            .collect();
        if !again.is_empty() {
            return Err(AppError::Invalid(again));
        }
        let n = rows.len();
        let batch = AnswerBatch {
            round: round.to_string(),
            file: file_name.to_string(),
            imported_on: today,
            answers: rows
                .into_iter()
                .map(|row| StoredAnswer {
                    uuid: row.uuid,
                    answer: row.answer,
                })
                .collect(),
        };
        let id = format!("{round}/{:04}", batches.len() + 1);
        let w = RecordWrite::of(
            KIND_SURVEY_ANSWERS,
            &id,
            &batch,
            None,
            "survey_answers.import",
        )?
        .note(format!("{file_name}:{n} 份"));
        self.db().put_records(&[w], login).await?;
        Ok(n)
    }

    // ---- the index ---------------------------------------------------------------------

    /// The satisfaction index of a round (methods §6): every plan domain at every stratum
    /// and at the district; with `compare`, each cell's change from that round and its
    /// significance. Every cell, unscoped: readers go through `App::survey_index`
    /// (`survey_results.rs`), which keeps the cells they may see.
    pub(crate) async fn survey_index_all(
        &self,
        round: &str,
        compare: Option<&str>,
    ) -> Result<RoundIndex> {
        let r = self.survey_round(round).await?.item;
        let answers = self.survey_answers(round).await?;
        let domains: Vec<String> = self
            .read()
            .plan
            .domains
            .iter()
            .map(|d| d.code.clone())
            .collect();
        let district = self.survey_district();
        let cells = index_of(&r, &answers, &domains, &district);
        let mut out = RoundIndex {
            round: r.name.clone(),
            form_id: r.form_id.clone(),
            district: district.clone(),
            cells,
            compared_with: None,
            changes: Vec::new(),
        };
        if let Some(before) = compare {
            let b = self.survey_round(before).await?.item;
            let answers = self.survey_answers(before).await?;
            let before_cells = index_of(&b, &answers, &domains, &district);
            out.changes = changes(&out.cells, &before_cells);
            out.compared_with = Some(b.name);
        }
        Ok(out)
    }
}

fn index_of(
    r: &SurveyRound,
    answers: &[Answer],
    domains: &[String],
    district: &str,
) -> Vec<IndexCell> {
    let frame: Vec<(String, u64)> = r
        .frame
        .iter()
        .map(|f| (f.stratum.clone(), f.population))
        .collect();
    round_index(
        &r.form,
        answers,
        (!frame.is_empty()).then_some(&frame[..]),
        domains,
        district,
    )
}
