//! 设施名录 — the register of facilities: `GET /api/v1/facilities` (filter by type and
//! place), `GET`/`PUT /api/v1/facilities/{code}` (the facility with its audited history; a
//! change quotes the version read, none adds), `POST /api/v1/facilities/import` (CSV, xlsx
//! or GeoJSON; all or nothing), `GET /api/v1/facilities.xlsx`; the page `/facilities` with
//! the list, a map of the points on the towns' boundaries (`static/facilities.js`), the
//! add/edit form and the import form. Scoped like figures: a town edits its own.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::facilities::{FacilityFilter, RegisteredFacility};
use youxiang_core::facilities::{
    Capacity, CapacityUnit, Facility, FacilityStatus, FacilityType, Location,
};
use youxiang_core::labels::Labelled;
use youxiang_core::place::Level;

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Fields, PageResult, back_to, check_form, field, render};
use crate::text::labels;
use crate::uploads::read_upload;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(OpenApi)]
#[openapi(
    paths(
        api_facilities,
        api_facility,
        api_put_facility,
        api_facilities_import,
        api_facilities_xlsx
    ),
    components(schemas(
        FacilitiesOut,
        FacilityOut,
        FacilityDetailOut,
        FacilityChangeOut,
        FacilityIn,
        FacilitiesImportedOut
    ))
)]
pub struct FacilitiesDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/facilities", get(api_facilities))
        .route("/api/v1/facilities.xlsx", get(api_facilities_xlsx))
        .route("/api/v1/facilities/import", post(api_facilities_import))
        .route(
            "/api/v1/facilities/{code}",
            get(api_facility).put(api_put_facility),
        )
        .route("/facilities", get(facilities_page).post(facilities_post))
        .route("/facilities/import", post(facilities_import_post))
}

/// One facility of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityOut {
    /// The key (1–32 letters, digits, `-`, `_`).
    pub code: String,
    pub name: String,
    /// The type's code (`kindergarten`, `canteen`, …).
    #[serde(rename = "type")]
    pub facility_type: String,
    /// The type in Chinese (幼儿园, 幸福食堂, …).
    pub type_zh: String,
    /// The facility type of the 15-minute engine's profiles it counts as, if any.
    pub access_type: Option<String>,
    /// The place's code.
    pub place: String,
    pub place_name: String,
    /// WGS84 longitude, degrees.
    pub lon: Option<f64>,
    /// WGS84 latitude, degrees.
    pub lat: Option<f64>,
    pub capacity: Option<u32>,
    /// The capacity's unit code (`places`, `seats`, `beds`, `meals`, `people`, `square_metres`).
    pub capacity_unit: Option<String>,
    /// `planned`, `open` or `closed`.
    pub status: String,
    pub status_zh: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub opened: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub closed: Option<NaiveDate>,
    /// The catalogue item codes it delivers.
    pub items: Vec<String>,
    pub source: String,
    pub note: String,
    /// The version a change must quote.
    pub version: i64,
    /// Whether the signed-in user may change it.
    pub editable: bool,
}

fn facility_out(web: &Shared, login: &str, r: RegisteredFacility) -> FacilityOut {
    let f = r.facility;
    let place_name = web
        .app
        .read()
        .tree
        .by_code(&f.place)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    FacilityOut {
        editable: web.app.may_edit_facility_at(login, &f.place),
        facility_type: f.facility_type.code().into(),
        type_zh: f.facility_type.label_zh().into(),
        access_type: f.facility_type.access_type().map(String::from),
        place_name,
        lon: f.location.map(|l| l.lon),
        lat: f.location.map(|l| l.lat),
        capacity: f.capacity.map(|c| c.amount),
        capacity_unit: f.capacity.map(|c| c.unit.code().to_string()),
        status: f.status.code().into(),
        status_zh: f.status.label_zh().into(),
        opened: f.opened,
        closed: f.closed,
        code: f.code,
        name: f.name,
        place: f.place,
        items: f.items,
        source: f.source,
        note: f.note,
        version: r.version,
    }
}

/// The register, filtered.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilitiesOut {
    pub facilities: Vec<FacilityOut>,
}

