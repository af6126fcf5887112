//! 数据发布 — the office publishes a period's approved figures: `POST /api/v1/publications`
//! (CSRF-checked; a correction needs its note), `GET /api/v1/publications` (every period's
//! versions), and the office's page `/publish` (the ended periods, what publishing each
//! would publish now, what was published, and the form). What the public sees
//! ([`crate::public`]) is only ever read from what was published here.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Json, Router};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use youxiang_core::period::Period;
use youxiang_core::publication::{Publication, PublicationRecord};
use youxiang_core::scope::Role;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::text::parse_period;

#[derive(OpenApi)]
#[openapi(
    paths(api_publications, api_publish),
    components(schemas(PublishIn, PublishedVersionOut, PublishedPeriodOut, PublicationsOut))
)]
pub struct PublicationDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/publications",
            get(api_publications).post(api_publish),
        )
        .route("/publish", get(publish_page).post(publish_post))
}

/// What to publish.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishIn {
    /// The period, e.g. `2024`, `2025Q2`, `2025H1`, `2025-06`: every approved figure of a
    /// period within it is published. It must have ended.
    pub period: String,
    /// Why a published period is published again (required for a correction).
    #[serde(default)]
    pub note: String,
}

/// One published version of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedVersionOut {
    pub period: String,
    pub version: u32,
    /// The day it was published (the app's day).
    pub published_on: String,
    /// The correction's note (empty for the first version).
    pub note: String,
    /// How many figures it holds.
    pub figures: usize,
    /// Where its figures are as open data (CSV; `.json`, `.xlsx` beside it).
    pub csv: String,
}

/// A period's versions, the latest last.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedPeriodOut {
    pub period: String,
    pub versions: Vec<PublishedVersionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationsOut {
    pub periods: Vec<PublishedPeriodOut>,
}

fn version_out(p: &Publication) -> PublishedVersionOut {
    PublishedVersionOut {
        period: p.period.to_string(),
        version: p.version,
        published_on: p.published_on.to_string(),
        note: p.note.clone(),
        figures: p.figures.len(),
        csv: format!("/open/v1/{}/figures.csv", p.period),
    }
}

fn period_out(r: &PublicationRecord) -> PublishedPeriodOut {
    PublishedPeriodOut {
        period: r.period.to_string(),
        versions: r.versions.iter().map(version_out).collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/publications", tag = "publication",
    responses(
        (status = 200, description = "已发布的各期数据及其各版本", body = PublicationsOut),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_publications(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<PublicationsOut>> {
    let list = web.app.publications().await?;
    Ok(Json(PublicationsOut {
        periods: list.iter().map(period_out).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/publications", tag = "publication", request_body = PublishIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已发布(已审计):新的版本", body = PublishedVersionOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "只有工作专班可以发布,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "期间不在 1900–2200 年之间", body = ErrorBody),
        (status = 409, description = "他人同时发布了同一期间", body = ErrorBody),
        (status = 422, description = "期间无法识别或尚未结束、没有已审核数据、更正未写说明", body = ErrorBody),
    ))]
async fn api_publish(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<PublishIn>,
) -> ApiResult<Json<PublishedVersionOut>> {
    let period = asked_period(&body.period)?;
    let p = web.app.publish(&who.user.login, period, &body.note).await?;
    web.public.invalidate();
    Ok(Json(version_out(&p)))
}

/// A period asked for: unreadable is 422, a year outside 1900–2200 is 404.
fn asked_period(text: &str) -> ApiResult<Period> {
    let p = parse_period(text.trim())?;
    if !(1900..=2200).contains(&p.year()) {
        return Err(ApiError::NotFound(format!("期间 {p}")));
    }
    Ok(p)
}

// ---- the office's page ---------------------------------------------------------------

struct CandidateRow {
    period: String,
    label: String,
    would: usize,
    published: String,
}

struct VersionRow {
    period: String,
    version: u32,
    on: String,
    note: String,
    figures: usize,
}

#[derive(Template)]
#[template(path = "publish.html")]
struct PublishPage {
    c: Chrome,
    title: String,
    notice: String,
    candidates: Vec<CandidateRow>,
    versions: Vec<VersionRow>,
}

#[derive(Debug, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

/// The periods the page offers: each year and quarter of the plan's years that has ended
/// by `today`, latest first.
fn candidate_periods(first: i32, today: chrono::NaiveDate) -> Vec<Period> {
    let mut out = Vec::new();
    for y in first..=today.year() {
        for p in [
            Period::quarter(y, 1),
            Period::quarter(y, 2),
            Period::half(y, 1),
            Period::quarter(y, 3),
            Period::quarter(y, 4),
            Period::year_of(y),
        ]
        .into_iter()
        .flatten()
        {
            if p.end() < today {
                out.push(p);
            }
        }
    }
    out.reverse();
    out
}

async fn publish_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<OkQuery>,
) -> PageResult {
    who.require(&web, "/publish", Role::is_office)?;
    let c = who.chrome(&web, "/publish");
    let first = web.app.read().plan.baseline_year + 1;
    let periods = candidate_periods(first, web.app.today());
    let previews = web
        .app
        .publication_previews(&periods)
        .await
        .map_err(|e| c.error(e))?;
    let published = web.app.publications().await.map_err(|e| c.error(e))?;
    let en = c.en;
    let candidates = previews
        .iter()
        .map(|p| {
            let stored = published.iter().find(|r| r.period == p.period);
            CandidateRow {
                period: p.period.to_string(),
                label: crate::text::period_label(&p.period, en),
                would: p.figures.len(),
                published: match stored.and_then(|r| r.current()) {
                    Some(v) if en => format!("version {} on {}", v.version, v.published_on),
                    Some(v) => format!("第 {} 版,{}", v.version, v.published_on),
                    None if en => "not published".into(),
                    None => "未发布".into(),
                },
            }
        })
        .collect();
    let mut versions = Vec::new();
    for r in published.iter().rev() {
        for v in r.versions.iter().rev() {
            versions.push(VersionRow {
                period: crate::text::period_label(&v.period, en),
                version: v.version,
                on: v.published_on.to_string(),
                note: v.note.clone(),
                figures: v.figures.len(),
            });
        }
    }
    Ok(render(&PublishPage {
        title: if en {
            "Publish figures"
        } else {
            "数据发布"
        }
        .into(),
        notice: q.ok.unwrap_or_default(),
        candidates,
        versions,
        c,
    }))
}

async fn publish_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    who.require(&web, "/publish", Role::is_office)?;
    let c = who.chrome(&web, "/publish");
    check_form(&c, &who, &form)?;
    let period = asked_period(field(&form, "period").unwrap_or("")).map_err(|e| c.error(e))?;
    let note = field(&form, "note").unwrap_or("");
    let p = web
        .app
        .publish(&who.user.login, period, note)
        .await
        .map_err(|e| c.error(e))?;
    web.public.invalidate();
    Ok(back_to(
        "/publish",
        &if c.en {
            format!(
                "Published {}: version {}, {} figures",
                p.period,
                p.version,
                p.figures.len()
            )
        } else {
            format!(
                "已发布 {}:第 {} 版,{} 项数据",
                crate::text::period_label(&p.period, false),
                p.version,
                p.figures.len()
            )
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_offers_ended_years_and_quarters_latest_first() {
        let today = chrono::NaiveDate::from_ymd_opt(2025, 10, 15).unwrap();
        let got: Vec<String> = candidate_periods(2025, today)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(got, ["2025Q3", "2025H1", "2025Q2", "2025Q1"]);
        assert!(asked_period("1800").is_err());
        assert!(asked_period("2025Q2").is_ok());
    }
}
