//! 月排名: `GET /api/v1/ranking` (ranks, scores, changes, indicators without data, the
//! bottom units, the rule in words, the history), its Excel file, publishing it (units in
//! the bottom for months running get a supervision order), and the page `/ranking`.
//!
//! The answer's types mirror `youxiang_app::RankingReport` and core's `Ranking` field for
//! field (built by destructuring).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::RankingReport;
use youxiang_app::manage::ranking_xlsx;
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::{
    DomainScore, IndicatorScore, Mark, RankBy, RankRow, RankRule, RankTerm, Ranking, TermKind,
    TermScore,
};
use youxiang_core::period::{Period, PeriodKind};

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, L, PageResult, back_to, check_form, field, render};
use crate::text::parse_period;

#[derive(OpenApi)]
#[openapi(
    paths(api_ranking, api_ranking_xlsx, api_ranking_publish),
    components(schemas(RankingOut, PublishIn, PublishOut))
)]
pub struct RankingDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/ranking", get(api_ranking))
        .route("/api/v1/ranking.xlsx", get(api_ranking_xlsx))
        .route("/api/v1/ranking/publish", post(api_ranking_publish))
        .route("/ranking", get(ranking_page))
        .route("/ranking/publish", post(ranking_publish_post))
}

fn parse_by(text: Option<&str>) -> ApiResult<RankBy> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(RankBy::Town),
        Some(t) => t.parse::<RankBy>().map_err(ApiError::invalid),
    }
}

/// The month of the latest official figure of any headline indicator at the plan's place
/// (the default month of the ranking, which counts official figures only), or last month
/// when there is none.
pub(crate) fn default_month(web: &Shared) -> Period {
    let today = web.app.today();
    let state = web.app.read();
    let root = state.plan.place.clone();
    let latest = state
        .plan
        .indicators
        .iter()
        .filter(|i| i.is_table_row())
        .flat_map(|i| state.official.series_at(&i.code, &root))
        .map(|(p, _)| p.end())
        .filter(|d| *d <= today)
        .max();
    let day = latest.unwrap_or_else(|| today - chrono::Duration::days(today.day() as i64));
    Period::containing(PeriodKind::Month, day)
        .or_else(|_| Period::containing(PeriodKind::Month, today))
        .expect("a month contains every date")
}

fn parse_month(web: &Shared, text: Option<&str>) -> ApiResult<Period> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default_month(web)),
        Some(t) => {
            let p = parse_period(t)?;
            if p.kind() != PeriodKind::Month {
                return Err(ApiError::invalid(format!("“{t}”不是月份(应为 2025-06)")));
            }
            Ok(p)
        }
    }
}

// ---------------------------------------------------------------------------------------
// The API's types

/// A month's ranking with the months before it in the year.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingOut {
    /// `town` or `department`.
    #[schema(value_type = String)]
    pub by: RankBy,
    /// `2025-06`.
    pub month: String,
    /// The rule in words, printed with every ranking.
    pub rule_zh: String,
    pub rule_en: String,
    pub ranking: RankingDto,
    /// `[month, {unit: rank or null}]` for each month of the year up to `month`, oldest
    /// first.
    pub history: Vec<(String, BTreeMap<String, Option<u32>>)>,
    /// Units in the bottom for the configured run of months (to be supervised).
    pub flagged: Vec<String>,
    /// When this month's ranking was published (UTC), if it was.
    #[schema(value_type = Option<String>)]
    pub published_at: Option<NaiveDateTime>,
}

/// A ranking with the rule it was computed by.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingDto {
    pub rule: RankRuleDto,
    pub rows: Vec<RankRowDto>,
}

/// The ranking rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankRuleDto {
    /// The top of the green band of each indicator's score (the band rule: green 1–cap,
    /// yellow 0.7–1, red 0–0.7).
    pub cap: f64,
    /// Weight per domain code; empty = equal weights.
    pub domain_weights: BTreeMap<String, f64>,
    /// Extra terms added to the base score.
    pub terms: Vec<RankTermDto>,
    /// How many units from the bottom are flagged in a group of at least `bottom_n_from`.
    pub bottom_n: usize,
    /// The smallest group in which the bottom `bottom_n` are flagged.
    pub bottom_n_from: usize,
    /// How many from the bottom are flagged in a smaller group (1: only the last).
    pub small_group_bottom_n: usize,
    /// A unit without a figure for more than this share of its indicators whose figure
    /// was due is flagged 缺报.
    pub missing_share: f64,
    /// How many consecutive months in the bottom raise a supervision order.
    pub consecutive_months: u32,
    /// Scores equal after rounding to this many decimals share a rank.
    pub tie_decimals: u32,
}

