//! 满意度调查结果 — the staff's result pages and API (issue 17, points 3–5): `/survey`
//! (the rounds), `/survey/round/{round}` (the index per domain × place with n, margin,
//! 样本不足 below 30, the change from the previous round with its significance, and the
//! demand analysis), `/survey/categories` (the office edits the categories of open
//! answers); `GET /api/v1/survey/rounds`, `GET /api/v1/survey/rounds/{round}/index`,
//! `GET /api/v1/survey/rounds/{round}/demand`, `POST /api/v1/survey/rounds/{round}/publish`,
//! `GET|PUT /api/v1/survey/categories`. Who sees which cells is the app's
//! (`App::survey_index`, `App::survey_demand`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::survey_results::PublishedSurvey;
use youxiang_core::survey::demand::{DemandCategories, DemandCategory, label_for};

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Fields, PageResult, back_to, check_form, field, render};

#[derive(OpenApi)]
#[openapi(
    paths(
        api_rounds,
        api_index,
        api_demand,
        api_publish,
        api_categories,
        api_put_categories,
        open_survey_json,
        open_survey_csv
    ),
    components(schemas(
        SurveyRoundsOut,
        SurveyRoundOut,
        SurveyCategoriesOut,
        SurveyCategoryIo,
        SurveyCategoriesIn
    ))
)]
pub struct SurveyResultsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/survey/rounds", get(api_rounds))
        .route("/api/v1/survey/rounds/{round}/index", get(api_index))
        .route("/api/v1/survey/rounds/{round}/demand", get(api_demand))
        .route("/api/v1/survey/rounds/{round}/publish", post(api_publish))
        .route(
            "/api/v1/survey/categories",
            get(api_categories).put(api_put_categories),
        )
        .route("/survey", get(survey_page))
        .route("/survey/round/{round}", get(round_page))
        .route("/survey/round/{round}/publish", post(publish_post))
        .route(
            "/survey/categories",
            get(categories_page).post(categories_post),
        )
}

// ---- API ----

/// One survey round.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyRoundOut {
    pub name: String,
    pub form_id: String,
    /// The form's title.
    pub title: String,
    /// The day it opened (Beijing).
    pub opened_on: String,
    /// Answers imported or entered (persons), those of the public page once released.
    pub answers: usize,
    /// The public page's invitation answers waiting to be released (待汇总; persons): not
    /// in `answers` nor in the index until their town has enough of them or the round
    /// closes.
    pub pending: usize,
    /// The day its results were published, if they were.
    pub published_on: Option<String>,
}

/// The survey rounds, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyRoundsOut {
    pub rounds: Vec<SurveyRoundOut>,
}

/// One category of open answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyCategoryIo {
    /// 1–20 letters, digits, `_` or `-`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Words matched over the answer's segmentation.
    pub keywords: Vec<String>,
}

/// The categories in force and the version a change must quote (0: the defaults).
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyCategoriesOut {
    pub version: i64,
    pub categories: Vec<SurveyCategoryIo>,
}

