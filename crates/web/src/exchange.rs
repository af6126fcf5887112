//! DHIS2 exchange over HTTP: `GET /api/v1/exchange/dhis2/dataValueSets` (the approved
//! figures as a `dataValueSet`, JSON or CSV by the `Accept` header, `format` or the `.csv`
//! path) and `POST /api/v1/exchange/dhis2/dataValueSets` (JSON or CSV by `Content-Type`;
//! `dryRun`, `importStrategy` and the id schemes as query parameters), answered with
//! DHIS2's import summary inside its web message — 200 when taken (or, in a dry run, when
//! it would be), 409 with every conflict when nothing was written. The formats and the
//! mapping are `core::exchange::dhis2`'s; the checks and the write are `App`'s.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::exchange::{Dhis2Export, Dhis2Import};
use youxiang_core::exchange::dhis2::{
    DataValueSet, IdScheme, ImportStatus, ImportSummary, SchemeChoice, parse_period, read_csv,
    write_csv,
};

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Writer;

#[derive(OpenApi)]
#[openapi(
    paths(api_export, api_export_csv, api_import),
    components(schemas(
        Dhis2DataValueSet,
        Dhis2DataValue,
        Dhis2WebMessage,
        Dhis2ImportSummary,
        Dhis2ImportCount,
        Dhis2Conflict
    ))
)]
pub struct ExchangeDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/exchange/dhis2/dataValueSets",
            get(api_export).post(api_import),
        )
        .route(
            "/api/v1/exchange/dhis2/dataValueSets.csv",
            get(api_export_csv),
        )
}

// ---- the documents' schemas (the serde types are core's) ----

/// A DHIS2 `dataValueSet` (2.40): the set's `period`, `orgUnit` and
/// `attributeOptionCombo` apply to values that name none.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dhis2DataValueSet {
    data_set: Option<String>,
    complete_date: Option<String>,
    period: Option<String>,
    org_unit: Option<String>,
    attribute_option_combo: Option<String>,
    /// `uid`, `code` or `name`: over the query's.
    id_scheme: Option<String>,
    data_element_id_scheme: Option<String>,
    org_unit_id_scheme: Option<String>,
    category_option_combo_id_scheme: Option<String>,
    data_values: Vec<Dhis2DataValue>,
}

/// One data value: an indicator (data element) and component (category option combo) of a
/// place (org unit) in a period (`2025`, `2025S1`, `2025Q1`, `202503`, `2025W5`).
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dhis2DataValue {
    data_element: String,
    period: Option<String>,
    org_unit: Option<String>,
    category_option_combo: Option<String>,
    attribute_option_combo: Option<String>,
    /// The number as text (a JSON number is read too).
    value: Option<String>,
    stored_by: Option<String>,
    created: Option<String>,
    last_updated: Option<String>,
    comment: Option<String>,
    followup: Option<bool>,
    /// A deletion (alone in its import, under `importStrategy=DELETE` or marked so).
    deleted: Option<bool>,
}

/// DHIS2's web message around the import summary.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dhis2WebMessage {
    /// `OK` or `Conflict`.
    http_status: String,
    http_status_code: u16,
    /// `OK`, `WARNING` or `ERROR`.
    status: String,
    message: String,
    response: Dhis2ImportSummary,
}

/// DHIS2's import summary.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dhis2ImportSummary {
    /// Always `ImportSummary`.
    response_type: String,
    /// `SUCCESS`; `ERROR` when any conflict (nothing written).
    status: String,
    /// The id schemes, `dryRun` and `importStrategy` in force.
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    import_options: serde_json::Value,
    description: String,
    import_count: Dhis2ImportCount,
    conflicts: Vec<Dhis2Conflict>,
    data_set_complete: String,
}

/// What was (or in a dry run would be) done with the values.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct Dhis2ImportCount {
    imported: usize,
    updated: usize,
    /// Unchanged values, and every value when there is a conflict.
    ignored: usize,
    deleted: usize,
}

/// One problem: the object as written and what is wrong with it.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct Dhis2Conflict {
    object: String,
    value: String,
    /// The field: `dataElement`, `period`, `orgUnit`, `categoryOptionCombo`, `value` …
    property: Option<String>,
    /// The values' positions (from 0).
    indexes: Vec<usize>,
}

/// `uid`, `code` or `name` (DHIS2's `idScheme`).
#[allow(dead_code)]
#[derive(Deserialize, ToSchema)]
pub enum Dhis2IdScheme {
    #[serde(rename = "uid")]
    Uid,
    #[serde(rename = "code")]
    Code,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "UID")]
    UidUpper,
    #[serde(rename = "CODE")]
    CodeUpper,
    #[serde(rename = "NAME")]
    NameUpper,
}