/// An extra term: `points × rate` is added to the base score.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankTermDto {
    /// `task_on_time`, `order_closure`, `timeliness`.
    #[schema(value_type = String)]
    pub kind: TermKind,
    pub points: f64,
}

/// One unit's line.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankRowDto {
    pub unit: String,
    /// None for a unit with no scored indicator (无数据).
    pub rank: Option<u32>,
    /// Total score: base + terms.
    pub score: Option<f64>,
    /// Base score (points, ×100).
    pub base: Option<f64>,
    pub domains: Vec<DomainScoreDto>,
    pub terms: Vec<TermScoreDto>,
    /// Indicator codes without data.
    pub no_data: Vec<String>,
    /// Each scored indicator's light and score (the band rule).
    pub scores: Vec<IndicatorScoreDto>,
    pub previous_rank: Option<u32>,
    /// previous rank − rank: positive = moved up.
    pub change: Option<i32>,
    /// In the bottom this month (by the group's size: the bottom `bottom_n`, or only the
    /// last in a small group).
    pub bottom: bool,
    /// 缺报: without a figure for most of its indicators whose figure was due, ranked or
    /// not.
    pub missing_data: bool,
    /// How many figures that were due are absent.
    pub missing: usize,
    /// How many of its indicators' figures were due (an annual one is not, within its year).
    pub due: usize,
}

/// One indicator as scored: its light and score s_ik (green 1–cap, yellow 0.7–1, red
/// 0–0.7).
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorScoreDto {
    pub indicator: String,
    /// `green`, `yellow` or `red`.
    pub light: String,
    pub score: f64,
}

/// The mean indicator score of one domain.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainScoreDto {
    pub domain: String,
    pub mean: f64,
    pub indicators: usize,
}

/// One extra term as scored.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermScoreDto {
    #[schema(value_type = String)]
    pub kind: TermKind,
    /// The rate used; None = not applicable (full points).
    pub rate: Option<f64>,
    pub points: f64,
}

/// What publishing answers: the ranking, and the orders raised for the bottom units.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishOut {
    pub report: RankingOut,
    /// Ids of the supervision orders raised.
    pub raised: Vec<String>,
}

impl From<RankingReport> for RankingOut {
    fn from(r: RankingReport) -> Self {
        let RankingReport {
            by,
            month,
            rule_zh,
            rule_en,
            ranking,
            history,
            flagged,
            published_at,
        } = r;
        let Ranking { rule, rows } = ranking;
        let RankRule {
            cap,
            bands: _,
            domain_weights,
            terms,
            bottom_n,
            bottom_n_from,
            small_group_bottom_n,
            missing_share,
            consecutive_months,
            tie_decimals,
        } = rule;
        RankingOut {
            by,
            month: month.to_string(),
            rule_zh,
            rule_en,
            ranking: RankingDto {
                rule: RankRuleDto {
                    cap,
                    domain_weights,
                    terms: terms
                        .into_iter()
                        .map(|RankTerm { kind, points }| RankTermDto { kind, points })
                        .collect(),
                    bottom_n,
                    bottom_n_from,
                    small_group_bottom_n,
                    missing_share,
                    consecutive_months,
                    tie_decimals,
                },
                rows: rows.into_iter().map(RankRowDto::from).collect(),
            },
            history: history
                .into_iter()
                .map(|(m, ranks)| (m.to_string(), ranks))
                .collect(),
            flagged,
            published_at,
        }
    }
}

