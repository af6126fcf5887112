//! The 15-minute circle and the survey results on the public side (issue 18, point 2):
//! `POST /api/v1/circle/publish` (the office publishes the kept circle as a frozen,
//! versioned set; a republication carries a correction note), `GET
//! /api/v1/circle/publications` (the versions, for staff), the open data
//! `/open/v1/circle.json|csv` (the version in force: coverage per town, aggregates only),
//! and the panels `/public` shows once something is published ([`survey_panel`],
//! [`circle_panel`]): the satisfaction index per domain at the district and per town with
//! n and margin (样本不足 below 30), and the circle's coverage per town with its basis and
//! the OpenStreetMap credit when the network was used.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};
use youxiang_app::circle_publication::{CirclePublicationRecord, PublishedCircle};
use youxiang_app::survey_results::PublishedSurvey;
use youxiang_core::publication::{LICENCE, LICENCE_URL};

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, Writer};

#[derive(OpenApi)]
#[openapi(
    paths(api_publish, api_publications, open_circle_json, open_circle_csv),
    components(schemas(CirclePublishIn))
)]
pub struct CirclePublicDoc;

/// The staff's routes (the open ones are in [`crate::public::routes`], rate-limited).
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/circle/publish", post(api_publish))
        .route("/api/v1/circle/publications", get(api_publications))
}

/// A publication of the circle.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CirclePublishIn {
    /// Why it is published again (required from the second version on; at most 500
    /// characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

fn to_json<T: serde::Serialize>(v: &T) -> ApiResult<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string()))
}

#[utoipa::path(post, path = "/api/v1/circle/publish", tag = "circle", request_body = CirclePublishIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已发布(已审计):新的版本 {version, published_on, note, computed_on, network, basis_zh, basis_en, credit, minutes, population_year, profile, profile_description, basket, types, places}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "只有工作专班可以发布,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "他人同时发布了", body = ErrorBody),
        (status = 422, description = "重新发布未写更正说明,或没有覆盖结果可发布", body = ErrorBody),
    ))]
async fn api_publish(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<CirclePublishIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let p = web.app.publish_circle(&who.user.login, &body.note).await?;
    web.public.invalidate();
    Ok(Json(to_json(&p)?))
}

