//! 调查实施 for staff (issue 17 point 2): answers entered from paper or telephone, the
//! round's fieldwork per stratum, tokens issued (the list downloaded once, for printing),
//! the open link and the round's close — the page `/survey/fieldwork/{round}` and the API
//! under `/api/v1/survey/rounds/{round}/…`. The office acts on every stratum; a town's
//! reporter enters the answers of its own strata (checked in `App`).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{OpenApi, ToSchema};
use youxiang_app::survey_fieldwork::{
    AnswerMode, FieldworkSummary, Refused, SURVEY_BATCH, TokenDraw, Via,
};
use youxiang_core::survey::form::AnswerProblem;

use crate::Shared;
use crate::auth::Authed;
use crate::download::{file_response, pct};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::survey_public::{QuestionView, posted_values, question_views};

#[derive(OpenApi)]
#[openapi(
    paths(api_answer, api_tokens, api_fieldwork, api_fieldwork_set),
    components(schemas(FieldworkAnswerIn, FieldworkTokensIn, FieldworkSetIn))
)]
pub struct SurveyFieldworkDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/survey/rounds/{round}/answers", post(api_answer))
        .route("/api/v1/survey/rounds/{round}/tokens", post(api_tokens))
        .route(
            "/api/v1/survey/rounds/{round}/fieldwork",
            get(api_fieldwork).post(api_fieldwork_set),
        )
        .route("/survey/fieldwork", get(rounds_page))
        .route(
            "/survey/fieldwork/{round}",
            get(round_page).post(round_post),
        )
        .route("/survey/fieldwork/{round}/tokens", post(tokens_post))
        .route("/survey/fieldwork/{round}/settings", post(settings_post))
}

/// An answer entered by staff.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FieldworkAnswerIn {
    /// The stratum's place code (a town of the round's frame).
    pub stratum: String,
    /// `paper` (纸质) or `phone` (电话).
    pub mode: String,
    /// The answer per question name (a `select_multiple`'s choices separated by spaces).
    pub values: BTreeMap<String, String>,
}

/// Tokens to draw: one of the two.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FieldworkTokensIn {
    /// The same number in every stratum.
    pub per_stratum: Option<u32>,
    /// This many in all, in proportion to the frame's population.
    pub total: Option<u32>,
}

/// A round's fieldwork settings to change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FieldworkSetIn {
    /// Offer or withdraw the open link.
    pub open_link: Option<bool>,
    /// `true`: close the round (no answers after).
    #[serde(default)]
    pub close: bool,
}

#[utoipa::path(post, path = "/api/v1/survey/rounds/{round}/answers", tag = "survey",
    request_body = FieldworkAnswerIn,
    params(
        ("round" = String, Path, description = "调查轮次名称"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 201, description = "已录入(已审计)", body = serde_json::Value, example = json!({"round": "2025年第一轮", "stratum": "330902002", "mode": "paper"})),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "该镇街不在本人范围内,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这个调查轮次", body = ErrorBody),
        (status = 409, description = "本轮调查已结束", body = ErrorBody),
        (status = 422, description = "录入方式、镇街或答案无效(逐题列出)", body = ErrorBody),
    ))]
async fn api_answer(
    State(web): State<Shared>,
    who: Writer,
    Path(round): Path<String>,
    JsonBody(body): JsonBody<FieldworkAnswerIn>,
) -> ApiResult<Response> {
    let mode = AnswerMode::parse_staff(&body.mode)
        .ok_or_else(|| ApiError::invalid(format!("录入方式“{}”应为 paper 或 phone", body.mode)))?;
    let via = Via::Staff {
        login: &who.user.login,
        stratum: &body.stratum,
        mode,
    };
    let today = web.app.today();
    web.app
        .enter_survey_answer(&round, via, &body.values, today)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"round": round, "stratum": body.stratum, "mode": mode.code()})),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/survey/rounds/{round}/tokens", tag = "survey",
    request_body = FieldworkTokensIn,
    params(
        ("round" = String, Path, description = "调查轮次名称"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "新发放的邀请码(只在此时给出,库中只存摘要)", body = serde_json::Value,
            example = json!({"round": "2025年第一轮", "list": 1, "tokens": [{"stratum": "330902002", "stratum_name": "解放街道", "token": "ABCD-EFGH-JKLM"}]})),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅专班可发放,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这个调查轮次", body = ErrorBody),
        (status = 409, description = "本轮调查已结束", body = ErrorBody),
        (status = 422, description = "数量无效(每次 1 至 20000 个;按人口分配需要抽样框)", body = ErrorBody),
    ))]
