//! 目标分解下达 (methods §8): the page `/targets` (the summed indicators' targets per year,
//! the split in force and the one waiting), `/targets/{indicator}/{year}` (every version,
//! the lead unit's proposal form, the office's approve and return), the xlsx export
//! `/targets.xlsx` and import; and the JSON API under `/api/v1/targets`.
//!
//! The answer's types mirror `youxiang_core::decompose::TargetSplit` field for field.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::targets::{SplitProposal, SplitSummary, with_unit};
use youxiang_core::decompose::{SplitRule, SplitState, TargetSplit};
use youxiang_core::eval::explain::fmt_num;
use youxiang_core::labels::Labelled;
use youxiang_core::permission;

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::uploads::read_upload;

#[derive(OpenApi)]
#[openapi(
    paths(api_summaries, api_splits, api_propose, api_decide),
    components(schemas(
        SplitSummaryOut,
        TargetSplitOut,
        SplitPartOut,
        SplitIn,
        SplitPartIn,
        DecisionIn
    ))
)]
pub struct TargetsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/targets", get(api_summaries))
        .route("/api/v1/targets/splits", get(api_splits).post(api_propose))
        .route("/api/v1/targets/splits/{id}/decision", post(api_decide))
        .route("/targets", get(list_page))
        .route("/targets.xlsx", get(export_xlsx))
        .route("/targets/import", post(import_post))
        .route(
            "/targets/{indicator}/{year}",
            get(detail_page).post(detail_post),
        )
}

// ---------------------------------------------------------------------------------------
// The API's types

/// One part of a split: a place and its target.
#[derive(Debug, Serialize, ToSchema)]
pub struct SplitPartOut {
    pub place: String,
    pub place_name: String,
    /// The target as written, with comparator and unit (`≥0.42万人次`).
    pub target_text: String,
    pub target: Option<f64>,
}

/// One version of a split of an indicator's target for a year among the places below
/// `parent`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetSplitOut {
    /// `T08:2025:330902:2` (indicator, year, parent, version).
    pub id: String,
    pub indicator: String,
    pub year: i32,
    pub parent: String,
    pub version: u32,
    /// `proposed`, `approved`, `returned`, `superseded`.
    pub state: String,
    pub state_zh: String,
    /// `population`, `baseline`, `equal`, `manual`.
    pub rule: String,
    pub rule_zh: String,
    pub parts: Vec<SplitPartOut>,
    /// The parent's target number, and what the parts add up to.
    pub whole: Option<f64>,
    pub sum: Option<f64>,
    /// Set when the parts do not add up to the whole (never a refusal).
    pub warning: Option<String>,
    pub note: Option<String>,
    pub proposed_by: String,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
}

/// A summed indicator's district target for a year, with the split in force and the one
/// waiting.
#[derive(Debug, Serialize, ToSchema)]
pub struct SplitSummaryOut {
    pub indicator: String,
    pub indicator_name: String,
    pub unit: String,
    pub lead_unit: String,
    pub year: i32,
    pub district_target: Option<String>,
    pub approved: Option<TargetSplitOut>,
    pub pending: Option<TargetSplitOut>,
}

fn split_out(web: &Shared, s: TargetSplit) -> TargetSplitOut {
    let state = web.app.read();
    let name_of = |code: &str| {
        state
            .tree
            .id(code)
            .map(|p| state.tree.get(p).name.clone())
            .unwrap_or_default()
    };
    let id = s.id();
    let TargetSplit {
        indicator,
        year,
        parent,
        version,
        state: split_state,
        decomposition,
        note,
        proposed_by,
        decided_by,
        decision_note,
    } = s;
    TargetSplitOut {
        id,
        indicator,
        year,
        parent,
        version,
        state: split_state.code().into(),
        state_zh: split_state.label_zh().into(),
        rule: decomposition.rule.code().into(),
        rule_zh: decomposition.rule.label_zh().into(),
        parts: decomposition
            .parts
            .into_iter()
            .map(|p| SplitPartOut {
                place_name: name_of(&p.code),
                place: p.code,
                target_text: p.target.text,
                target: p.target.value,
            })
            .collect(),
        whole: decomposition.whole,
        sum: decomposition.sum,
        warning: decomposition.warning,
        note,
        proposed_by,
        decided_by,
        decision_note,
    }
}

fn summary_out(web: &Shared, s: SplitSummary) -> SplitSummaryOut {
    let SplitSummary {
        indicator,
        indicator_name,
        unit,
        lead_unit,
        year,
        district_target,
        approved,
        pending,
    } = s;
    SplitSummaryOut {
        indicator,
        indicator_name,
        unit,
        lead_unit,
        year,
        district_target,
        approved: approved.map(|a| split_out(web, a)),
        pending: pending.map(|p| split_out(web, p)),
    }
}