/// One change of a facility in the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityChangeOut {
    /// UTC.
    pub at: String,
    pub actor: String,
    /// `facility.add` or `facility.edit`.
    pub action: String,
    pub note: Option<String>,
}

/// A facility with its audited history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityDetailOut {
    pub facility: FacilityOut,
    pub history: Vec<FacilityChangeOut>,
}

/// A facility to add or change (its code is the path's).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilityIn {
    pub name: String,
    /// A type's code or Chinese name (`kindergarten`, 幼儿园 …).
    #[serde(rename = "type")]
    pub facility_type: String,
    /// The place's code (or its unique name).
    pub place: String,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Default: the type's usual unit.
    #[serde(default)]
    pub capacity_unit: Option<String>,
    /// `planned` (default), `open` or `closed`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub opened: Option<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub closed: Option<NaiveDate>,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
    /// The version read, to change a facility; absent to add one.
    #[serde(default)]
    pub version: Option<i64>,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilitiesImportedOut {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// The list's filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FacilitiesQuery {
    /// A type's code or Chinese name; an unknown one answers 404.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub facility_type: Option<String>,
    /// A place's code: facilities at it or below it; an unknown one answers 404.
    pub place: Option<String>,
}

fn parse_type(t: &str) -> Result<FacilityType, ApiError> {
    t.parse::<FacilityType>()
        .map_err(|e| ApiError::invalid(format!("type:{e}")))
}

fn filter_of(facility_type: Option<&str>, place: Option<&str>) -> Result<FacilityFilter, ApiError> {
    let facility_type = match facility_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            t.parse::<FacilityType>()
                .map_err(|_| ApiError::NotFound(format!("设施类型“{t}”")))?,
        ),
    };
    Ok(FacilityFilter {
        facility_type,
        place: place
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from),
    })
}

fn facility_of(code: String, b: FacilityIn) -> Result<(Facility, Option<i64>), ApiError> {
    let facility_type = parse_type(&b.facility_type)?;
    let location = match (b.lon, b.lat) {
        (Some(lon), Some(lat)) => Some(Location { lon, lat }),
        (None, None) => None,
        _ => return Err(ApiError::invalid("lon、lat:经度和纬度须同时给出")),
    };
    let capacity = match b.capacity {
        None => None,
        Some(amount) => Some(Capacity {
            amount,
            unit: match b.capacity_unit.as_deref().map(str::trim) {
                None | Some("") => facility_type.usual_capacity_unit(),
                Some(u) => u
                    .parse::<CapacityUnit>()
                    .map_err(|e| ApiError::invalid(format!("capacity_unit:{e}")))?,
            },
        }),
    };
    let status = match b.status.as_deref().map(str::trim) {
        None | Some("") => FacilityStatus::default(),
        Some(s) => s
            .parse::<FacilityStatus>()
            .map_err(|e| ApiError::invalid(format!("status:{e}")))?,
    };
    Ok((
        Facility {
            code,
            name: b.name,
            facility_type,
            place: b.place,
            location,
            capacity,
            status,
            opened: b.opened,
            closed: b.closed,
            items: b.items,
            source: b.source,
            note: b.note,
        },
        b.version,
    ))
}

#[utoipa::path(get, path = "/api/v1/facilities", tag = "facilities", params(FacilitiesQuery),
    responses(
        (status = 200, description = "设施名录(按地点、编码排列)", body = FacilitiesOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "没有这个设施类型或地点", body = ErrorBody),
    ))]