async fn api_tokens(
    State(web): State<Shared>,
    who: Writer,
    Path(round): Path<String>,
    JsonBody(body): JsonBody<FieldworkTokensIn>,
) -> ApiResult<Json<Value>> {
    let draw = match (body.per_stratum, body.total) {
        (Some(n), None) => TokenDraw::PerStratum(n),
        (None, Some(n)) => TokenDraw::Total(n),
        _ => return Err(ApiError::invalid("请给出 per_stratum 或 total 之一")),
    };
    let today = web.app.today();
    let list = web
        .app
        .issue_survey_tokens(&who.user.login, &round, draw, today)
        .await?;
    Ok(Json(serde_json::to_value(&list).unwrap_or(Value::Null)))
}

#[utoipa::path(get, path = "/api/v1/survey/rounds/{round}/fieldwork", tag = "survey",
    params(("round" = String, Path, description = "调查轮次名称")),
    responses(
        (status = 200, description = "各镇街的邀请码发放、使用和各方式答卷数(已汇总计入的);pending:邀请码答卷待汇总份数(同一镇街满 5 份或本轮结束时打乱顺序一并计入,此前不计入指数);公开链接答卷单列(open_link_pending 为其待汇总份数)", body = serde_json::Value,
            example = json!({"round": "2025年第一轮", "open": true, "open_link": false, "open_link_answers": 0, "open_link_pending": 0,
                "strata": [{"stratum": "330902002", "name": "解放街道", "tokens_issued": 40, "tokens_used": 8, "answers": {"token": 5, "paper": 1}, "pending": 3}]})),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权查看调查结果(与结果同一范围:专班和查看者全部,部门只见全区合计,镇街只见本镇街)", body = ErrorBody),
        (status = 404, description = "没有这个调查轮次", body = ErrorBody),
    ))]
async fn api_fieldwork(
    State(web): State<Shared>,
    who: Authed,
    Path(round): Path<String>,
) -> ApiResult<Json<Value>> {
    let f = web
        .app
        .survey_fieldwork_for(&who.user.login, &round)
        .await?;
    Ok(Json(serde_json::to_value(&f).unwrap_or(Value::Null)))
}

#[utoipa::path(post, path = "/api/v1/survey/rounds/{round}/fieldwork", tag = "survey",
    request_body = FieldworkSetIn,
    params(
        ("round" = String, Path, description = "调查轮次名称"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已设置(已审计);返回调查实施情况", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅专班可设置,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这个调查轮次", body = ErrorBody),
        (status = 422, description = "本轮已结束,不能再结束", body = ErrorBody),
    ))]
async fn api_fieldwork_set(
    State(web): State<Shared>,
    who: Writer,
    Path(round): Path<String>,
    JsonBody(body): JsonBody<FieldworkSetIn>,
) -> ApiResult<Json<Value>> {
    if let Some(on) = body.open_link {
        web.app
            .set_survey_open_link(&who.user.login, &round, on)
            .await?;
    }
    if body.close {
        web.app.close_survey_round(&who.user.login, &round).await?;
    }
    let f = web.app.survey_fieldwork(&round).await?;
    Ok(Json(serde_json::to_value(&f).unwrap_or(Value::Null)))
}