/// New categories, quoting the version read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyCategoriesIn {
    pub version: i64,
    pub categories: Vec<SurveyCategoryIo>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndexQuery {
    /// An earlier round to compare with: each cell's change and its significance.
    pub compare: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandQuery {
    /// A stratum's place code, or the district's (default: the district, or a town's own
    /// strata).
    pub place: Option<String>,
}

async fn rounds_of(web: &Shared, login: &str) -> Result<Vec<SurveyRoundOut>, ApiError> {
    let rounds = web.app.survey_round_list(login).await?;
    let published = web.app.published_surveys().await?;
    let mut out = Vec::new();
    for r in rounds {
        let answers = web.app.survey_answers(&r.item.name).await?.len();
        let pending = web
            .app
            .survey_pending(&r.item.name)
            .await?
            .into_iter()
            .filter(|((_, mode), _)| mode.in_index())
            .map(|(_, n)| n)
            .sum();
        out.push(SurveyRoundOut {
            pending,
            published_on: published
                .iter()
                .find(|p| p.round == r.item.name)
                .map(|p| p.published_on.to_string()),
            title: r.item.form.settings.form_title.clone(),
            opened_on: r.item.opened_on.to_string(),
            answers,
            name: r.item.name,
            form_id: r.item.form_id,
        });
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/survey/rounds", tag = "survey",
    responses(
        (status = 200, description = "调查轮次(按开始日期)", body = SurveyRoundsOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不能查看调查结果", body = ErrorBody),
    ))]
async fn api_rounds(State(web): State<Shared>, who: Authed) -> ApiResult<Json<SurveyRoundsOut>> {
    Ok(Json(SurveyRoundsOut {
        rounds: rounds_of(&web, &who.user.login).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/survey/rounds/{round}/index", tag = "survey",
    params(("round" = String, Path, description = "调查轮次名称"), IndexQuery),
    responses(
        (status = 200, description = "满意度指数(方法 §6):本人可见的每个领域 × 地点单元格 {round, form_id, district, cells: [{domain, place, index, n, moe, suppressed, sd, population, stratified, weight}], compared_with, changes: [{domain, place, delta, margin, significant}]};n < 30 的单元格 suppressed 为 true(页面显示“样本不足”)。镇街只见本镇街,部门只见全区", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不能查看调查结果", body = ErrorBody),
        (status = 404, description = "没有这个调查轮次(或比较的轮次)", body = ErrorBody),
    ))]
async fn api_index(
    State(web): State<Shared>,
    who: Authed,
    Path(round): Path<String>,
    ApiQuery(q): ApiQuery<IndexQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let compare = q.compare.as_deref().filter(|c| !c.trim().is_empty());
    let index = web
        .app
        .survey_index(&who.user.login, &round, compare)
        .await?;
    Ok(Json(
        serde_json::to_value(index).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

#[utoipa::path(get, path = "/api/v1/survey/rounds/{round}/demand", tag = "survey",
    params(("round" = String, Path, description = "调查轮次名称"), DemandQuery),
    responses(
        (status = 200, description = "需求分析 {round, place, respondents, demand: {needs: [{question, label, n, suppressed, options: [{choice, label, count, share(%), moe(±百分点)}]}], texts: [{question, label, n, categories: [{code, name, count, share, examples}]}]}};示例只含意见原文", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不能查看调查结果,或该地点不在本人范围内", body = ErrorBody),
        (status = 404, description = "没有这个调查轮次或地点", body = ErrorBody),
    ))]
async fn api_demand(
    State(web): State<Shared>,
    who: Authed,
    Path(round): Path<String>,
    ApiQuery(q): ApiQuery<DemandQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let place = q.place.as_deref().filter(|p| !p.trim().is_empty());
    let d = web
        .app
        .survey_demand(&who.user.login, &round, place)
        .await?;
    Ok(Json(
        serde_json::to_value(d).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

#[utoipa::path(post, path = "/api/v1/survey/rounds/{round}/publish", tag = "survey",
    params(
        ("round" = String, Path, description = "调查轮次名称"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已发布(只含各领域 × 地点的指数单元格,不含答卷;发布后不再更改) {round, form_id, title, district, published_on, cells}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "只有工作专班可以发布,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这个调查轮次", body = ErrorBody),
        (status = 422, description = "已发布过,或还没有答卷", body = ErrorBody),
    ))]
async fn api_publish(
    State(web): State<Shared>,
    who: Writer,
    Path(round): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let today = web.app.today();
    let p = web
        .app
        .publish_survey_results(&who.user.login, &round, today)
        .await?;
    web.public.invalidate();
    Ok(Json(
        serde_json::to_value(p).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

fn categories_out(version: i64, c: DemandCategories) -> SurveyCategoriesOut {
    SurveyCategoriesOut {
        version,
        categories: c
            .categories
            .into_iter()
            .map(|c| SurveyCategoryIo {
                code: c.code,
                name: c.name,
                name_en: c.name_en,
                keywords: c.keywords,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/survey/categories", tag = "survey",
    responses(
        (status = 200, description = "开放题的需求分类与关键词(版本 0:默认的七个领域)", body = SurveyCategoriesOut),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_categories(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<SurveyCategoriesOut>> {
    let c = web.app.survey_categories().await?;
    Ok(Json(categories_out(c.version, c.item)))
}

#[utoipa::path(put, path = "/api/v1/survey/categories", tag = "survey", request_body = SurveyCategoriesIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已保存(已审计)", body = SurveyCategoriesOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "只有工作专班可以修改,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "版本冲突:他人已修改", body = ErrorBody),
        (status = 422, description = "编码、名称或关键词无效(逐项列出)", body = ErrorBody),
    ))]
async fn api_put_categories(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<SurveyCategoriesIn>,
) -> ApiResult<Json<SurveyCategoriesOut>> {
    let cats = DemandCategories {
        categories: body
            .categories
            .into_iter()
            .map(|c| DemandCategory {
                code: c.code,
                name: c.name,
                name_en: c.name_en,
                keywords: c.keywords,
            })
            .collect(),
    };
    let saved = web
        .app
        .set_survey_categories(&who.user.login, &cats, body.version)
        .await?;
    Ok(Json(categories_out(saved.version, saved.item)))
}

// ---- pages ----

#[derive(Debug, Deserialize)]
struct PageQuery {
    ok: Option<String>,
    compare: Option<String>,
    place: Option<String>,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct RoundsPage {
    c: crate::layout::Chrome,
    title: String,
    notice: String,
    rounds: Vec<SurveyRoundOut>,
    is_office: bool,
}

async fn survey_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/survey");
    let rounds = rounds_of(&web, &who.user.login)
        .await
        .map_err(|e| c.error(e))?;
    let page = RoundsPage {
        title: if c.en {
            "Satisfaction surveys".into()
        } else {
            "满意度调查".into()
        },
        notice: q.ok.unwrap_or_default(),
        rounds,
        is_office: who.user.role.is_office(),
        c,
    };
    Ok(render(&page))
}

/// One row of the index table.
struct IndexRow {
    domain: String,
    place: String,
    district: bool,
    index: String,
    n: usize,
    moe: String,
    change: String,
    suppressed: bool,
}

/// One ranked need.
struct NeedRow {
    label: String,
    count: usize,
    share: String,
    moe: String,
}

struct NeedTable {
    label: String,
    n: usize,
    suppressed: bool,
    rows: Vec<NeedRow>,
}

struct TextRow {
    name: String,
    count: usize,
    share: String,
    examples: Vec<String>,
}

struct TextTable {
    label: String,
    n: usize,
    rows: Vec<TextRow>,
}

#[derive(Template)]
#[template(path = "survey_round.html")]
struct RoundPage {
    c: crate::layout::Chrome,
    title: String,
    round: String,
    notice: String,
    compared_with: String,
    /// Rounds to compare with (name).
    others: Vec<String>,
    rows: Vec<IndexRow>,
    places: Vec<(String, String)>,
    demand_place: String,
    respondents: usize,
    needs: Vec<NeedTable>,
    texts: Vec<TextTable>,
    can_publish: bool,
    published_on: String,
    /// Invitation answers of the strata this reader sees that wait to be released.
    pending: usize,
    batch: usize,
}

fn one(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| format!("{x:.1}"))
}

async fn round_page(
    State(web): State<Shared>,
    who: PageUser,
    Path(round): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let path = format!("/survey/round/{round}");
    let c = who.chrome(&web, &path);
    let en = c.en;
    let login = who.user.login.clone();
    let rounds = web
        .app
        .survey_round_list(&login)
        .await
        .map_err(|e| c.error(e))?;
    let at = rounds
        .iter()
        .position(|r| r.item.name == round)
        .ok_or_else(|| c.error(ApiError::NotFound(format!("调查轮次“{round}”"))))?;
    // By default, the round before this one.
    let compare = match q.compare.as_deref().map(str::trim) {
        Some("") => None,
        Some(x) => Some(x.to_string()),
        None => at.checked_sub(1).map(|i| rounds[i].item.name.clone()),
    };
    let index = web
        .app
        .survey_index(&login, &round, compare.as_deref())
        .await
        .map_err(|e| c.error(e))?;
    let place = q.place.as_deref().filter(|p| !p.trim().is_empty());
    let d = web
        .app
        .survey_demand(&login, &round, place)
        .await
        .map_err(|e| c.error(e))?;
    let (domain_name, place_name) = {
        let state = web.app.read();
        let domains: Vec<(String, String)> = state
            .plan
            .domains
            .iter()
            .map(|d| {
                let name = if en && !d.name_en.is_empty() {
                    d.name_en.clone()
                } else {
                    d.name.clone()
                };
                (d.code.clone(), name)
            })
            .collect();
        let places: std::collections::HashMap<String, String> = state
            .tree
            .places()
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect();
        (domains, places)
    };
    let dname = |code: &str| {
        domain_name
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    };
    let pname = |code: &str| place_name.get(code).cloned().unwrap_or(code.to_string());
    let rows: Vec<IndexRow> = index
        .cells
        .iter()
        .map(|cell| {
            let change = index
                .changes
                .iter()
                .find(|x| x.domain == cell.domain && x.place == cell.place)
                .and_then(|x| {
                    let d = x.delta.filter(|_| !cell.suppressed)?;
                    let sig = match (x.significant, en) {
                        (true, false) => "显著",
                        (false, false) => "不显著",
                        (true, true) => "significant",
                        (false, true) => "not significant",
                    };
                    Some(format!("{d:+.1}({sig})"))
                })
                .unwrap_or_default();
            IndexRow {
                domain: dname(&cell.domain),
                place: pname(&cell.place),
                district: cell.place == index.district,
                index: if cell.suppressed {
                    String::new()
                } else {
                    one(cell.index)
                },
                n: cell.n,
                moe: if cell.suppressed {
                    String::new()
                } else {
                    one(cell.moe)
                },
                change,
                suppressed: cell.suppressed,
            }
        })
        .collect();
    let mut places: Vec<(String, String)> = Vec::new();
    for cell in &index.cells {
        if !places.iter().any(|(p, _)| *p == cell.place) {
            places.push((cell.place.clone(), pname(&cell.place)));
        }
    }
    let needs = d
        .demand
        .needs
        .iter()
        .map(|q| NeedTable {
            label: label_for(&q.label, en, &q.question),
            n: q.n,
            suppressed: q.suppressed,
            rows: q
                .options
                .iter()
                .map(|o| NeedRow {
                    label: label_for(&o.label, en, &o.choice),
                    count: o.count,
                    share: format!("{:.1}", o.share),
                    moe: format!("{:.1}", o.moe),
                })
                .collect(),
        })
        .collect();
    let texts = d
        .demand
        .texts
        .iter()
        .map(|q| TextTable {
            label: label_for(&q.label, en, &q.question),
            n: q.n,
            rows: q
                .categories
                .iter()
                .map(|cat| TextRow {
                    name: if en && !cat.name_en.is_empty() {
                        cat.name_en.clone()
                    } else {
                        cat.name.clone()
                    },
                    count: cat.count,
                    share: format!("{:.1}", cat.share),
                    examples: cat.examples.clone(),
                })
                .collect(),
        })
        .collect();
    let published_on = web
        .app
        .published_survey(&round)
        .await
        .map_err(|e| c.error(e))?
        .map(|p| p.published_on.to_string())
        .unwrap_or_default();
    let pending = web
        .app
        .survey_fieldwork_for(&login, &round)
        .await
        .map(|f| f.strata.iter().map(|s| s.pending).sum())
        .unwrap_or(0);
    let page = RoundPage {
        pending,
        batch: youxiang_app::survey_fieldwork::SURVEY_BATCH,
        title: if en {
            format!("Survey results: {round}")
        } else {
            format!("调查结果:{round}")
        },
        notice: q.ok.unwrap_or_default(),
        compared_with: index.compared_with.clone().unwrap_or_default(),
        others: rounds
            .iter()
            .map(|r| r.item.name.clone())
            .filter(|n| *n != round)
            .collect(),
        rows,
        demand_place: pname(&d.place),
        respondents: d.respondents,
        places,
        needs,
        texts,
        can_publish: who.user.role.is_office() && published_on.is_empty(),
        published_on,
        round,
        c,
    };
    Ok(render(&page))
}

async fn publish_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(round): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let path = format!("/survey/round/{round}");
    let c = who.chrome(&web, &path);
    check_form(&c, &who, &form)?;
    let today = web.app.today();
    web.app
        .publish_survey_results(&who.user.login, &round, today)
        .await
        .map_err(|e| c.error(e))?;
    web.public.invalidate();
    Ok(back_to(
        &path,
        if c.en {
            "Published: the index cells are now open data"
        } else {
            "已发布:各领域、各地点的满意度指数已作为开放数据公开"
        },
    ))
}

#[derive(Template)]
#[template(path = "survey_categories.html")]
struct CategoriesPage {
    c: crate::layout::Chrome,
    title: String,
    notice: String,
    version: i64,
    text: String,
    can_edit: bool,
}

/// The categories as the form's text: one a line, `名称:关键词 关键词 …` (no code on the
/// page: a category keeps its code by its name).
fn categories_text(c: &DemandCategories) -> String {
    c.categories
        .iter()
        .map(|c| format!("{}:{}", c.name, c.keywords.join(" ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form's text read back (every bad line listed): a name kept from `before` keeps its
/// code and English name, a new one gets the next free `C1`, `C2` ….
fn parse_categories(text: &str, before: &DemandCategories) -> Result<DemandCategories, ApiError> {
    let mut out: Vec<DemandCategory> = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, words)) = line.split_once([':', ':']) else {
            problems.push(format!("第{}行:应写作“名称:关键词 关键词 …”", i + 1));
            continue;
        };
        let name = name.trim().to_string();
        let kept = before.categories.iter().find(|c| c.name == name);
        out.push(DemandCategory {
            code: kept.map(|c| c.code.clone()).unwrap_or_default(),
            name_en: kept.map(|c| c.name_en.clone()).unwrap_or_default(),
            keywords: words
                .split([' ', ',', ',', '、', ';', ';', '\u{3000}'])
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect(),
            name,
        });
    }
    let mut n = 0;
    for i in 0..out.len() {
        if out[i].code.is_empty() {
            let code = loop {
                n += 1;
                let code = format!("C{n}");
                if !out.iter().any(|c| c.code == code) {
                    break code;
                }
            };
            out[i].code = code;
        }
    }
    if problems.is_empty() {
        Ok(DemandCategories { categories: out })
    } else {
        Err(ApiError::Invalid(problems))
    }
}

async fn categories_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/survey/categories");
    let cats = web.app.survey_categories().await.map_err(|e| c.error(e))?;
    let page = CategoriesPage {
        title: if c.en {
            "Categories of open answers".into()
        } else {
            "开放题需求分类".into()
        },
        notice: q.ok.unwrap_or_default(),
        version: cats.version,
        text: categories_text(&cats.item),
        can_edit: who.user.role.is_office(),
        c,
    };
    Ok(render(&page))
}

async fn categories_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/survey/categories");
    check_form(&c, &who, &form)?;
    let version = field(&form, "version")
        .unwrap_or("0")
        .trim()
        .parse::<i64>()
        .map_err(|_| c.error(ApiError::invalid("版本无效")))?;
    let before = web.app.survey_categories().await.map_err(|e| c.error(e))?;
    let cats = parse_categories(field(&form, "categories").unwrap_or(""), &before.item)
        .map_err(|e| c.error(e))?;
    let saved = web
        .app
        .set_survey_categories(&who.user.login, &cats, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/survey/categories",
        &if c.en {
            format!("Saved: {} categories", saved.item.categories.len())
        } else {
            format!("已保存:{} 个类别", saved.item.categories.len())
        },
    ))
}

// ---- open data ----

/// Every published round's cells with the domain's and the place's names.
fn open_rows(web: &Shared, published: &[PublishedSurvey]) -> Vec<serde_json::Value> {
    let state = web.app.read();
    let domain = |code: &str| {
        state
            .plan
            .domains
            .iter()
            .find(|d| d.code == code)
            .map_or_else(String::new, |d| d.name.clone())
    };
    let place = |code: &str| {
        state
            .tree
            .by_code(code)
            .map_or_else(String::new, |p| p.name.clone())
    };
    published
        .iter()
        .map(|p| {
            serde_json::json!({
                "round": p.round,
                "title": p.title,
                "published_on": p.published_on.to_string(),
                "district": p.district,
                "cells": p.cells.iter().map(|c| serde_json::json!({
                    "domain": c.domain,
                    "domain_name": domain(&c.domain),
                    "place": c.place,
                    "place_name": place(&c.place),
                    "index": c.index,
                    "n": c.n,
                    "moe": c.moe,
                    "suppressed": c.suppressed,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/open/v1/survey.json", tag = "open",
    responses(
        (status = 200, description = "已发布的满意度调查结果(只含汇总:各领域 × 地点的指数 0–100 分、样本量(人)、误差范围(±分,95%);样本少于 30 人的单元格 index 为 null、suppressed 为 true;从不含答卷) {surveys: [{round, title, published_on, district, cells: [{domain, domain_name, place, place_name, index, n, moe, suppressed}]}]}", body = serde_json::Value),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn open_survey_json(
    State(web): State<Shared>,
) -> ApiResult<Json<serde_json::Value>> {
    let published = web.app.published_surveys().await?;
    Ok(Json(
        serde_json::json!({ "surveys": open_rows(&web, &published) }),
    ))
}

#[utoipa::path(get, path = "/open/v1/survey.csv", tag = "open",
    responses(
        (status = 200, description = "同 survey.json,CSV(UTF-8 带 BOM),每个单元格一行", content_type = "text/csv"),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn open_survey_csv(State(web): State<Shared>) -> ApiResult<Response> {
    let published = web.app.published_surveys().await?;
    let mut out = String::from(
        "\u{feff}round,published_on,domain,domain_name,place,place_name,index,n,moe,suppressed\r\n",
    );
    let field = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => csv_field(s),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Number(n) => n.as_f64().map_or_else(
            || n.to_string(),
            |x| {
                if x.fract() == 0.0 {
                    format!("{x:.0}")
                } else {
                    format!("{x:.2}")
                }
            },
        ),
        other => other.to_string(),
    };
    for p in open_rows(&web, &published) {
        for c in p["cells"].as_array().into_iter().flatten() {
            let row = [
                field(&p["round"]),
                field(&p["published_on"]),
                field(&c["domain"]),
                field(&c["domain_name"]),
                field(&c["place"]),
                field(&c["place_name"]),
                field(&c["index"]),
                field(&c["n"]),
                field(&c["moe"]),
                field(&c["suppressed"]),
            ];
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
    }
    Ok(crate::download::file_response(
        "text/csv; charset=utf-8",
        "attachment",
        "满意度调查结果.csv",
        out.into_bytes(),
    ))
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

// ---- the dashboard ----

/// The latest published survey results as of the app's day (none: nothing published).
pub async fn dashboard_survey(web: &Shared) -> Option<PublishedSurvey> {
    web.app
        .latest_published_survey(web.app.today(), None)
        .await
        .ok()
        .flatten()
}

/// A domain card's satisfaction: the published index of `domain` at `place` with its n
/// and margin, 样本不足 below 30, nothing when the survey has no such cell.
pub fn satisfaction_text(
    en: bool,
    survey: Option<&PublishedSurvey>,
    domain: &str,
    place: &str,
) -> String {
    let Some(s) = survey else {
        return String::new();
    };
    let Some(cell) = s
        .cells
        .iter()
        .find(|c| c.domain == domain && c.place == place)
    else {
        return String::new();
    };
    match (cell.index.filter(|_| !cell.suppressed), cell.moe, en) {
        (Some(i), m, false) => format!(
            "满意度 {i:.1}分{}(样本 {} 人,{})",
            m.map(|m| format!(" ±{m:.1}")).unwrap_or_default(),
            cell.n,
            s.round
        ),
        (Some(i), m, true) => format!(
            "Satisfaction {i:.1}{} (n = {}, {})",
            m.map(|m| format!(" ±{m:.1}")).unwrap_or_default(),
            cell.n,
            s.round
        ),
        (None, _, false) => format!("满意度 样本不足(样本 {} 人,{})", cell.n, s.round),
        (None, _, true) => format!(
            "Satisfaction: too few answers (n = {}, {})",
            cell.n, s.round
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_categories_text_reads_back() {
        let d = DemandCategories::default();
        let back = parse_categories(&categories_text(&d), &d).unwrap();
        assert_eq!(back, d);
        assert!(matches!(
            parse_categories("幼有善育 托育", &d),
            Err(ApiError::Invalid(p)) if p[0].starts_with("第1行")
        ));
        let added = parse_categories("路灯:路灯 照明\n幼有善育:托育", &d).unwrap();
        let codes: Vec<&str> = added.categories.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["C1", "YY"]);
    }
}