async fn api_facilities(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<FacilitiesQuery>,
) -> ApiResult<Json<FacilitiesOut>> {
    let filter = filter_of(q.facility_type.as_deref(), q.place.as_deref())?;
    let list = web.app.facilities(&who.user.login, &filter).await?;
    Ok(Json(FacilitiesOut {
        facilities: list
            .into_iter()
            .map(|r| facility_out(&web, &who.user.login, r))
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/facilities/{code}", tag = "facilities",
    params(("code" = String, Path, description = "设施编码")),
    responses(
        (status = 200, description = "设施及其变更记录(审计)", body = FacilityDetailOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "没有这个设施", body = ErrorBody),
    ))]
async fn api_facility(
    State(web): State<Shared>,
    who: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<FacilityDetailOut>> {
    let f = web.app.facility(&who.user.login, &code).await?;
    let history = web.app.facility_history(&who.user.login, &code).await?;
    Ok(Json(FacilityDetailOut {
        facility: facility_out(&web, &who.user.login, f),
        history: history
            .into_iter()
            .map(|h| FacilityChangeOut {
                at: h.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                actor: h.actor,
                action: h.action,
                note: h.reason,
            })
            .collect(),
    }))
}

#[utoipa::path(put, path = "/api/v1/facilities/{code}", tag = "facilities", request_body = FacilityIn,
    params(
        ("code" = String, Path, description = "设施编码(1–32 位字母、数字、- 或 _)"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已保存(已审计)", body = FacilityOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "设施所在地点不在本人范围内,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "要修改的设施不存在", body = ErrorBody),
        (status = 409, description = "版本冲突:他人已修改,或新增的设施已存在", body = ErrorBody),
        (status = 422, description = "编码、名称、类型、地点、经纬度、状态或日期无效(逐项列出)", body = ErrorBody),
    ))]
async fn api_put_facility(
    State(web): State<Shared>,
    who: Writer,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<FacilityIn>,
) -> ApiResult<Json<FacilityOut>> {
    let (facility, version) = facility_of(code, body)?;
    let saved = web
        .app
        .save_facility(&who.user.login, facility, version)
        .await?;
    Ok(Json(facility_out(&web, &who.user.login, saved)))
}

#[utoipa::path(post, path = "/api/v1/facilities/import", tag = "facilities",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = crate::uploads::UploadForm, content_type = "multipart/form-data",
        description = "设施名录:CSV(UTF-8 或 GBK)、Excel 或 GeoJSON(点要素);已登记的编码按文件内容更新"),
    responses(
        (status = 200, description = "已导入(全部或全不)", body = FacilitiesImportedOut),
        (status = 400, description = "不是 multipart/form-data 请求"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "文件中有设施不在本人范围内,或 CSRF 令牌无效", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 413, description = "请求体超过服务器的上传上限,未写入任何数据", body = ErrorBody),
        (status = 422, description = "文件有错误:逐行(或逐个要素)列出,未写入任何数据", body = ErrorBody),
    ))]
async fn api_facilities_import(
    State(web): State<Shared>,
    who: Writer,
    mp: Multipart,
) -> ApiResult<Json<FacilitiesImportedOut>> {
    let (name, bytes, _) = read_upload(mp, web.config.body_limit).await?;
    let done = web
        .app
        .import_facilities_file(&who.user.login, &bytes, &name)
        .await?;
    Ok(Json(FacilitiesImportedOut {
        added: done.added,
        changed: done.changed,
        unchanged: done.unchanged,
    }))
}

#[utoipa::path(get, path = "/api/v1/facilities.xlsx", tag = "facilities", params(FacilitiesQuery),
    responses(
        (status = 200, description = "设施名录 Excel(可原样导入)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "没有这个设施类型或地点", body = ErrorBody),
    ))]
async fn api_facilities_xlsx(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<FacilitiesQuery>,
) -> ApiResult<Response> {
    let filter = filter_of(q.facility_type.as_deref(), q.place.as_deref())?;
    let bytes = web.app.facilities_xlsx(&who.user.login, &filter).await?;
    Ok(file_response(XLSX, "attachment", "设施名录.xlsx", bytes))
}

// ---- the page ----

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(rename = "type")]
    facility_type: Option<String>,
    place: Option<String>,
    edit: Option<String>,
    ok: Option<String>,
    /// The table's page, from 1.
    page: Option<usize>,
}

/// Rows of the table per page (the map shows every facility of the filter).
const PAGE_ROWS: usize = 100;

struct Row {
    code: String,
    name: String,
    type_label: String,
    place: String,
    capacity: String,
    status: String,
    opened: String,
    items: String,
    editable: bool,
}

/// A point of the map.
#[derive(Serialize)]
struct MapPoint {
    name: String,
    kind: String,
    status: String,
    value: [f64; 2],
}