/// The export's filters (DHIS2's parameters; the list ones may be repeated). Identifiers
/// are read by any scheme (UID, code or name).
#[allow(dead_code)]
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ExportParams {
    /// The data set: the plan's (any other: 404).
    data_set: Option<Vec<String>>,
    /// Data elements (indicators); none: all.
    data_element: Option<Vec<String>>,
    /// Periods, matched exactly (`2025`, `2025S1`, `2025Q1`, `202503`, `2025W5`); over
    /// `startDate`/`endDate`.
    period: Option<Vec<String>>,
    /// Values of periods starting on or after this day (`YYYY-MM-DD`).
    #[param(format = Date)]
    start_date: Option<String>,
    /// Values of periods ending on or before this day (`YYYY-MM-DD`).
    #[param(format = Date)]
    end_date: Option<String>,
    /// Org units (places); none: all.
    org_unit: Option<Vec<String>>,
    /// With every place below the org units.
    children: Option<bool>,
    #[param(inline)]
    id_scheme: Option<Dhis2IdScheme>,
    #[param(inline)]
    data_element_id_scheme: Option<Dhis2IdScheme>,
    #[param(inline)]
    org_unit_id_scheme: Option<Dhis2IdScheme>,
    #[param(inline)]
    category_option_combo_id_scheme: Option<Dhis2IdScheme>,
    /// `json` or `csv` (else by the `Accept` header; JSON by default; anything else: JSON).
    format: Option<String>,
}

/// How to import (DHIS2's parameters).
#[allow(dead_code)]
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ImportParams {
    /// Check and count only; nothing is written.
    dry_run: Option<bool>,
    /// `CREATE_AND_UPDATE` (default), `CREATE`, `UPDATE` or `DELETE`.
    #[param(pattern = "^(CREATE_AND_UPDATE|CREATE|UPDATE|DELETE)$")]
    import_strategy: Option<String>,
    #[param(inline)]
    id_scheme: Option<Dhis2IdScheme>,
    #[param(inline)]
    data_element_id_scheme: Option<Dhis2IdScheme>,
    #[param(inline)]
    org_unit_id_scheme: Option<Dhis2IdScheme>,
    #[param(inline)]
    category_option_combo_id_scheme: Option<Dhis2IdScheme>,
}

// ---- reading the query ----

/// The query's pairs by name (a name may repeat).
fn pairs(raw: Option<String>) -> ApiResult<HashMap<String, Vec<String>>> {
    let list: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::invalid(format!("查询参数无法读取:{e}")))?;
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in list {
        map.entry(k).or_default().push(v);
    }
    Ok(map)
}

fn last<'a>(q: &'a HashMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    q.get(name).and_then(|v| v.last()).map(String::as_str)
}

fn flag(q: &HashMap<String, Vec<String>>, name: &str) -> ApiResult<bool> {
    match last(q, name) {
        None => Ok(false),
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::invalid(format!("参数 {name}“{t}”只能是 true 或 false"))),
    }
}

fn schemes(q: &HashMap<String, Vec<String>>) -> ApiResult<SchemeChoice> {
    let one = |name: &str| -> ApiResult<Option<IdScheme>> {
        last(q, name)
            .map(|t| t.parse::<IdScheme>().map_err(ApiError::invalid))
            .transpose()
    };
    Ok(SchemeChoice {
        id_scheme: one("idScheme")?,
        data_element: one("dataElementIdScheme")?,
        org_unit: one("orgUnitIdScheme")?,
        category_option_combo: one("categoryOptionComboIdScheme")?,
    })
}

fn export_filter(q: &HashMap<String, Vec<String>>) -> ApiResult<Dhis2Export> {
    let list = |name: &str| q.get(name).cloned().unwrap_or_default();
    let date = |name: &str| {
        last(q, name)
            .map(|t| {
                t.parse::<chrono::NaiveDate>()
                    .map_err(|_| ApiError::invalid(format!("参数 {name}“{t}”不是日期(YYYY-MM-DD)")))
            })
            .transpose()
    };
    let periods = list("period")
        .iter()
        .map(|p| parse_period(p).map_err(ApiError::NotFound))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Dhis2Export {
        data_sets: list("dataSet"),
        data_elements: list("dataElement"),
        periods,
        start: date("startDate")?,
        end: date("endDate")?,
        org_units: list("orgUnit"),
        children: flag(q, "children")?,
        schemes: schemes(q)?.over(&SchemeChoice::default()),
    })
}

// ---- the handlers ----

const CSV: &str = "application/csv; charset=utf-8";

async fn export(web: &Shared, who: &Authed, raw: Option<String>, csv: bool) -> ApiResult<Response> {
    let q = pairs(raw)?;
    let filter = export_filter(&q)?;
    let set = web.app.dhis2_export(&who.user.login, &filter, None).await?;
    let csv = csv || last(&q, "format") == Some("csv");
    Ok(if csv {
        file_response(
            CSV,
            "attachment",
            "dataValueSets.csv",
            write_csv(&set).into_bytes(),
        )
    } else {
        Json(set).into_response()
    })
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/csv") || a.contains("text/csv"))
}

