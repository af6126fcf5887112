//! 服务达标 — `GET /api/v1/compliance` (the matrix of the district's catalogue edition in a
//! year or quarter: every cell 达标 / 未达标 / 无数据 with its evidence, every place's
//! shares rolled up, worst first), `GET /api/v1/compliance.xlsx`, `PUT
//! /api/v1/compliance/reports` (a yes/no report typed by hand, scoped like figures); the
//! page `/compliance` (items × towns, worst first, each cell explained when opened, filters
//! by aspect and domain, the towns' share row) and its report form.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::Datelike;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::compliance::ReportIn;
use youxiang_core::catalogue::Aspect;
use youxiang_core::compliance::{Matrix, ShareOf, Tally, Verdict};
use youxiang_core::period::Period;
use youxiang_core::place::Level;

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Fields, PageResult, back_to, check_form, field, render};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(OpenApi)]
#[openapi(
    paths(api_compliance, api_compliance_xlsx, api_compliance_report),
    components(schemas(ComplianceReportIn))
)]
pub struct ComplianceDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/compliance", get(api_compliance))
        .route("/api/v1/compliance.xlsx", get(api_compliance_xlsx))
        .route(
            "/api/v1/compliance/reports",
            axum::routing::put(api_compliance_report),
        )
        .route("/compliance", get(compliance_page))
        .route("/compliance/report", post(report_post))
}

/// Which period.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The year (default: the app's day's year); outside 2000–2100 answers 404.
    pub year: Option<i64>,
    /// A quarter of the year (1–4); another number answers 404.
    pub quarter: Option<i64>,
}

fn period_of(
    year: Option<i64>,
    quarter: Option<i64>,
    today: chrono::NaiveDate,
) -> Result<Period, ApiError> {
    let year = year.unwrap_or(i64::from(today.year()));
    let Some(year) = i32::try_from(year)
        .ok()
        .filter(|y| (2000..=2100).contains(y))
    else {
        return Err(ApiError::NotFound(format!("年份 {year}")));
    };
    match quarter {
        None => Period::year_of(year),
        Some(q) => match u8::try_from(q) {
            Ok(q) => Period::quarter(year, q),
            Err(_) => return Err(ApiError::NotFound(format!("第 {q} 季度"))),
        },
    }
    .map_err(|e| ApiError::NotFound(e.to_string()))
}

#[utoipa::path(get, path = "/api/v1/compliance", tag = "compliance", params(ComplianceQuery),
    responses(
        (status = 200, description = "服务达标矩阵:每个项目在其提供层级每个地点的结果(达标、未达标、无数据)及依据,各地点达标率(逐级汇总,差者在前);设施步行距离与15分钟公共服务圈同一估算(路网,否则直线估算)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "尚未设定本区使用的服务清单,或年份、季度不存在", body = ErrorBody),
        (status = 422, description = "年份或季度不是整数(或超出整数范围)", body = ErrorBody),
    ))]
async fn api_compliance(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let period = period_of(q.year, q.quarter, web.app.today())?;
    let m = web.app.compliance(&who.user.login, None, period).await?;
    Ok(Json(
        serde_json::to_value(&m).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

#[utoipa::path(get, path = "/api/v1/compliance.xlsx", tag = "compliance", params(ComplianceQuery),
    responses(
        (status = 200, description = "服务达标 Excel:达标明细(每格及依据)、达标率", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "尚未设定本区使用的服务清单,或年份、季度不存在", body = ErrorBody),
        (status = 422, description = "年份或季度不是整数(或超出整数范围)", body = ErrorBody),
    ))]
async fn api_compliance_xlsx(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> ApiResult<Response> {
    let period = period_of(q.year, q.quarter, web.app.today())?;
    let bytes = web
        .app
        .compliance_xlsx(&who.user.login, None, period)
        .await?;
    Ok(file_response(XLSX, "attachment", "服务达标.xlsx", bytes))
}

/// A yes/no report (是否达标的定期报告) of the district's catalogue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplianceReportIn {
    /// The item's code (an item evidenced by a periodic report).
    pub item: String,
    /// The place's code (at the item's delivery level).
    pub place: String,
    /// The period: `2025`, `2025Q3` or `2025-09`.
    pub period: String,
    /// Met (达标) or not.
    pub met: bool,
    /// What shows it: a document, a visit, an attachment's name (≤ 500 characters).
    pub evidence: String,
}

#[utoipa::path(put, path = "/api/v1/compliance/reports", tag = "compliance", request_body = ComplianceReportIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已填报(同一项目、地点、期间再次填报即改写;已审计)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "地点不在本人范围内,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "清单未设定,或项目、地点、期间不存在", body = ErrorBody),
        (status = 409, description = "他人同时填报,请重试", body = ErrorBody),
        (status = 422, description = "项目不以报告判定、不在该层级提供、期间未开始或佐证为空(逐项列出)", body = ErrorBody),
    ))]
