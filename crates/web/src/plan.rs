//! The plan: `GET /api/v1/plan` — domains, indicators with their targets, key tasks,
//! projects and revisions, exactly as the plan file has them. The answer's types mirror
//! `youxiang_core::Plan` field for field (built by destructuring, so a field added to the
//! plan does not compile until it is added here, and to the OpenAPI document with it).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use youxiang_core::period::PeriodKind;
use youxiang_core::place::Level;
use youxiang_core::plan::{
    Accumulation, Aggregation, Domain, Indicator, IndicatorSource, KeyTask, Plan, Polarity,
    Project, Revision, TargetRevision,
};
use youxiang_core::target::{Op, Target};

use crate::Shared;
use crate::auth::Authed;
use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(paths(plan), components(schemas(PlanOut, TargetOut)))]
pub struct PlanDoc;

pub fn routes() -> Router<Shared> {
    Router::new().route("/api/v1/plan", get(plan))
}

#[utoipa::path(get, path = "/api/v1/plan", tag = "plan",
    responses(
        (status = 200, description = "当前方案(领域、指标、目标、任务、项目)", body = PlanOut),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn plan(State(web): State<Shared>, _who: Authed) -> Json<PlanOut> {
    let plan = web.app.read().plan.clone();
    Json(PlanOut::from(&*plan))
}

/// The plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanOut {
    pub code: String,
    pub name: String,
    pub issuer: String,
    /// The plan's place (the district's code).
    pub place: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub published: String,
    pub baseline_year: i32,
    pub target_years: Vec<i32>,
    pub version: u32,
    pub domains: Vec<DomainOut>,
    pub indicators: Vec<IndicatorOut>,
    pub tasks: Vec<KeyTaskOut>,
    pub projects: Vec<ProjectOut>,
    pub revisions: Vec<RevisionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainOut {
    pub code: String,
    pub name: String,
    pub lead_unit: String,
    pub name_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorOut {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// The domain's code.
    pub domain: String,
    /// `higher_is_better` or `lower_is_better`.
    #[schema(value_type = String)]
    pub polarity: Polarity,
    pub aggregation: AggregationOut,
    /// `annual` or `cumulative`.
    #[schema(value_type = String)]
    pub accumulation: Accumulation,
    /// `year`, `half`, `quarter`, `month`, `week`.
    #[schema(value_type = String)]
    pub frequency: PeriodKind,
    /// `level` or `year_to_date`.
    #[schema(value_type = String)]
    pub flow: youxiang_core::eval::Flow,
    /// The level reported at (`town`, `village`, …); absent: the plan's place.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub report_level: Option<Level>,
    pub milestone: bool,
    pub lead_unit: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partner_units: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    pub source: SourceOut,
    /// The default source of its figures (数据来源), when the plan names one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub data_source: String,
    /// How it is counted (统计口径), when the plan writes it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub definition: String,
    pub baseline: TargetOut,
    /// The target of each year, by year (JSON object keys are text: `"2025"`).
    #[schema(value_type = BTreeMap<String, TargetOut>)]
    pub targets: BTreeMap<i32, TargetOut>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// How an indicator rolls up from the places below.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum AggregationOut {
    Sum,
    RatioOfSums {
        numerator: String,
        denominator: String,
        scale: f64,
    },
    PopulationWeightedMean,
    Latest,
    NotAggregable,
}

/// Where the plan states the indicator: a row of its table or a sentence of a task.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceOut {
    Table { seq: u32 },
    Task { task: String, sentence: String },
}

/// A target (or baseline) cell: the text as written and its meaning.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetOut {
    /// Exactly as the plan writes it, e.g. `≥28.07`, `全覆盖`, `/`.
    pub text: String,
    /// `>=`, `>`, `<=`, `<`, `=`, `full`, `none`.
    #[schema(value_type = String)]
    pub op: Op,
    pub value: Option<f64>,
    /// A unit written inside the cell (`95%`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyTaskOut {
    pub code: String,
    pub domain: String,
    pub title: String,
    pub lead_unit: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partner_units: Vec<String>,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub lead_unit: String,
    pub investment_yi_yuan: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_year: Option<i32>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sentence: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionOut {
    pub version: u32,
    /// From this day (`YYYY-MM-DD`) the new target applies.
    pub date: String,
    pub reason: String,
    /// The deciding document (文号).
    pub document: String,
    /// Who recorded it (a login).
    pub by: String,
    pub changes: Vec<TargetRevisionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetRevisionOut {
    pub indicator: String,
    pub year: i32,
    pub old: String,
    pub new: String,
}

impl From<&Plan> for PlanOut {
    fn from(p: &Plan) -> Self {
        let Plan {
            code,
            name,
            issuer,
            place,
            published,
            baseline_year,
            target_years,
            version,
            domains,
            indicators,
            tasks,
            projects,
            revisions,
        } = p;
        PlanOut {
            code: code.clone(),
            name: name.clone(),
            issuer: issuer.clone(),
            place: place.clone(),
            published: published.clone(),
            baseline_year: *baseline_year,
            target_years: target_years.clone(),
            version: *version,
            domains: domains.iter().map(DomainOut::from).collect(),
            indicators: indicators.iter().map(IndicatorOut::from).collect(),
            tasks: tasks.iter().map(KeyTaskOut::from).collect(),
            projects: projects.iter().map(ProjectOut::from).collect(),
            revisions: revisions.iter().map(RevisionOut::from).collect(),
        }
    }
}

impl From<&Domain> for DomainOut {
    fn from(d: &Domain) -> Self {
        let Domain {
            code,
            name,
            lead_unit,
            name_en,
        } = d;
        DomainOut {
            code: code.clone(),
            name: name.clone(),
            lead_unit: lead_unit.clone(),
            name_en: name_en.clone(),
        }
    }
}

impl From<&Indicator> for IndicatorOut {
    fn from(i: &Indicator) -> Self {
        let Indicator {
            code,
            name,
            unit,
            domain,
            polarity,
            aggregation,
            accumulation,
            frequency,
            flow,
            report_level,
            milestone,
            lead_unit,
            partner_units,
            limit,
            source,
            data_source,
            definition,
            baseline,
            targets,
            note,
        } = i;
        IndicatorOut {
            code: code.clone(),
            name: name.clone(),
            unit: unit.clone(),
            domain: domain.clone(),
            polarity: *polarity,
            aggregation: match aggregation {
                Aggregation::Sum => AggregationOut::Sum,
                Aggregation::RatioOfSums {
                    numerator,
                    denominator,
                    scale,
                } => AggregationOut::RatioOfSums {
                    numerator: numerator.clone(),
                    denominator: denominator.clone(),
                    scale: *scale,
                },
                Aggregation::PopulationWeightedMean => AggregationOut::PopulationWeightedMean,
                Aggregation::Latest => AggregationOut::Latest,
                Aggregation::NotAggregable => AggregationOut::NotAggregable,
            },
            accumulation: *accumulation,
            frequency: *frequency,
            flow: *flow,
            report_level: *report_level,
            milestone: *milestone,
            lead_unit: lead_unit.clone(),
            partner_units: partner_units.clone(),
            limit: *limit,
            source: match source {
                IndicatorSource::Table { seq } => SourceOut::Table { seq: *seq },
                IndicatorSource::Task { task, sentence } => SourceOut::Task {
                    task: task.clone(),
                    sentence: sentence.clone(),
                },
            },
            data_source: data_source.clone(),
            definition: definition.clone(),
            baseline: baseline.into(),
            targets: targets.iter().map(|(y, t)| (*y, t.into())).collect(),
            note: note.clone(),
        }
    }
}

impl From<&Target> for TargetOut {
    fn from(t: &Target) -> Self {
        let Target {
            text,
            op,
            value,
            unit,
            derived: _,
        } = t;
        TargetOut {
            text: text.clone(),
            op: *op,
            value: *value,
            unit: unit.clone(),
        }
    }
}

impl From<&KeyTask> for KeyTaskOut {
    fn from(t: &KeyTask) -> Self {
        let KeyTask {
            code,
            domain,
            title,
            lead_unit,
            partner_units,
            text,
        } = t;
        KeyTaskOut {
            code: code.clone(),
            domain: domain.clone(),
            title: title.clone(),
            lead_unit: lead_unit.clone(),
            partner_units: partner_units.clone(),
            text: text.clone(),
        }
    }
}

impl From<&Project> for ProjectOut {
    fn from(p: &Project) -> Self {
        let Project {
            code,
            name,
            domain,
            lead_unit,
            investment_yi_yuan,
            start_year,
            end_year,
            sentence,
        } = p;
        ProjectOut {
            code: code.clone(),
            name: name.clone(),
            domain: domain.clone(),
            lead_unit: lead_unit.clone(),
            investment_yi_yuan: *investment_yi_yuan,
            start_year: *start_year,
            end_year: *end_year,
            sentence: sentence.clone(),
        }
    }
}

impl From<&Revision> for RevisionOut {
    fn from(r: &Revision) -> Self {
        let Revision {
            version,
            date,
            reason,
            document,
            by,
            changes,
        } = r;
        RevisionOut {
            version: *version,
            date: date.clone(),
            reason: reason.clone(),
            document: document.clone(),
            by: by.clone(),
            changes: changes
                .iter()
                .map(|c| {
                    let TargetRevision {
                        indicator,
                        year,
                        old,
                        new,
                    } = c;
                    TargetRevisionOut {
                        indicator: indicator.clone(),
                        year: *year,
                        old: old.clone(),
                        new: new.clone(),
                    }
                })
                .collect(),
        }
    }
}