// ---------------------------------------------------------------------------------------
// The API

#[utoipa::path(get, path = "/api/v1/targets", tag = "targets",
    responses(
        (status = 200, description = "求和类指标各年度的区目标,以及已下达和待审定的分解", body = [SplitSummaryOut]),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_summaries(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<Vec<SplitSummaryOut>>> {
    let rows = web.app.split_summaries().await?;
    Ok(Json(
        rows.into_iter().map(|r| summary_out(&web, r)).collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SplitQuery {
    /// Only this indicator's splits.
    pub indicator: Option<String>,
    /// Only this year's.
    pub year: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/targets/splits", tag = "targets", params(SplitQuery),
    responses(
        (status = 200, description = "目标分解的各个版本(含待审定、已退回和已被替代的)", body = [TargetSplitOut]),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "查询参数无效", body = ErrorBody),
    ))]
async fn api_splits(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<SplitQuery>,
) -> ApiResult<Json<Vec<TargetSplitOut>>> {
    let splits = web.app.target_splits().await?;
    Ok(Json(
        splits
            .into_iter()
            .map(|v| v.item)
            .filter(|s| q.indicator.as_deref().is_none_or(|i| s.indicator == i))
            .filter(|s| q.year.is_none_or(|y| s.year == y))
            .map(|s| split_out(&web, s))
            .collect(),
    ))
}

/// One place's target in a split by hand.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SplitPartIn {
    pub place: String,
    #[schema(minimum = 0)]
    pub target: f64,
}

/// A proposed split.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SplitIn {
    pub indicator: String,
    pub year: i32,
    /// The place whose target is split; the plan's own place when absent.
    #[serde(default)]
    pub parent: Option<String>,
    /// `population` (按人口比例), `baseline` (按基期值比例), `equal` (平均分配), `manual`
    /// (逐一填写, with `parts`).
    #[schema(pattern = "^(population|baseline|equal|manual)$")]
    pub rule: String,
    #[serde(default)]
    pub parts: Vec<SplitPartIn>,
    #[serde(default)]
    pub note: Option<String>,
    /// Compute and answer the split without storing it.
    #[serde(default)]
    pub dry_run: bool,
}

fn parse_rule(text: &str) -> ApiResult<SplitRule> {
    text.trim()
        .parse::<SplitRule>()
        .map_err(|e| ApiError::invalid(e.to_string()))
}

#[utoipa::path(post, path = "/api/v1/targets/splits", tag = "targets", request_body = SplitIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已提出(待办公室审定);dry_run 时只试算不保存", body = TargetSplitOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "不是该指标的牵头单位或办公室,或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "指标或地点不存在", body = ErrorBody),
        (status = 422, description = "无法分解(逐条列出原因)", body = ErrorBody),
    ))]
async fn api_propose(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<SplitIn>,
) -> ApiResult<Json<TargetSplitOut>> {
    let proposal = SplitProposal {
        indicator: body.indicator.trim().to_string(),
        year: body.year,
        parent: body.parent.clone(),
        rule: parse_rule(&body.rule)?,
        manual: body
            .parts
            .iter()
            .map(|p| (p.place.trim().to_string(), p.target))
            .collect(),
        note: body.note.clone(),
    };
    if body.dry_run {
        {
            let state = web.app.read();
            let ind = state
                .plan
                .indicator(&proposal.indicator)
                .ok_or_else(|| ApiError::NotFound(format!("指标“{}”", proposal.indicator)))?;
            if !permission::may_propose_split(&who.user, ind) {
                return Err(ApiError::Forbidden(vec![format!(
                    "只有{}(牵头单位)或办公室可以分解 {} 的目标",
                    ind.lead_unit, ind.code
                )]));
            }
        }
        let (parent, decomposition) = web.app.compute_split(&proposal)?;
        return Ok(Json(split_out(
            &web,
            TargetSplit {
                indicator: proposal.indicator,
                year: proposal.year,
                parent,
                version: 0,
                state: SplitState::Proposed,
                decomposition,
                note: proposal.note,
                proposed_by: who.user.login.clone(),
                decided_by: None,
                decision_note: None,
            },
        )));
    }
    let s = web.app.propose_split(&who.user.login, &proposal).await?;
    Ok(Json(split_out(&web, s)))
}