async fn api_compliance_report(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(b): JsonBody<ComplianceReportIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let period: Period = b
        .period
        .trim()
        .parse()
        .map_err(|e: youxiang_core::period::PeriodError| ApiError::NotFound(e.to_string()))?;
    let r = web
        .app
        .report_compliance(
            &who.user.login,
            ReportIn {
                catalogue: None,
                item: b.item,
                place: b.place,
                period,
                met: b.met,
                evidence: b.evidence,
            },
        )
        .await?;
    Ok(Json(
        serde_json::to_value(&r).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

// ---- the page ----

#[derive(Debug, Deserialize)]
struct PageQuery {
    year: Option<i32>,
    quarter: Option<u8>,
    aspect: Option<String>,
    domain: Option<String>,
    ok: Option<String>,
}

/// One place's line inside an opened cell.
struct Line {
    place: String,
    verdict: String,
    class: &'static str,
    why: String,
}

struct CellView {
    /// 达标, 未达标 3/10 …
    label: String,
    class: &'static str,
    lines: Vec<Line>,
}

struct RowView {
    code: String,
    name: String,
    level: String,
    cells: Vec<CellView>,
}

struct ShareView {
    name: String,
    share: String,
    counts: String,
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    c: crate::layout::Chrome,
    title: String,
    notice: String,
    sample: bool,
    catalogue: String,
    /// How the facility items' distances were measured (路网, else 直线估算), in words.
    basis: String,
    estimate: bool,
    year: i32,
    quarter: u8,
    quarters: Vec<u8>,
    aspects: Vec<(String, String)>,
    domains: Vec<(String, String)>,
    sel_aspect: String,
    sel_domain: String,
    /// The columns: the district, then towns worst first.
    columns: Vec<ShareView>,
    rows: Vec<RowView>,
    unleveled: Vec<(String, String)>,
    export_query: String,
    /// The report form: the items evidenced by reports, and the places the user may report for.
    report_items: Vec<(String, String)>,
    report_places: Vec<(String, String)>,
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Met => "met",
        Verdict::NotMet => "gap",
        Verdict::NoData => "nodata",
    }
}

fn verdict_label(v: Verdict, en: bool) -> &'static str {
    if en { v.label_en() } else { v.label_zh() }
}

fn cell_label(t: &Tally, several: bool, en: bool) -> String {
    let v = t.verdict();
    let base = verdict_label(v, en);
    if !several || t.total() <= 1 {
        return base.to_string();
    }
    // A town's column of a village item: how many of its villages.
    let n = match v {
        Verdict::NotMet => t.not_met,
        Verdict::Met => t.met,
        Verdict::NoData => t.no_data,
    };
    if en {
        format!("{base} {n}/{}", t.total())
    } else {
        format!("{base} {n}/{} 个", t.total())
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|x| format!("{:.1}%", x))
        .unwrap_or_else(|| "—".into())
}

async fn compliance_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/compliance");
    let en = c.en;
    let period = period_of(
        q.year.map(i64::from),
        q.quarter.filter(|q| *q > 0).map(i64::from),
        web.app.today(),
    )
    .map_err(|e| c.error(e))?;
    let login = who.user.login.clone();
    let m: Matrix = web
        .app
        .compliance(&login, None, period)
        .await
        .map_err(|e| c.error(e))?;
    let catalogue = web
        .app
        .stored_catalogue(&m.catalogue)
        .await
        .map_err(|e| c.error(e))?;
    let state = web.app.read();
    let tree = std::sync::Arc::clone(&state.tree);
    let plan = std::sync::Arc::clone(&state.plan);
    drop(state);
    let aspect: Option<Aspect> = q
        .aspect
        .as_deref()
        .filter(|a| !a.is_empty())
        .and_then(|a| a.parse().ok());
    let domain = q.domain.clone().filter(|d| !d.is_empty());
    let of = match (aspect, &domain) {
        (Some(a), _) => ShareOf::Aspect(a),
        (None, Some(d)) => ShareOf::Domain(d.clone()),
        _ => ShareOf::All,
    };
    // Columns: the district, then the towns worst first (by the filtered share).
    let mut places: Vec<String> = tree
        .places()
        .iter()
        .filter(|p| p.level == Level::County)
        .map(|p| p.code.clone())
        .collect();
    let mut towns: Vec<(String, Option<f64>)> = tree
        .places()
        .iter()
        .filter(|p| p.level == Level::Town)
        .map(|p| (p.code.clone(), m.share(&p.code, &of).and_then(|s| s.share)))
        .collect();
    towns.sort_by(|a, b| youxiang_core::compliance::worst_first(a.1, b.1).then(a.0.cmp(&b.0)));
    places.extend(towns.into_iter().map(|t| t.0));
    let name_of = |code: &str| {
        tree.by_code(code)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let columns = places
        .iter()
        .map(|p| {
            let s = m.share(p, &of);
            ShareView {
                name: name_of(p),
                share: pct(s.and_then(|s| s.share)),
                counts: s
                    .map(|s| {
                        if en {
                            format!(
                                "item × place: {} met, {} not met, {} no data",
                                s.tally.met, s.tally.not_met, s.tally.no_data
                            )
                        } else {
                            format!(
                                "项目 × 地点:达标 {} 处、未达标 {} 处、无数据 {} 处",
                                s.tally.met, s.tally.not_met, s.tally.no_data
                            )
                        }
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let rows = m
        .items
        .iter()
        .filter(|i| aspect.is_none_or(|a| i.aspect == Some(a)))
        .filter(|i| domain.as_ref().is_none_or(|d| i.domain.as_ref() == Some(d)))
        .map(|i| {
            let cells = places
                .iter()
                .map(|p| {
                    let mut t = Tally::default();
                    let mut lines = Vec::new();
                    // Every column rolls up the cells within its place (the district's
                    // column: its own and all its towns' and villages').
                    for cell in m.cells_within(&tree, &i.code, p) {
                        t.add(cell.verdict);
                        lines.push(Line {
                            place: name_of(&cell.place),
                            verdict: verdict_label(cell.verdict, en).into(),
                            class: verdict_class(cell.verdict),
                            why: if en {
                                cell.why_en.clone()
                            } else {
                                cell.why.clone()
                            },
                        });
                    }
                    lines.sort_by_key(|l| l.class != "gap");
                    CellView {
                        label: if t.total() == 0 {
                            String::new()
                        } else {
                            cell_label(&t, lines.len() > 1, en)
                        },
                        class: if t.total() == 0 {
                            ""
                        } else {
                            verdict_class(t.verdict())
                        },
                        lines,
                    }
                })
                .collect();
            RowView {
                code: i.code.clone(),
                name: i.name.clone(),
                level: i
                    .levels
                    .iter()
                    .map(|l| l.label_zh())
                    .collect::<Vec<_>>()
                    .join("、"),
                cells,
            }
        })
        .collect();
    // The report form: items evidenced by reports; places of their levels the user covers.
    let report_items: Vec<(String, String)> = catalogue
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.evidence,
                Some(youxiang_core::catalogue::Evidence::Report { .. })
            ) && !i.levels.is_empty()
        })
        .map(|i| (i.code.clone(), format!("{} {}", i.code, i.name)))
        .collect();
    let levels: std::collections::BTreeSet<Level> = catalogue
        .items
        .iter()
        .filter(|i| report_items.iter().any(|(c, _)| *c == i.code))
        .flat_map(|i| i.levels.iter())
        .map(|l| match l {
            youxiang_core::catalogue::DeliveryLevel::District => Level::County,
            youxiang_core::catalogue::DeliveryLevel::Town => Level::Town,
            youxiang_core::catalogue::DeliveryLevel::Village => Level::Village,
        })
        .collect();
    let report_places: Vec<(String, String)> =
        if who.user.role.is_office() || who.user.role.can_report() {
            tree.ids()
                .filter(|id| levels.contains(&tree.get(*id).level))
                .filter(|id| web.app.may_edit_facility_at(&login, &tree.get(*id).code))
                .map(|id| (tree.get(id).code.clone(), tree.path_names(id)))
                .collect()
        } else {
            Vec::new()
        };
    let mut aspects: Vec<(String, String)> = Vec::new();
    for a in Aspect::ALL {
        if m.items.iter().any(|i| i.aspect == Some(a)) {
            aspects.push((
                a.code().into(),
                if en { a.label_en() } else { a.label_zh() }.into(),
            ));
        }
    }
    let domains = plan
        .domains
        .iter()
        .filter(|d| {
            m.items
                .iter()
                .any(|i| i.domain.as_deref() == Some(d.code.as_str()))
        })
        .map(|d| {
            (
                d.code.clone(),
                if en && !d.name_en.is_empty() {
                    d.name_en.clone()
                } else {
                    d.name.clone()
                },
            )
        })
        .collect();
    let mut export = vec![format!("year={}", period.year())];
    if period.kind() == youxiang_core::period::PeriodKind::Quarter {
        export.push(format!("quarter={}", period.index()));
    }
    let page = CompliancePage {
        title: if en {
            format!("Service compliance, {}", period.label_en())
        } else {
            format!("服务达标 · {}", period.label_zh())
        },
        notice: q.ok.unwrap_or_default(),
        // The edition's name may say 样例 already: the note is not repeated.
        sample: m.sample && !m.catalogue_name.contains("样例"),
        basis: if en {
            youxiang_app::compliance::basis_sentence_en(m.basis)
        } else {
            youxiang_app::compliance::basis_sentence_zh(m.basis)
        },
        estimate: m.basis == youxiang_core::compliance::Basis::StraightLine,
        catalogue: m.catalogue_name.clone(),
        year: period.year(),
        quarter: if period.kind() == youxiang_core::period::PeriodKind::Quarter {
            period.index()
        } else {
            0
        },
        quarters: vec![1, 2, 3, 4],
        aspects,
        domains,
        sel_aspect: aspect.map(|a| a.code().to_string()).unwrap_or_default(),
        sel_domain: domain.unwrap_or_default(),
        columns,
        rows,
        unleveled: m
            .unleveled
            .iter()
            .map(|i| (i.code.clone(), i.name.clone()))
            .collect(),
        export_query: export.join("&"),
        report_items,
        report_places,
        c,
    };
    Ok(render(&page))
}

async fn report_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/compliance");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let period: Period =
        get("period")
            .parse()
            .map_err(|e: youxiang_core::period::PeriodError| {
                c.error(ApiError::invalid(e.to_string()))
            })?;
    let r = web
        .app
        .report_compliance(
            &who.user.login,
            ReportIn {
                catalogue: None,
                item: get("item"),
                place: get("place"),
                period,
                met: get("met") == "yes",
                evidence: get("evidence"),
            },
        )
        .await
        .map_err(|e| c.error(e))?;
    let back = format!("/compliance?year={}", r.period.year());
    Ok(back_to(
        &back,
        &if c.en {
            format!("Reported: {} {} {}", r.item, r.place, r.period)
        } else {
            format!(
                "已填报:{} {} {}",
                r.item,
                r.period.label_zh(),
                if r.met { "达标" } else { "未达标" }
            )
        },
    ))
}