/// The spec `static/facilities.js` draws: the district whose boundaries are the ground, the
/// points (`status` `open`, `planned` or `closed` picks the colour) and the texts, each
/// `(English, Chinese)`: the note without JavaScript, then the three series' names.
pub(crate) fn map_spec<P: Serialize>(
    district: &str,
    points: &[P],
    en: bool,
    [no_js, open, planned, closed]: [(&str, &str); 4],
) -> String {
    let pick = |(e, z): (&str, &str)| if en { e.to_string() } else { z.to_string() };
    serde_json::json!({
        "district": district,
        "points": points,
        "text": {
            "no_echarts": pick(no_js),
            "failed": pick(("The town boundaries could not be loaded: ", "镇(街道)边界未能载入:")),
            "approximate": pick(("Approximate town boundaries, not legal ones", "镇(街道)边界为示意,非法定界线")),
            "open": pick(open), "planned": pick(planned), "closed": pick(closed),
        },
    })
    .to_string()
}

#[derive(Template)]
#[template(path = "facilities.html")]
struct FacilitiesPage {
    c: crate::layout::Chrome,
    title: String,
    notice: String,
    rows: Vec<Row>,
    /// Facilities of the filter, the table's page of them and the neighbouring pages' links.
    total: usize,
    page_no: usize,
    pages: usize,
    first: usize,
    prev: Option<String>,
    next: Option<String>,
    types: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    units: Vec<(&'static str, String)>,
    towns: Vec<(String, String)>,
    /// The places the user may register a facility at (code, name with its town).
    places: Vec<(String, String)>,
    sel_type: String,
    sel_place: String,
    export_query: String,
    map: String,
    unlocated: usize,
    /// The form: the facility edited (empty code: a new one).
    form: FormView,
    can_edit: bool,
}

#[derive(Default)]
struct FormView {
    code: String,
    name: String,
    facility_type: String,
    place: String,
    lon: String,
    lat: String,
    capacity: String,
    capacity_unit: String,
    status: String,
    opened: String,
    closed: String,
    items: String,
    source: String,
    note: String,
    version: String,
}

async fn facilities_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/facilities");
    let en = c.en;
    // A town's or a village's user opens on their own town (全部 in the filter shows all).
    let place = match &q.place {
        Some(p) => Some(p.clone()),
        None => own_town(&web, &who.user),
    };
    let filter = filter_of(q.facility_type.as_deref(), place.as_deref()).map_err(|e| c.error(e))?;
    let list = web
        .app
        .facilities(&who.user.login, &filter)
        .await
        .map_err(|e| c.error(e))?;
    let login = who.user.login.clone();
    let (towns, places, district, names) = {
        let state = web.app.read();
        let tree = &state.tree;
        let towns: Vec<(String, String)> = tree
            .places()
            .iter()
            .filter(|p| p.level == Level::Town)
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect();
        let district = tree
            .roots()
            .next()
            .map(|r| tree.get(r).code.clone())
            .unwrap_or_default();
        let names: std::collections::HashMap<String, String> = tree
            .places()
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect();
        let places: Vec<(String, String)> = tree
            .ids()
            .filter(|id| {
                let p = tree.get(*id);
                matches!(p.level, Level::Town | Level::Village)
            })
            .map(|id| (tree.get(id).code.clone(), tree.path_names(id)))
            .collect();
        (towns, places, district, names)
    };
    let places: Vec<(String, String)> = places
        .into_iter()
        .filter(|(code, _)| web.app.may_edit_facility_at(&login, code))
        .collect();
    let edited = match q.edit.as_deref() {
        Some(code) => list
            .iter()
            .find(|r| r.facility.code == code)
            .cloned()
            .or(web.app.facility(&login, code).await.ok()),
        None => None,
    };
    let form = match &edited {
        Some(r) => {
            let f = &r.facility;
            FormView {
                code: f.code.clone(),
                name: f.name.clone(),
                facility_type: f.facility_type.code().into(),
                place: f.place.clone(),
                lon: f.location.map(|l| l.lon.to_string()).unwrap_or_default(),
                lat: f.location.map(|l| l.lat.to_string()).unwrap_or_default(),
                capacity: f.capacity.map(|c| c.amount.to_string()).unwrap_or_default(),
                capacity_unit: f.capacity.map(|c| c.unit.code().into()).unwrap_or_default(),
                status: f.status.code().into(),
                opened: f.opened.map(|d| d.to_string()).unwrap_or_default(),
                closed: f.closed.map(|d| d.to_string()).unwrap_or_default(),
                items: f.items.join(","),
                source: f.source.clone(),
                note: f.note.clone(),
                version: r.version.to_string(),
            }
        }
        None => FormView {
            status: FacilityStatus::Planned.code().into(),
            ..FormView::default()
        },
    };
    let points: Vec<MapPoint> = list
        .iter()
        .filter_map(|r| {
            let f = &r.facility;
            f.location.map(|l| MapPoint {
                name: f.name.clone(),
                kind: if en {
                    f.facility_type.label_en()
                } else {
                    f.facility_type.label_zh()
                }
                .into(),
                status: f.status.code().into(),
                value: [l.lon, l.lat],
            })
        })
        .collect();
    let unlocated = list.len() - points.len();
    let map = map_spec(
        &district,
        &points,
        en,
        [
            (
                "The map needs JavaScript; the table below lists every facility.",
                "地图需要浏览器脚本;下表列出全部设施。",
            ),
            ("open", "运行中"),
            ("planned", "规划中"),
            ("closed", "已关闭"),
        ],
    );
    let mut export = Vec::new();
    if let Some(t) = filter.facility_type {
        export.push(format!("type={}", t.code()));
    }
    if let Some(p) = &filter.place {
        export.push(format!("place={p}"));
    }
    let can_edit = !places.is_empty();
    let pages = list.len().div_ceil(PAGE_ROWS).max(1);
    let page_no = q.page.unwrap_or(1).clamp(1, pages);
    let page_link = |n: usize| {
        let mut query = vec![format!("page={n}")];
        if let Some(t) = filter.facility_type {
            query.push(format!("type={}", t.code()));
        }
        query.push(format!("place={}", filter.place.as_deref().unwrap_or("")));
        format!("/facilities?{}", query.join("&"))
    };
    let prev = (page_no > 1).then(|| page_link(page_no - 1));
    let next = (page_no < pages).then(|| page_link(page_no + 1));
    let total = list.len();
    let first = (page_no - 1) * PAGE_ROWS;
    let page = FacilitiesPage {
        title: if en {
            "Facilities".into()
        } else {
            "设施名录".into()
        },
        notice: q.ok.unwrap_or_default(),
        total,
        page_no,
        pages,
        first: first + 1,
        prev,
        next,
        rows: list
            .iter()
            .skip(first)
            .take(PAGE_ROWS)
            .map(|r| {
                let f = &r.facility;
                Row {
                    code: f.code.clone(),
                    name: f.name.clone(),
                    type_label: if en {
                        f.facility_type.label_en()
                    } else {
                        f.facility_type.label_zh()
                    }
                    .into(),
                    place: names
                        .get(&f.place)
                        .cloned()
                        .unwrap_or_else(|| f.place.clone()),
                    capacity: f
                        .capacity
                        .map(|c| {
                            format!(
                                "{} {}",
                                c.amount,
                                if en {
                                    c.unit.label_en()
                                } else {
                                    c.unit.label_zh()
                                }
                            )
                        })
                        .unwrap_or_default(),
                    status: if en {
                        f.status.label_en()
                    } else {
                        f.status.label_zh()
                    }
                    .into(),
                    opened: f.opened.map(|d| d.to_string()).unwrap_or_default(),
                    items: f.items.join("、"),
                    editable: web.app.may_edit_facility_at(&login, &f.place),
                }
            })
            .collect(),
        types: labels::<FacilityType>(en),
        statuses: labels::<FacilityStatus>(en),
        units: labels::<CapacityUnit>(en),
        towns,
        places,
        sel_type: filter
            .facility_type
            .map(|t| t.code().to_string())
            .unwrap_or_default(),
        sel_place: filter.place.clone().unwrap_or_default(),
        export_query: export.join("&"),
        map,
        unlocated,
        form,
        can_edit,
        c,
    };
    Ok(render(&page))
}