/// The office's decision on a proposed split.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionIn {
    /// `true` approves (下达), `false` returns it to the lead unit.
    pub approve: bool,
    /// The reason (required when returning) or a remark.
    #[serde(default)]
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/targets/splits/{id}/decision", tag = "targets",
    request_body = DecisionIn,
    params(("id" = String, Path, description = "分解版本编号,如 T08:2025:330902:1"),
        ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已审定下达(各地立即按新目标评价)或已退回", body = TargetSplitOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "不是办公室,或审定自己提出的分解,或 CSRF 令牌无效", body = ErrorBody),
        (status = 404, description = "分解不存在", body = ErrorBody),
        (status = 422, description = "已审定过,或退回未说明理由", body = ErrorBody),
    ))]
async fn api_decide(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DecisionIn>,
) -> ApiResult<Json<TargetSplitOut>> {
    let s = web
        .app
        .decide_split(&who.user.login, &id, body.approve, body.note.as_deref())
        .await?;
    Ok(Json(split_out(&web, s)))
}

// ---------------------------------------------------------------------------------------
// The pages

/// One line of the list page.
struct SummaryRow {
    indicator: String,
    name: String,
    year: i32,
    district_target: String,
    lead_unit: String,
    approved: String,
    pending: bool,
    link: String,
}

#[derive(Template)]
#[template(path = "targets.html")]
struct ListPage {
    c: Chrome,
    title: String,
    rows: Vec<SummaryRow>,
    notice: String,
    can_import: bool,
}

fn t(c: &Chrome, zh: &'static str, en: &'static str) -> String {
    if c.en { en } else { zh }.to_string()
}

async fn list_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/targets");
    let rows = web.app.split_summaries().await.map_err(|e| c.error(e))?;
    let can_import = who.user.role.can_report();
    let rows = rows
        .into_iter()
        .map(|r| SummaryRow {
            link: format!("/targets/{}/{}", r.indicator, r.year),
            approved: match &r.approved {
                Some(s) => format!(
                    "{} 第{}版({})",
                    if c.en { "approved" } else { "已下达" },
                    s.version,
                    if c.en {
                        s.decomposition.rule.label_en()
                    } else {
                        s.decomposition.rule.label_zh()
                    }
                ),
                None => t(
                    &c,
                    "未分解(各镇街无分解目标)",
                    "not split (no town targets)",
                ),
            },
            pending: r.pending.is_some(),
            indicator: r.indicator,
            name: r.indicator_name,
            year: r.year,
            district_target: r.district_target.unwrap_or_default(),
            lead_unit: r.lead_unit,
        })
        .collect();
    Ok(render(&ListPage {
        title: t(&c, "目标分解下达", "Targets for towns"),
        rows,
        notice: q.get("ok").cloned().unwrap_or_default(),
        can_import,
        c,
    }))
}

async fn export_xlsx(State(web): State<Shared>, who: PageUser) -> PageResult {
    let c = who.chrome(&web, "/targets");
    let bytes = web.app.splits_xlsx().await.map_err(|e| c.error(e))?;
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
        "目标分解.xlsx",
        bytes,
    ))
}

async fn import_post(State(web): State<Shared>, who: PageUser, mp: Multipart) -> PageResult {
    let c = who.chrome(&web, "/targets");
    let (name, bytes, csrf) = read_upload(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    who.check_csrf(csrf.as_deref()).map_err(|e| c.error(e))?;
    let stored = web
        .app
        .import_splits(&who.user.login, &bytes, &name)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/targets",
        &format!("{name}:已提出 {} 项目标分解,待办公室审定", stored.len()),
    ))
}

/// One version as the detail page shows it.
struct VersionView {
    id: String,
    title: String,
    state: SplitState,
    state_label: String,
    parts: Vec<(String, String)>,
    sum_line: String,
    warning: String,
    note: String,
    decision: String,
    may_decide: bool,
}

#[derive(Template)]
#[template(path = "targets_detail.html")]
struct DetailPage {
    c: Chrome,
    title: String,
    district_target: String,
    lead_unit: String,
    versions: Vec<VersionView>,
    may_propose: bool,
    rules: Vec<(String, String)>,
    /// (code, name, current value) of each place below the district, for a split by hand.
    places: Vec<(String, String, String)>,
    notice: String,
    summed: bool,
}