#[utoipa::path(get, path = "/api/v1/exchange/dhis2/dataValueSets", tag = "exchange",
    params(ExportParams),
    responses(
        (status = 200, description = "已审核的数据(正式数据)作为 DHIS2 dataValueSet:JSON;Accept 为 application/csv 或 format=csv 时为 DHIS2 的 CSV", content(
            (Dhis2DataValueSet = "application/json"),
            (String = "application/csv"),
        )),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "没有这个数据集、数据元素、组织机构或期间", body = ErrorBody),
        (status = 422, description = "参数无效(标识方案、日期、children)", body = ErrorBody),
    ))]
async fn api_export(
    State(web): State<Shared>,
    who: Authed,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    export(&web, &who, raw, wants_csv(&headers)).await
}

#[utoipa::path(get, path = "/api/v1/exchange/dhis2/dataValueSets.csv", tag = "exchange",
    params(ExportParams),
    responses(
        (status = 200, description = "已审核的数据作为 DHIS2 的 CSV(dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo, value, storedby, lastupdated, comment, followup, deleted)", content_type = "application/csv", body = String),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "没有这个数据集、数据元素、组织机构或期间", body = ErrorBody),
        (status = 422, description = "参数无效(标识方案、日期、children)", body = ErrorBody),
    ))]
async fn api_export_csv(
    State(web): State<Shared>,
    who: Authed,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    export(&web, &who, raw, true).await
}

/// The import summary in DHIS2's web message: 200 when taken, 409 with the conflicts.
fn web_message(summary: ImportSummary) -> Response {
    let (code, status, message) = if summary.status == ImportStatus::Error {
        (
            StatusCode::CONFLICT,
            "ERROR",
            "有冲突,未写入任何数据:请查看导入摘要",
        )
    } else if summary.import_options.dry_run {
        (StatusCode::OK, "OK", "试导入完成,未写入任何数据")
    } else {
        (StatusCode::OK, "OK", "导入成功")
    };
    let body = serde_json::json!({
        "httpStatus": if code == StatusCode::OK { "OK" } else { "Conflict" },
        "httpStatusCode": code.as_u16(),
        "status": status,
        "message": message,
        "response": summary,
    });
    (code, Json(body)).into_response()
}

#[utoipa::path(post, path = "/api/v1/exchange/dhis2/dataValueSets", tag = "exchange",
    params(
        ImportParams,
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    request_body(description = "DHIS2 dataValueSet:JSON,或 DHIS2 的 CSV(Content-Type: application/csv 或 text/csv;首行为表头时跳过)", content(
        (serde_json::Value = "application/json"),
        (String = "application/csv"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "已导入(全部或全不,已审计);dryRun 时只检查和计数(DHIS2 的 WebMessage 与导入摘要)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无填报权限,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "有冲突(未知的数据元素、组织机构、期间,超出本人范围,数值无效,已审核……):逐项列出,未写入任何数据(DHIS2 的 WebMessage 与导入摘要)", body = serde_json::Value),
        (status = 413, description = "请求体超过服务器的上限,未写入任何数据"),
        (status = 415, description = "Content-Type 不是 JSON 或 CSV", body = ErrorBody),
        (status = 422, description = "正文不是 dataValueSet 的 JSON 或 CSV,或参数无效", body = ErrorBody),
    ))]
async fn api_import(
    State(web): State<Shared>,
    who: Writer,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let q = pairs(raw)?;
    let strategy = match last(&q, "importStrategy") {
        Some(t) => t.parse().map_err(ApiError::invalid)?,
        None => Default::default(),
    };
    let options = Dhis2Import {
        schemes: schemes(&q)?,
        dry_run: flag(&q, "dryRun")?,
        strategy,
    };
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    let set: DataValueSet = if kind.contains("csv") {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::invalid("请求体无效:CSV 须为 UTF-8 编码"))?;
        match read_csv(text) {
            Ok(set) => set,
            Err(c) => return Err(ApiError::invalid(format!("请求体无效:{}", c.value))),
        }
    } else if kind.contains("json") {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid(format!("请求体无效:不是 dataValueSet 的 JSON:{e}")))?
    } else {
        return Ok((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Json(serde_json::json!({
                "error": "unsupported_media_type",
                "message": format!("Content-Type“{kind}”不受支持:请用 application/json 或 application/csv"),
                "details": [],
            })),
        )
            .into_response());
    };
    let summary = web
        .app
        .dhis2_import(&who.user.login, &set, options, None)
        .await?;
    Ok(web_message(summary))
}