/// The town of a user whose scope is one town or one place within a town; `None` for
/// those who see the whole district.
fn own_town(web: &Shared, user: &youxiang_core::scope::Reporter) -> Option<String> {
    if user.role.sees_all_units() {
        return None;
    }
    let [code] = user.scope.places.as_slice() else {
        return None;
    };
    let state = web.app.read();
    let tree = &state.tree;
    let id = tree.id(code)?;
    std::iter::once(id)
        .chain(tree.ancestors(id))
        .map(|p| tree.get(p))
        .find(|p| p.level == Level::Town)
        .map(|p| p.code.clone())
}

async fn facilities_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/facilities");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let opt_num = |k: &str| -> Result<Option<f64>, ApiError> {
        match get(k).as_str() {
            "" => Ok(None),
            v => v
                .parse::<f64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(format!("{k}:“{v}”不是数字"))),
        }
    };
    let opt_date = |k: &str| -> Result<Option<NaiveDate>, ApiError> {
        match get(k).as_str() {
            "" => Ok(None),
            v => v
                .parse::<NaiveDate>()
                .map(Some)
                .map_err(|_| ApiError::invalid(format!("{k}:“{v}”不是日期,应写作 2025-06-30"))),
        }
    };
    let version = match get("version").as_str() {
        "" => None,
        v => Some(
            v.parse::<i64>()
                .map_err(|_| c.error(ApiError::invalid(format!("版本“{v}”无效"))))?,
        ),
    };
    let capacity = match get("capacity").as_str() {
        "" => None,
        v => Some(
            v.parse::<u32>()
                .map_err(|_| c.error(ApiError::invalid(format!("容量“{v}”应为非负整数"))))?,
        ),
    };
    let body = FacilityIn {
        name: get("name"),
        facility_type: get("type"),
        place: get("place"),
        lon: opt_num("lon").map_err(|e| c.error(e))?,
        lat: opt_num("lat").map_err(|e| c.error(e))?,
        capacity,
        capacity_unit: Some(get("capacity_unit")),
        status: Some(get("status")),
        opened: opt_date("opened").map_err(|e| c.error(e))?,
        closed: opt_date("closed").map_err(|e| c.error(e))?,
        items: get("items")
            .split([',', ',', ';', ';', '、'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        source: get("source"),
        note: get("note"),
        version,
    };
    let (facility, version) = facility_of(get("code"), body).map_err(|e| c.error(e))?;
    let saved = web
        .app
        .save_facility(&who.user.login, facility, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/facilities",
        &if c.en {
            format!("Saved: {}", saved.facility.name)
        } else {
            format!("已保存:{}", saved.facility.name)
        },
    ))
}