async fn detail_page(
    State(web): State<Shared>,
    who: PageUser,
    Path((indicator, year)): Path<(String, i32)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/targets");
    let splits = web.app.target_splits().await.map_err(|e| c.error(e))?;
    let state = web.app.read();
    let ind = state
        .plan
        .indicator(&indicator)
        .ok_or_else(|| c.error(ApiError::NotFound(format!("指标“{indicator}”"))))?;
    let name_of = |code: &str| {
        state
            .tree
            .id(code)
            .map(|p| state.tree.get(p).name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mut versions: Vec<VersionView> = splits
        .iter()
        .map(|v| &v.item)
        .filter(|s| s.indicator == indicator && s.year == year)
        .map(|s| VersionView {
            id: s.id(),
            title: format!(
                "{} 第{}版 · {}",
                name_of(&s.parent),
                s.version,
                s.decomposition.rule.label_zh()
            ),
            state: s.state,
            state_label: s.state.label_zh().into(),
            parts: s
                .decomposition
                .parts
                .iter()
                .map(|p| (name_of(&p.code), with_unit(&p.target.text, &ind.unit)))
                .collect(),
            sum_line: match (s.decomposition.sum, s.decomposition.whole) {
                (Some(sum), Some(whole)) => format!(
                    "各部分合计 {}{u},上级目标 {}{u}",
                    fmt_num(sum),
                    fmt_num(whole),
                    u = ind.unit
                ),
                _ => String::new(),
            },
            warning: s.decomposition.warning.clone().unwrap_or_default(),
            note: s.note.clone().unwrap_or_default(),
            decision: match (&s.decided_by, &s.decision_note) {
                (Some(by), Some(n)) => format!("{by}:{n}"),
                (Some(by), None) => by.clone(),
                _ => String::new(),
            },
            may_decide: s.state == SplitState::Proposed
                && permission::may_decide_split(&who.user, s),
        })
        .collect();
    versions.reverse();
    let current = state.official.place_targets();
    let places = state
        .tree
        .id(&state.plan.place)
        .map(|root| {
            state
                .tree
                .children(root)
                .iter()
                .map(|p| {
                    let place = state.tree.get(*p);
                    let now = current
                        .get(&indicator, year, &place.code)
                        .and_then(|t| t.value)
                        .map(fmt_num)
                        .unwrap_or_default();
                    (place.code.clone(), place.name.clone(), now)
                })
                .collect()
        })
        .unwrap_or_default();
    let rules = SplitRule::all()
        .iter()
        .map(|r| (r.code().to_string(), r.label_zh().to_string()))
        .collect();
    let page = DetailPage {
        title: format!("{} {} · {}年目标分解", ind.code, ind.name, year),
        district_target: ind
            .target(year)
            .map(|t| with_unit(&t.text, &ind.unit))
            .unwrap_or_default(),
        lead_unit: ind.lead_unit.clone(),
        may_propose: permission::may_propose_split(&who.user, ind),
        summed: matches!(ind.aggregation, youxiang_core::Aggregation::Sum),
        versions,
        rules,
        places,
        notice: q.get("ok").cloned().unwrap_or_default(),
        c,
    };
    drop(state);
    Ok(render(&page))
}

async fn detail_post(
    State(web): State<Shared>,
    who: PageUser,
    Path((indicator, year)): Path<(String, i32)>,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, "/targets");
    check_form(&c, &who, &form)?;
    let back = format!("/targets/{indicator}/{year}");
    match field(&form, "action") {
        Some("propose") => {
            let rule = parse_rule(field(&form, "rule").unwrap_or("")).map_err(|e| c.error(e))?;
            let mut manual = Vec::new();
            let mut problems = Vec::new();
            if rule == SplitRule::Manual {
                for (k, v) in &form {
                    let Some(code) = k.strip_prefix("part_") else {
                        continue;
                    };
                    let v = v.trim();
                    if v.is_empty() {
                        continue;
                    }
                    match v.parse::<f64>() {
                        Ok(x) if x.is_finite() && x >= 0.0 => manual.push((code.to_string(), x)),
                        _ => problems.push(format!("{code} 的目标值“{v}”不是不小于 0 的数")),
                    }
                }
            }
            if !problems.is_empty() {
                return Err(c.error(ApiError::Invalid(problems)));
            }
            let s = web
                .app
                .propose_split(
                    &who.user.login,
                    &SplitProposal {
                        indicator: indicator.clone(),
                        year,
                        parent: None,
                        rule,
                        manual,
                        note: field(&form, "note").map(str::to_string),
                    },
                )
                .await
                .map_err(|e| c.error(e))?;
            Ok(back_to(
                &back,
                &format!("已提出第{}版分解,待办公室审定", s.version),
            ))
        }
        Some(action @ ("approve" | "return")) => {
            let id = field(&form, "id").unwrap_or("");
            let s = web
                .app
                .decide_split(
                    &who.user.login,
                    id,
                    action == "approve",
                    field(&form, "note"),
                )
                .await
                .map_err(|e| c.error(e))?;
            Ok(back_to(
                &back,
                &format!("第{}版分解{}", s.version, s.state.label_zh()),
            ))
        }
        _ => Ok(Redirect::to(&back).into_response()),
    }
}