// ---- pages -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey_fieldwork.html")]
struct FieldworkPage {
    c: Chrome,
    en: bool,
    title: String,
    round: String,
    round_path: String,
    notice: String,
    errors: Vec<String>,
    summary: Option<FieldworkSummary>,
    /// `(code, name, selected)` of the strata this user may enter.
    strata: Vec<(String, String, bool)>,
    mode: String,
    questions: Vec<QuestionView>,
    office: bool,
    /// Rounds, for the list page: `(name, path, form title, open)`.
    rounds: Vec<(String, String, String, bool)>,
    /// The public page's answers are released in batches of this many.
    batch: usize,
}

async fn rounds_page(State(web): State<Shared>, who: PageUser) -> PageResult {
    let c = who.chrome(&web, "/survey/fieldwork");
    let mut rounds = Vec::new();
    for r in web.app.survey_rounds().await.map_err(|e| c.error(e))? {
        let open = web
            .app
            .survey_round_is_open(&r.item.name)
            .await
            .unwrap_or(false);
        rounds.push((
            r.item.name.clone(),
            pct(&r.item.name),
            r.item.form.settings.form_title.clone(),
            open,
        ));
    }
    Ok(render(&FieldworkPage {
        en: c.en,
        title: if c.en {
            "Survey fieldwork"
        } else {
            "调查实施"
        }
        .into(),
        c,
        round: String::new(),
        round_path: String::new(),
        notice: String::new(),
        errors: Vec::new(),
        summary: None,
        strata: Vec::new(),
        mode: String::new(),
        questions: Vec::new(),
        office: who.user.role.is_office(),
        rounds,
        batch: SURVEY_BATCH,
    }))
}

struct Entry {
    stratum: String,
    mode: String,
    values: BTreeMap<String, String>,
    problems: Vec<AnswerProblem>,
    errors: Vec<String>,
    /// The message after a form (`?ok=`).
    notice: String,
}