async fn facilities_import_post(
    State(web): State<Shared>,
    who: PageUser,
    mp: Multipart,
) -> PageResult {
    let c = who.chrome(&web, "/facilities");
    let (name, bytes, csrf) = read_upload(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    who.check_csrf(csrf.as_deref()).map_err(|e| c.error(e))?;
    let done = web
        .app
        .import_facilities_file(&who.user.login, &bytes, &name)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/facilities",
        &if c.en {
            format!(
                "{name}: {} added, {} changed, {} unchanged",
                done.added, done.changed, done.unchanged
            )
        } else {
            format!(
                "{name}:新增 {} 个,修改 {} 个,未变 {} 个",
                done.added, done.changed, done.unchanged
            )
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(t: &str) -> FacilityIn {
        FacilityIn {
            name: "甲".into(),
            facility_type: t.into(),
            place: "330902001".into(),
            lon: Some(122.1),
            lat: None,
            capacity: Some(30),
            capacity_unit: None,
            status: None,
            opened: None,
            closed: None,
            items: vec![],
            source: String::new(),
            note: String::new(),
            version: None,
        }
    }

    #[test]
    fn a_request_names_its_bad_field() {
        assert!(
            matches!(facility_of("X1".into(), body("体育馆")), Err(ApiError::Invalid(m)) if m[0].starts_with("type"))
        );
        assert!(
            matches!(facility_of("X1".into(), body("幼儿园")), Err(ApiError::Invalid(m)) if m[0].contains("lon"))
        );
        let mut ok = body("幼儿园");
        ok.lat = Some(30.0);
        let (f, v) = facility_of("X1".into(), ok).unwrap();
        assert_eq!(v, None);
        assert_eq!(f.capacity.unwrap().unit, CapacityUnit::Seats);
        assert!(matches!(
            filter_of(Some("nope"), None),
            Err(ApiError::NotFound(_))
        ));
    }
}