#[utoipa::path(get, path = "/api/v1/circle/publications", tag = "circle",
    responses(
        (status = 200, description = "15分钟公共服务圈已发布的各版本 {versions: [...]}(未发布时为空)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_publications(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(to_json(&web.app.circle_publications().await?)?))
}

// ---- open data -------------------------------------------------------------------------

fn percent(share: Option<f64>) -> Option<f64> {
    share.map(|s| (s * 1000.0).round() / 10.0)
}

/// The version in force and the earlier versions' dates and notes.
fn open_doc(record: &CirclePublicationRecord) -> Option<serde_json::Value> {
    let c = record.current()?;
    let basis = if c.network {
        "network"
    } else {
        "straight_line_estimate"
    };
    Some(serde_json::json!({
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "version": c.version,
        "published_on": c.published_on.to_string(),
        "note": c.note,
        "computed_on": c.computed_on.to_string(),
        "minutes": c.minutes,
        "basis": basis,
        "basis_zh": c.basis_zh,
        "basis_en": c.basis_en,
        "credit": c.credit,
        "population_year": c.population_year,
        "profile": c.profile,
        "profile_description": c.profile_description,
        "basket": c.basket,
        "types": c.types.iter().map(|t| serde_json::json!({
            "code": t.code, "label": t.label, "label_en": t.label_en,
        })).collect::<Vec<_>>(),
        "places": c.places.iter().map(|p| serde_json::json!({
            "place": p.place,
            "place_name": p.name,
            "population": p.population.round(),
            "basket_percent": percent(p.basket_share),
            "types": c.types.iter().zip(&p.shares).map(|(t, s)| serde_json::json!({
                "type": t.code, "percent": percent(*s),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "versions": record.versions.iter().map(|v| serde_json::json!({
            "version": v.version,
            "published_on": v.published_on.to_string(),
            "note": v.note,
        })).collect::<Vec<_>>(),
    }))
}

#[utoipa::path(get, path = "/open/v1/circle.json", tag = "open",
    responses(
        (status = 200, description = "已发布的15分钟公共服务圈(现行版本;只含汇总):全区和各镇(街道)的居民人数(人)、基本服务包全部可达的居民占比(%)和分类型占比(%),计算依据(路网或直线估算)、使用路网时的 OpenStreetMap 署名、各版本及更正说明、许可", body = serde_json::Value),
        (status = 404, description = "尚未发布", body = ErrorBody),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn open_circle_json(
    State(web): State<Shared>,
) -> ApiResult<Json<serde_json::Value>> {
    let record = web.app.circle_publications().await?;
    open_doc(&record)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("15分钟公共服务圈尚未发布".into()))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The version in force as CSV (UTF-8 with BOM): one row per place and measure.
pub fn circle_csv(c: &PublishedCircle) -> String {
    let mut out = String::from(
        "\u{feff}version,published_on,basis,credit,place,place_name,population,measure,measure_name,percent\r\n",
    );
    let basis = if c.network {
        "network"
    } else {
        "straight_line_estimate"
    };
    for p in &c.places {
        let mut rows = vec![(
            "basket".to_string(),
            "基本服务包全部可达".to_string(),
            p.basket_share,
        )];
        rows.extend(
            c.types
                .iter()
                .zip(&p.shares)
                .map(|(t, s)| (t.code.clone(), t.label.clone(), *s)),
        );
        for (code, name, share) in rows {
            let cells = [
                c.version.to_string(),
                c.published_on.to_string(),
                basis.to_string(),
                csv_field(&c.credit),
                csv_field(&p.place),
                csv_field(&p.name),
                format!("{:.0}", p.population),
                code,
                csv_field(&name),
                percent(share)
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_default(),
            ];
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[utoipa::path(get, path = "/open/v1/circle.csv", tag = "open",
    responses(
        (status = 200, description = "同 circle.json,CSV(UTF-8 带 BOM),每个地点 × 指标一行(percent 为 %)", content_type = "text/csv"),
        (status = 404, description = "尚未发布", body = ErrorBody),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn open_circle_csv(State(web): State<Shared>) -> ApiResult<Response> {
    let Some(c) = web.app.published_circle().await? else {
        return Err(ApiError::NotFound("15分钟公共服务圈尚未发布".into()));
    };
    Ok(crate::download::file_response(
        "text/csv; charset=utf-8",
        "attachment",
        "15分钟公共服务圈.csv",
        circle_csv(&c).into_bytes(),
    ))
}

// ---- the public dashboard's panels -----------------------------------------------------

/// One row of the survey panel: a domain at the district.
pub struct SurveyRow {
    pub domain: String,
    pub index: String,
    pub n: String,
    pub moe: String,
}

/// One town's index per domain.
pub struct SurveyTown {
    pub name: String,
    pub cells: Vec<String>,
}

/// The survey results on `/public`.
pub struct SurveyPanel {
    pub intro: String,
    pub domains: Vec<String>,
    pub rows: Vec<SurveyRow>,
    pub towns: Vec<SurveyTown>,
}

fn index_text(index: Option<f64>, suppressed: bool, en: bool) -> String {
    match (index.filter(|_| !suppressed), en) {
        (Some(i), false) => format!("{i:.1} 分"),
        (Some(i), true) => format!("{i:.1} points"),
        (None, false) => "样本不足".into(),
        (None, true) => "too few answers".into(),
    }
}

/// The panel of a published round: `domains` (code, Chinese name, English name) in the
/// plan's order, `place_name` a place's name; aggregates only.
pub fn survey_panel(
    s: &PublishedSurvey,
    domains: &[(String, String, String)],
    place_name: &dyn Fn(&str) -> String,
    en: bool,
) -> SurveyPanel {
    let name = |d: &(String, String, String)| {
        if en && !d.2.is_empty() {
            d.2.clone()
        } else {
            d.1.clone()
        }
    };
    let shown: Vec<&(String, String, String)> = domains
        .iter()
        .filter(|d| s.cells.iter().any(|c| c.domain == d.0))
        .collect();
    let rows = shown
        .iter()
        .filter_map(|d| {
            let c = s.district_cell(&d.0)?;
            Some(SurveyRow {
                domain: name(d),
                index: index_text(c.index, c.suppressed, en),
                n: if en {
                    format!("{} persons", c.n)
                } else {
                    format!("{} 人", c.n)
                },
                moe: match (c.moe.filter(|_| !c.suppressed), en) {
                    (Some(m), false) => format!("±{m:.1} 分"),
                    (Some(m), true) => format!("±{m:.1} points"),
                    (None, _) => "—".into(),
                },
            })
        })
        .collect();
    let mut places: Vec<&str> = Vec::new();
    for c in &s.cells {
        if c.place != s.district && !places.contains(&c.place.as_str()) {
            places.push(&c.place);
        }
    }
    let towns = places
        .into_iter()
        .map(|p| SurveyTown {
            name: place_name(p),
            cells: shown
                .iter()
                .map(|d| {
                    s.cells
                        .iter()
                        .find(|c| c.domain == d.0 && c.place == p)
                        .map(|c| index_text(c.index, c.suppressed, en))
                        .unwrap_or_else(|| "—".into())
                })
                .collect(),
        })
        .collect();
    let day = if en {
        s.published_on.to_string()
    } else {
        s.published_on.format("%Y年%-m月%-d日").to_string()
    };
    SurveyPanel {
        intro: if en {
            format!(
                "Survey round “{}”, published {day}. Five-point answers scaled to 0–100 points; the district's figure is weighted by the towns' adult population; margins at 95% confidence; a cell with fewer than 30 answers shows no figure.",
                s.round
            )
        } else {
            format!(
                "{}(调查轮次“{}”,{day}发布)。五级评分折算为 0–100 分,全区为按各镇(街道)成年人口加权的分层估计,误差范围为 95% 置信水平;样本少于 30 人显示“样本不足”。",
                if s.title.is_empty() {
                    "群众满意度调查"
                } else {
                    &s.title
                },
                s.round
            )
        },
        domains: shown.iter().map(|d| name(d)).collect(),
        rows,
        towns,
    }
}

/// One place of the circle panel.
pub struct CircleRow {
    pub name: String,
    pub population: String,
    pub basket: String,
    pub shares: Vec<String>,
}

/// The circle on `/public`.
pub struct CirclePanel {
    pub intro: String,
    pub basis: String,
    /// The OpenStreetMap credit (network basis only).
    pub credit: String,
    pub basket: String,
    pub types: Vec<String>,
    pub rows: Vec<CircleRow>,
    /// Earlier versions' correction notes: (version, day, note).
    pub notes: Vec<(u32, String, String)>,
}

fn percent_text(share: Option<f64>) -> String {
    percent(share)
        .map(|v| format!("{v:.1}%"))
        .unwrap_or_else(|| "—".into())
}

/// The panel of the circle's version in force.
pub fn circle_panel(record: &CirclePublicationRecord, en: bool) -> Option<CirclePanel> {
    let c = record.current()?;
    Some(CirclePanel {
        intro: if en {
            format!(
                "Share of residents within {} minutes' walk of each kind of facility, and of all the basic services together. Version {}, published {}; computed {}; residents of {}.",
                c.minutes, c.version, c.published_on, c.computed_on, c.population_year
            )
        } else {
            format!(
                "步行 {} 分钟内可达各类公共服务设施的居民占比,以及基本服务包全部可达的居民占比。第 {} 版,{} 发布;计算日期 {};人口为 {} 年数据。",
                c.minutes, c.version, c.published_on, c.computed_on, c.population_year
            )
        },
        basis: if en {
            format!("Basis: {}", c.basis_en)
        } else {
            format!("计算依据:{}", c.basis_zh)
        },
        credit: c.credit.clone(),
        basket: if en {
            format!("The basic services: {} kinds of facility.", c.basket.len())
        } else if c.basket.is_empty() {
            String::new()
        } else {
            format!("基本服务包:{}。", c.basket.join("、"))
        },
        types: c
            .types
            .iter()
            .map(|t| {
                if en {
                    t.label_en.clone()
                } else {
                    t.label.clone()
                }
            })
            .collect(),
        rows: c
            .places
            .iter()
            .map(|p| CircleRow {
                name: p.name.clone(),
                population: if en {
                    format!("{:.0} persons", p.population)
                } else {
                    format!("{:.0} 人", p.population)
                },
                basket: percent_text(p.basket_share),
                shares: p.shares.iter().map(|s| percent_text(*s)).collect(),
            })
            .collect(),
        notes: record
            .versions
            .iter()
            .rev()
            .filter(|v| !v.note.is_empty())
            .map(|v| (v.version, v.published_on.to_string(), v.note.clone()))
            .collect(),
    })
}