async fn round_view(web: &Shared, who: &PageUser, round: &str, e: Entry) -> PageResult {
    let path = format!("/survey/fieldwork/{}", pct(round));
    let c = who.chrome(web, &path);
    let r = web
        .app
        .survey_round(round)
        .await
        .map_err(|e| c.error(e))?
        .item;
    // Every stratum the user may enter is listed; the counts only as far as the user may
    // read the round's results.
    let all = web
        .app
        .survey_fieldwork(round)
        .await
        .map_err(|e| c.error(e))?;
    let summary = web
        .app
        .survey_fieldwork_for(&who.user.login, round)
        .await
        .ok();
    let summary_all = all;
    let strata = {
        let s = web.app.read();
        summary_all
            .strata
            .iter()
            .filter(|st| {
                who.user.role.is_office()
                    || (who.user.role.can_report()
                        && s.tree
                            .id(&st.stratum)
                            .is_some_and(|p| who.user.scope.covers_place(&s.tree, p)))
            })
            .map(|st| (st.stratum.clone(), st.name.clone(), st.stratum == e.stratum))
            .collect()
    };
    let en = c.en;
    let status = if e.errors.is_empty() && e.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&FieldworkPage {
        title: r.name.clone(),
        round: r.name.clone(),
        round_path: pct(&r.name),
        notice: e.notice,
        errors: e.errors,
        summary,
        strata,
        mode: e.mode,
        questions: question_views(&r.form, &e.values, &e.problems, en),
        office: who.user.role.is_office(),
        rounds: Vec::new(),
        batch: SURVEY_BATCH,
        en,
        c,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

async fn round_page(
    State(web): State<Shared>,
    who: PageUser,
    Path(round): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult {
    round_view(
        &web,
        &who,
        &round,
        Entry {
            stratum: String::new(),
            mode: String::new(),
            values: BTreeMap::new(),
            problems: Vec::new(),
            errors: Vec::new(),
            notice: q.get("ok").cloned().unwrap_or_default(),
        },
    )
    .await
}

/// A form posted to the round's page: its path and chrome, the CSRF field checked.
#[allow(clippy::result_large_err)]
fn posted(
    web: &Shared,
    who: &PageUser,
    round: &str,
    form: &Fields,
) -> Result<(String, Chrome), Response> {
    let path = format!("/survey/fieldwork/{}", pct(round));
    let c = who.chrome(web, &path);
    check_form(&c, who, form)?;
    Ok((path, c))
}

async fn round_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(round): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let (path, c) = posted(&web, &who, &round, &form)?;
    let r = web
        .app
        .survey_round(&round)
        .await
        .map_err(|e| c.error(e))?
        .item;
    let stratum = field(&form, "stratum").unwrap_or("").trim().to_string();
    let mode_text = field(&form, "mode").unwrap_or("").to_string();
    let values = posted_values(&r.form, &form);
    let again = |problems, errors| Entry {
        stratum: stratum.clone(),
        mode: mode_text.clone(),
        values: values.clone(),
        problems,
        errors,
        notice: String::new(),
    };
    let Some(mode) = AnswerMode::parse_staff(&mode_text) else {
        let e = if c.en {
            "Choose paper or telephone"
        } else {
            "请选择录入方式(纸质或电话)"
        };
        return round_view(&web, &who, &round, again(Vec::new(), vec![e.into()])).await;
    };
    let via = Via::Staff {
        login: &who.user.login,
        stratum: &stratum,
        mode,
    };
    let today = web.app.today();
    match web
        .app
        .submit_survey_answer(&round, via, &values, today)
        .await
        .map_err(|e| c.error(e))?
    {
        Ok(()) => Ok(back_to(
            &path,
            if c.en {
                "Answer entered"
            } else {
                "已录入一份答卷"
            },
        )),
        Err(Refused::Problems(p)) => {
            let msg = format!("答卷有 {} 处问题,见下方标出的题目", p.len());
            round_view(&web, &who, &round, again(p, vec![msg])).await
        }
        Err(other) => {
            round_view(&web, &who, &round, again(Vec::new(), vec![other.message()])).await
        }
    }
}

async fn tokens_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(round): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let (_, c) = posted(&web, &who, &round, &form)?;
    let n: u32 = field(&form, "count")
        .unwrap_or("")
        .trim()
        .parse()
        .map_err(|_| c.error(ApiError::invalid("数量应为正整数")))?;
    let draw = if field(&form, "how") == Some("total") {
        TokenDraw::Total(n)
    } else {
        TokenDraw::PerStratum(n)
    };
    let today = web.app.today();
    let list = web
        .app
        .issue_survey_tokens(&who.user.login, &round, draw, today)
        .await
        .map_err(|e| c.error(e))?;
    let name = format!("邀请码-{}-第{}批.csv", list.round, list.list);
    Ok(file_response(
        "text/csv; charset=utf-8",
        "attachment",
        &name,
        list.csv(""),
    ))
}

async fn settings_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(round): Path<String>,
    Form(form): Form<Fields>,
) -> PageResult {
    let (path, c) = posted(&web, &who, &round, &form)?;
    let msg = match field(&form, "do") {
        Some("close") => {
            web.app
                .close_survey_round(&who.user.login, &round)
                .await
                .map_err(|e| c.error(e))?;
            if c.en {
                "Round closed"
            } else {
                "本轮调查已结束"
            }
        }
        Some(on @ ("link_on" | "link_off")) => {
            web.app
                .set_survey_open_link(&who.user.login, &round, on == "link_on")
                .await
                .map_err(|e| c.error(e))?;
            if c.en { "Saved" } else { "已保存" }
        }
        _ => return Err(c.error(ApiError::invalid("未知操作"))),
    };
    Ok(back_to(&path, msg))
}