impl From<RankRow> for RankRowDto {
    fn from(r: RankRow) -> Self {
        let RankRow {
            unit,
            rank,
            score,
            base,
            domains,
            terms,
            no_data,
            scores,
            previous_rank,
            change,
            bottom,
            missing_data,
            missing,
            due,
        } = r;
        RankRowDto {
            unit,
            rank,
            score,
            base,
            domains: domains
                .into_iter()
                .map(
                    |DomainScore {
                         domain,
                         mean,
                         indicators,
                     }| DomainScoreDto {
                        domain,
                        mean,
                        indicators,
                    },
                )
                .collect(),
            terms: terms
                .into_iter()
                .map(|TermScore { kind, rate, points }| TermScoreDto { kind, rate, points })
                .collect(),
            no_data,
            scores: scores
                .into_iter()
                .map(
                    |IndicatorScore {
                         indicator,
                         light,
                         score,
                     }| IndicatorScoreDto {
                        indicator,
                        light: crate::text::light_str(light).into(),
                        score,
                    },
                )
                .collect(),
            previous_rank,
            change,
            bottom,
            missing_data,
            missing,
            due,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The API

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankQuery {
    /// Month `2025-06`; the month of the latest figures when absent or empty.
    #[param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    pub month: Option<String>,
    /// `town` (default when absent or empty) or `department`.
    #[param(pattern = "^(town|department)?$")]
    pub by: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/ranking", tag = "manage", params(RankQuery),
    responses(
        (status = 200, description = "月排名:名次、得分、名次变化、无数据指标、排名靠后与缺报标记(小组只标末位)、规则全文(rule_zh)、历史", body = RankingOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_ranking(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<RankQuery>,
) -> ApiResult<Json<RankingOut>> {
    Ok(Json(ranking_of(&web, &q).await?.into()))
}

/// The ranking a query asks for.
async fn ranking_of(web: &Shared, q: &RankQuery) -> ApiResult<RankingReport> {
    let month = parse_month(web, q.month.as_deref())?;
    let by = parse_by(q.by.as_deref())?;
    Ok(web.app.ranking(by, month).await?)
}

#[utoipa::path(get, path = "/api/v1/ranking.xlsx", tag = "manage", params(RankQuery),
    responses(
        (status = 200, description = "月排名 Excel(排名、历史名次、规则)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_ranking_xlsx(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<RankQuery>,
) -> ApiResult<Response> {
    let r = ranking_of(&web, &q).await?;
    let bytes = ranking_xlsx(&r)?;
    let name = format!("月排名-{}-{}.xlsx", r.by.label_zh(), r.month);
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
        &name,
        bytes,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishIn {
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// `town` or `department`.
    #[schema(pattern = "^(town|department)$")]
    pub by: String,
}

#[utoipa::path(post, path = "/api/v1/ranking/publish", tag = "manage", request_body = PublishIn,
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已发布;连续被标记(排名靠后或缺报)的单位自动立项督办(raised)", body = PublishOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "仅工作专班可发布,或 CSRF 令牌无效", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn api_ranking_publish(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<PublishIn>,
) -> ApiResult<Json<PublishOut>> {
    if body.month.trim().is_empty() || body.by.trim().is_empty() {
        return Err(ApiError::invalid(
            "发布排名须写明月份(month,如 2025-06)和排名对象(by:town 或 department)",
        ));
    }
    let month = parse_month(&web, Some(&body.month))?;
    let by = parse_by(Some(&body.by))?;
    let (report, raised) = web.app.publish_ranking(&who.user.login, by, month).await?;
    Ok(Json(PublishOut {
        report: report.into(),
        raised,
    }))
}

// ---------------------------------------------------------------------------------------
// The page

struct RankRowView {
    rank: String,
    unit: String,
    score: String,
    change: String,
    change_class: String,
    no_data: String,
    /// Each mark with its light class.
    flags: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "manage_ranking.html")]
struct RankingPage {
    c: Chrome,
    l: L,
    title: String,
    month: String,
    month_zh: String,
    by: String,
    by_zh: String,
    rows: Vec<RankRowView>,
    rule: String,
    history_head: Vec<String>,
    history: Vec<(String, Vec<String>)>,
    published: String,
    office: bool,
    notice: String,
}

async fn ranking_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let c = who.chrome(&web, "/ranking");
    let month = parse_month(&web, q.get("month").map(String::as_str)).map_err(|e| c.error(e))?;
    let by = parse_by(q.get("by").map(String::as_str)).map_err(|e| c.error(e))?;
    let r = web.app.ranking(by, month).await.map_err(|e| c.error(e))?;
    let rows = r
        .ranking
        .rows
        .iter()
        .map(|row| {
            let (change, class) = match (row.change, row.previous_rank) {
                (_, None) if row.rank.is_some() => {
                    (if c.en { "new" } else { "新" }.to_string(), "same")
                }
                (Some(ch), _) if ch > 0 => (format!("↑{ch}"), "up"),
                (Some(ch), _) if ch < 0 => (format!("↓{}", -ch), "down"),
                (Some(_), _) => ("–".to_string(), "same"),
                _ => ("—".to_string(), "same"),
            };
            // Each mark carries a sign as well as a colour.
            let flags = r
                .ranking
                .marks(row, &r.flagged)
                .into_iter()
                .map(|m| {
                    let text = if c.en {
                        r.ranking.mark_en(row, m)
                    } else {
                        r.ranking.mark_zh(row, m)
                    };
                    let (sign, class) = match m {
                        Mark::Supervised => ("⚑", "light-red"),
                        Mark::Bottom => ("▼", "light-yellow"),
                        Mark::Missing => ("○", "light-red"),
                        Mark::Unranked => ("○", "light-grey"),
                    };
                    (format!("{sign} {text}"), class)
                })
                .collect();
            RankRowView {
                rank: row
                    .rank
                    .map(|k| k.to_string())
                    .unwrap_or_else(|| "—".into()),
                unit: row.unit.clone(),
                // The score beside the lights it was scored from (red below yellow
                // below green, whatever the figures).
                score: row
                    .score
                    .map(|s| {
                        if c.en {
                            format!("{s:.2} points ({})", row.lights_text())
                        } else {
                            format!("{s:.2} 分({})", row.lights_text())
                        }
                    })
                    .unwrap_or_else(|| c.light(youxiang_core::eval::Light::Grey)),
                change,
                change_class: class.into(),
                no_data: if row.no_data.is_empty() {
                    String::new()
                } else {
                    let n = row.no_data.len();
                    if c.en {
                        format!("○ {} ({n} indicators)", row.no_data.join(", "))
                    } else {
                        format!("○ {}({n} 项)", row.no_data.join("、"))
                    }
                },
                flags,
            }
        })
        .collect();
    let history_head = r
        .history
        .iter()
        .map(|(m, _)| crate::text::period_label(m, c.en))
        .collect();
    let history = r
        .ranking
        .rows
        .iter()
        .map(|row| {
            (
                row.unit.clone(),
                r.history
                    .iter()
                    .map(|(_, ranks)| match ranks.get(&row.unit) {
                        Some(Some(k)) if c.en => format!("No. {k}"),
                        Some(Some(k)) => format!("第 {k} 名"),
                        _ => "—".into(),
                    })
                    .collect(),
            )
        })
        .collect();
    let l = c.labels();
    Ok(render(&RankingPage {
        title: l.t("ranking").into(),
        month: month.to_string(),
        month_zh: crate::text::period_label(&month, c.en),
        by: by.as_str().into(),
        by_zh: if c.en { by.label_en() } else { by.label_zh() }.into(),
        rows,
        rule: if c.en {
            r.rule_en.clone()
        } else {
            r.rule_zh.clone()
        },
        history_head,
        history,
        published: r
            .published_at
            .map(|t| {
                if c.en {
                    format!("Published {} (Beijing time)", show_minute(t))
                } else {
                    format!("已于 {} 发布", show_minute(t))
                }
            })
            .unwrap_or_else(|| {
                if c.en {
                    "Not published yet"
                } else {
                    "尚未发布"
                }
                .into()
            }),
        office: who.user.role.is_office(),
        notice: q.get("ok").cloned().unwrap_or_default(),
        l,
        c,
    }))
}

async fn ranking_publish_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    check_form(&who.chrome(&web, "/ranking"), &who, &form)?;
    let c = who.chrome(&web, "/ranking");
    let month = parse_month(&web, field(&form, "month")).map_err(|e| c.error(e))?;
    let by = parse_by(field(&form, "by")).map_err(|e| c.error(e))?;
    let (_, raised) = web
        .app
        .publish_ranking(&who.user.login, by, month)
        .await
        .map_err(|e| c.error(e))?;
    let msg = if raised.is_empty() {
        "已发布".to_string()
    } else {
        format!("已发布,自动立项督办单 {}", raised.join("、"))
    };
    Ok(back_to(
        &format!("/ranking?month={month}&by={}", by.as_str()),
        &msg,
    ))
}
