//! 弱有众扶 — the register of resources, the matching from the register and 公益点单/派单
//! (issue 16 points 3–4): `GET|POST /api/v1/assist/resources` (list; add or import a JSON
//! list, all or nothing), `POST /api/v1/assist/resources/import` (a CSV or xlsx file, faults
//! by row and column), `GET /api/v1/assist/resources/{id}`, `GET /api/v1/assist/match`
//! (the proposal: pairs and unmet needs with their reasons), `GET|POST
//! /api/v1/assist/orders` (list with the providers' record; issue the proposal's orders),
//! `GET|POST /api/v1/assist/orders/{id}` (one; accept, done, refuse); the pages
//! `/assist/resources` and `/assist/dispatch`. Place-scoped: another place's resource or
//! order is not found. No personal data: households by their register id only.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_core::assist::dispatch::{OrderAction, OrderState};
use youxiang_core::assist::register::Category;
use youxiang_core::assist::resources::{AssistResource, Proposal, ProviderKind};
use youxiang_core::labels::Labelled;
use youxiang_core::place::Level;

use crate::Shared;
use crate::auth::Authed;
use crate::download::file_response;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::text::labels;
use crate::uploads::{multipart_error, read_upload};

#[derive(OpenApi)]
#[openapi(
    paths(
        api_resources,
        api_add_resources,
        api_import_resources,
        api_resource,
        api_match,
        api_orders,
        api_issue_orders,
        api_order,
        api_act_order,
        api_order_done,
        api_order_file,
        api_put_resource,
        api_add_venture
    ),
    components(schemas(OrderDoneForm))
)]
pub struct AssistDispatchDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/assist/resources",
            get(api_resources).post(api_add_resources),
        )
        .route(
            "/api/v1/assist/resources/import",
            post(api_import_resources),
        )
        .route(
            "/api/v1/assist/resources/{id}",
            get(api_resource).put(api_put_resource),
        )
        .route("/api/v1/assist/ventures", post(api_add_venture))
        .route("/api/v1/assist/match", get(api_match))
        .route(
            "/api/v1/assist/orders",
            get(api_orders).post(api_issue_orders),
        )
        .route(
            "/api/v1/assist/orders/{id}",
            get(api_order).post(api_act_order),
        )
        .route("/api/v1/assist/orders/{id}/done", post(api_order_done))
        .route(
            "/api/v1/assist/orders/{id}/files/{sha256}",
            get(api_order_file),
        )
        .route("/assist/resources", get(resources_page).post(resource_post))
        .route("/assist/resources/import", post(resources_import_post))
        .route("/assist/resources/ventures", post(venture_post))
        .route("/assist/dispatch", get(dispatch_page).post(issue_post))
        .route("/assist/dispatch/{id}", post(order_post))
        .route("/assist/dispatch/{id}/done", post(order_done_post))
}

/// A place filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceQuery {
    /// A place's code: at it or below it; an unknown one answers 404.
    pub place: Option<String>,
}

/// The orders' filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// A place's code (the household's); an unknown one answers 404.
    pub place: Option<String>,
    /// `issued`, `accepted`, `done` or `refused` (or 待接单 …); an unknown one answers 404.
    pub state: Option<String>,
}

/// The matching's JSON: the same shape as `youxiang assist match --json`, with reasons.
pub fn proposal_json(p: &Proposal) -> serde_json::Value {
    serde_json::json!({
        "matched": p.pairs.len(),
        "total_distance_m": (p.total_distance_m * 1000.0).round() / 1000.0,
        "pairs": p.pairs.iter().map(|x| serde_json::json!({
            "need": x.need, "resource": x.resource,
            "distance_m": (x.distance_m * 1000.0).round() / 1000.0,
            "household": x.household, "place": x.place, "service": x.service,
            "resource_name": x.resource_name, "reason": x.reason_zh,
        })).collect::<Vec<_>>(),
        "unmatched": p.unmatched.iter().map(|x| serde_json::json!({
            "need": x.need, "reason": x.reason_zh, "code": x.code,
            "household": x.household, "place": x.place, "service": x.service,
        })).collect::<Vec<_>>(),
    })
}

fn state_of(s: Option<&str>) -> ApiResult<Option<OrderState>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|e: youxiang_core::labels::ParseLabelError| ApiError::NotFound(e.to_string())),
    }
}

fn place_of(p: &Option<String>) -> Option<&str> {
    p.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[utoipa::path(get, path = "/api/v1/assist/resources", tag = "assist", params(PlaceQuery),
    responses(
        (status = 200, description = "帮扶资源(政府救助责任清单与社会力量帮扶清单)及公益创投项目 {resources, ventures}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用帮扶资源清单", body = ErrorBody),
        (status = 404, description = "没有这个地点", body = ErrorBody),
    ))]
async fn api_resources(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<PlaceQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let list = web
        .app
        .assist_resources(&who.user.login, place_of(&q.place))
        .await?;
    let ventures = web.app.assist_ventures(&who.user.login).await?;
    Ok(Json(
        serde_json::json!({ "resources": list, "ventures": ventures }),
    ))
}

#[utoipa::path(post, path = "/api/v1/assist/resources", tag = "assist",
    request_body(content = serde_json::Value, description = "一个资源,或 {resources: [...], ventures: [...]}(全部或全不):资源 {id, name, kind(department|charity|volunteers|enterprise|station), service, place, lon, lat, radius_m, capacity, frequency, categories, active};公益创投项目 {id, name, organisation, place, year, status(running|closed|stopped)}"),
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已登记 {resources, ventures}(条数)", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "地点不在本人辖区,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 422, description = "数据无效(逐条列出),未写入", body = ErrorBody),
    ))]
async fn api_add_resources(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let bad = |e: serde_json::Error| ApiError::invalid(format!("数据无效:{e}"));
    let (resources, ventures): (
        Vec<AssistResource>,
        Vec<youxiang_core::assist::resources::VentureProject>,
    ) = if body.get("resources").is_some() || body.get("ventures").is_some() {
        (
            serde_json::from_value(body.get("resources").cloned().unwrap_or_default())
                .or_else(|e| {
                    if body.get("resources").is_none() {
                        Ok(Vec::new())
                    } else {
                        Err(e)
                    }
                })
                .map_err(bad)?,
            match body.get("ventures") {
                Some(v) => serde_json::from_value(v.clone()).map_err(bad)?,
                None => Vec::new(),
            },
        )
    } else {
        (vec![serde_json::from_value(body).map_err(bad)?], Vec::new())
    };
    let r = web
        .app
        .import_assist_resources(&who.user.login, resources)
        .await?;
    let v = if ventures.is_empty() {
        0
    } else {
        web.app
            .import_assist_ventures(&who.user.login, ventures)
            .await?
    };
    Ok(Json(serde_json::json!({ "resources": r, "ventures": v })))
}

#[utoipa::path(post, path = "/api/v1/assist/resources/import", tag = "assist",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = crate::uploads::UploadForm, content_type = "multipart/form-data",
        description = "帮扶资源清单:CSV(UTF-8 或 GBK)或 Excel,列 id,name,kind,service,place,lon,lat,radius_m,capacity,frequency,categories,active"),
    responses(
        (status = 200, description = "已导入(全部或全不){resources}", body = serde_json::Value),
        (status = 400, description = "不是 multipart/form-data 请求"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "文件中有资源不在本人辖区,或 CSRF 令牌无效", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 413, description = "请求体超过服务器的上传上限,未写入任何数据", body = ErrorBody),
        (status = 422, description = "文件有错误:逐行逐列列出,未写入任何数据", body = ErrorBody),
    ))]
async fn api_import_resources(
    State(web): State<Shared>,
    who: Writer,
    mp: Multipart,
) -> ApiResult<Json<serde_json::Value>> {
    let (name, bytes, _) = read_upload(mp, web.config.body_limit).await?;
    let n = web
        .app
        .import_assist_resources_file(&who.user.login, &bytes, &name)
        .await?;
    Ok(Json(serde_json::json!({ "resources": n })))
}

#[utoipa::path(get, path = "/api/v1/assist/resources/{id}", tag = "assist",
    params(("id" = String, Path, description = "资源编号")),
    responses(
        (status = 200, description = "一个帮扶资源", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用帮扶资源清单", body = ErrorBody),
        (status = 404, description = "没有这个资源,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_resource(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let e = web.app.assist_resource(&who.user.login, &id).await?;
    Ok(Json(serde_json::to_value(e).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/assist/match", tag = "assist", params(PlaceQuery),
    responses(
        (status = 200, description = "从名册匹配的方案(最优:满足需求最多、总距离最短;符合服务对象类别):{matched, total_distance_m, pairs: [{need, resource, distance_m, reason…}], unmatched: [{need, reason, code…}]};已派单的需求不在其中", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这个地点", body = ErrorBody),
    ))]
async fn api_match(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<PlaceQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let p = web
        .app
        .assist_proposal(&who.user.login, place_of(&q.place))
        .await?;
    Ok(Json(proposal_json(&p)))
}

#[utoipa::path(get, path = "/api/v1/assist/orders", tag = "assist", params(OrdersQuery),
    responses(
        (status = 200, description = "派单 {orders: [… due, overdue, response_hours], providers: [各提供方的派单数、拒绝数、逾期数、平均响应小时]}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这个地点或状态", body = ErrorBody),
    ))]
async fn api_orders(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let state = state_of(q.state.as_deref())?;
    let orders = web
        .app
        .assist_orders(&who.user.login, place_of(&q.place), state)
        .await?;
    let providers = web.app.assist_providers(&who.user.login).await?;
    Ok(Json(
        serde_json::json!({ "orders": orders, "providers": providers }),
    ))
}

#[utoipa::path(post, path = "/api/v1/assist/orders", tag = "assist",
    request_body(content = serde_json::Value, description = "{place?(地点代码), needs?([需求编号 户编号#服务])}:把本人辖区内匹配方案的配对派单"),
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已派出的单 {orders}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这个地点", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 422, description = "数据无效", body = ErrorBody),
    ))]
async fn api_issue_orders(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let place = body
        .get("place")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let needs: Option<Vec<String>> = body.get("needs").and_then(|v| v.as_array()).map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    });
    let orders = web
        .app
        .issue_assist_orders(&who.user.login, place_of(&place), needs.as_deref(), false)
        .await?;
    Ok(Json(serde_json::json!({ "orders": orders })))
}

#[utoipa::path(get, path = "/api/v1/assist/orders/{id}", tag = "assist",
    params(("id" = String, Path, description = "派单编号")),
    responses(
        (status = 200, description = "一张派单", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这张派单,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_order(
    State(web): State<Shared>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let e = web.app.assist_order(&who.user.login, &id).await?;
    Ok(Json(serde_json::to_value(e).unwrap_or_default()))
}

#[utoipa::path(post, path = "/api/v1/assist/orders/{id}", tag = "assist",
    params(
        ("id" = String, Path, description = "派单编号"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    request_body(content = serde_json::Value, description = "{action: accept|done|refuse, date(完成日期,done 时), evidence(完成凭证,done 时), reason(拒绝原因,refuse 时), version?}"),
    responses(
        (status = 200, description = "{order, reissued(拒绝后重新匹配派出的新单), unmet(无可派时的原因)}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这张派单,或不在本人辖区", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 422, description = "当前状态不能这样操作,或缺少原因、凭证、日期", body = ErrorBody),
    ))]
async fn api_act_order(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let s = |k: &str| {
        body.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    // Unknown orders answer 404 before the body is judged.
    web.app.assist_order(&who.user.login, &id).await?;
    let action = action_of(&s("action"), &s("date"), &s("evidence"), &s("reason"))?;
    let version = body.get("version").and_then(|v| v.as_i64());
    let out = web
        .app
        .act_on_assist_order(&who.user.login, &id, action, version)
        .await?;
    Ok(Json(serde_json::to_value(out).unwrap_or_default()))
}

/// An order done, with its evidence files.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct OrderDoneForm {
    /// 完成日期, e.g. 2025-10-15 (not before the order, not after today).
    #[schema(format = Date)]
    pub date: String,
    /// 完成凭证: what was done (text, required).
    pub evidence: String,
    /// The version read (optional).
    pub version: Option<i64>,
    /// Evidence files: photos (JPG, PNG) or PDF, judged by their content; at most 3, each
    /// at most 5 MB (repeat the field for several; none is fine).
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub file: Option<Vec<Vec<u8>>>,
}

/// A done form's fields and files (multipart).
struct DoneForm {
    fields: std::collections::HashMap<String, String>,
    files: Vec<(String, Vec<u8>)>,
}

impl DoneForm {
    fn get(&self, k: &str) -> String {
        self.fields
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }
}

async fn read_done_form(mut mp: Multipart, body_limit: usize) -> ApiResult<DoneForm> {
    let mut out = DoneForm {
        fields: Default::default(),
        files: Vec::new(),
    };
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            // A browser sends an empty part with `filename=""` when no file was chosen.
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(e, body_limit))?;
            if !bytes.is_empty() {
                out.files.push((file_name, bytes.to_vec()));
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| multipart_error(e, body_limit))?;
            out.fields.insert(name, text);
        }
    }
    Ok(out)
}

#[utoipa::path(post, path = "/api/v1/assist/orders/{id}/done", tag = "assist",
    params(
        ("id" = String, Path, description = "派单编号"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    request_body(content = OrderDoneForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "已登记完成(证明材料与派单同一事务保存,已审计):{order, reissued, unmet}", body = serde_json::Value),
        (status = 400, description = "不是 multipart/form-data 请求"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色只读或不使用困难群众名册,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这张派单,或不在本人辖区", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 413, description = "上传内容超过服务器的上限,未写入", body = ErrorBody),
        (status = 422, description = "当前状态不能登记完成,缺少日期或凭证,或证明材料不是照片/PDF、超过5 MB、多于3个(逐项列出)", body = ErrorBody),
    ))]
async fn api_order_done(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    mp: Multipart,
) -> ApiResult<Json<serde_json::Value>> {
    // Unknown orders answer 404 before the body is judged.
    web.app.assist_order(&who.user.login, &id).await?;
    let form = read_done_form(mp, web.config.body_limit).await?;
    let action = action_of("done", &form.get("date"), &form.get("evidence"), "")?;
    let version = form.get("version").parse::<i64>().ok();
    let out = web
        .app
        .act_on_assist_order_with_files(&who.user.login, &id, action, version, form.files)
        .await?;
    Ok(Json(serde_json::to_value(out).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/assist/orders/{id}/files/{sha256}", tag = "assist",
    params(
        ("id" = String, Path, description = "派单编号"),
        ("sha256" = String, Path, description = "证明材料的 SHA-256(64 位十六进制)"),
    ),
    responses(
        (status = 200, description = "证明材料(照片或 PDF)", content_type = "application/octet-stream"),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人角色不使用困难群众名册", body = ErrorBody),
        (status = 404, description = "没有这张派单或这个文件,或不在本人辖区", body = ErrorBody),
    ))]
async fn api_order_file(
    State(web): State<Shared>,
    who: Authed,
    Path((id, sha)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (name, mime, bytes) = web
        .app
        .assist_order_file(&who.user.login, &id, &sha)
        .await?;
    let kind = if mime == "application/pdf" || mime.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    Ok(file_response(&mime, kind, &name, bytes))
}

#[utoipa::path(put, path = "/api/v1/assist/resources/{id}", tag = "assist",
    request_body(content = serde_json::Value, description = "修改一个资源:{name, kind(department|charity|volunteers|enterprise|station), service, place, lon, lat, radius_m, capacity, frequency, categories, active, version(读到的版本,必填)}"),
    params(
        ("id" = String, Path, description = "资源编号"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已保存(已审计,随即重新计算 K7.3a–c),返回这个资源", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人只读,资源或新地点不在本人辖区(区级资源只可查看),政府救助责任清单只由区民政局登记,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "没有这个资源,或不在本人辖区", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 422, description = "请求体不是所述 JSON,缺少 version,或内容有误(逐项列出)", body = ErrorBody),
    ))]
async fn api_put_resource(
    State(web): State<Shared>,
    who: Writer,
    Path(id): Path<String>,
    JsonBody(mut body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    // Unknown (or another town's) resources answer 404 before the body is judged.
    web.app.assist_resource(&who.user.login, &id).await?;
    let version = body
        .get("version")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| ApiError::invalid("缺少 version(读到的版本)"))?;
    if let Some(o) = body.as_object_mut() {
        o.remove("version");
        o.remove("list");
        o.insert("id".into(), serde_json::Value::String(id));
    }
    let r: AssistResource =
        serde_json::from_value(body).map_err(|e| ApiError::invalid(format!("资源无法读取:{e}")))?;
    let saved = web
        .app
        .save_assist_resource(&who.user.login, r, Some(version))
        .await?;
    Ok(Json(serde_json::to_value(saved).unwrap_or_default()))
}

#[utoipa::path(post, path = "/api/v1/assist/ventures", tag = "assist",
    request_body(content = serde_json::Value, description = "一个公益创投项目:{id, name, organisation, place, year, status(running|closed|stopped)};修改时另带 version(读到的版本)"),
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已登记(已审计,随即重新计算 K7.3b),返回这个项目", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "本人只读,或地点不在本人辖区,或 CSRF 校验失败", body = ErrorBody),
        (status = 404, description = "要修改的项目不存在,或不在本人辖区", body = ErrorBody),
        (status = 409, description = "已被他人修改", body = ErrorBody),
        (status = 422, description = "请求体不是所述 JSON,或内容有误(逐项列出)", body = ErrorBody),
    ))]
async fn api_add_venture(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(mut body): JsonBody<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    let version = body.get("version").and_then(serde_json::Value::as_i64);
    if let Some(o) = body.as_object_mut() {
        o.remove("version");
    }
    let p: youxiang_core::assist::resources::VentureProject = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid(format!("公益创投项目无法读取:{e}")))?;
    let saved = web
        .app
        .save_assist_venture(&who.user.login, p, version)
        .await?;
    Ok(Json(serde_json::to_value(saved).unwrap_or_default()))
}

fn action_of(action: &str, date: &str, evidence: &str, reason: &str) -> ApiResult<OrderAction> {
    match action.trim() {
        "accept" => Ok(OrderAction::Accept),
        "refuse" => Ok(OrderAction::Refuse {
            reason: reason.to_string(),
        }),
        "done" => {
            let date: NaiveDate = date
                .trim()
                .parse()
                .map_err(|_| ApiError::invalid("完成日期(date):请填写日期(如 2025-10-15)"))?;
            Ok(OrderAction::Done {
                date,
                evidence: evidence.to_string(),
            })
        }
        _ => Err(ApiError::invalid("操作应为 accept、done 或 refuse")),
    }
}

// ------------------------------------------------------------------------------ pages

fn tr(c: &Chrome, zh: &str, en: &str) -> String {
    if c.en { en } else { zh }.to_string()
}

fn place_names(web: &Shared) -> std::collections::HashMap<String, String> {
    web.app
        .read()
        .tree
        .places()
        .iter()
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect()
}

fn towns(web: &Shared) -> Vec<(String, String)> {
    web.app
        .read()
        .tree
        .places()
        .iter()
        .filter(|p| p.level == Level::Town)
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect()
}

fn km(c: &Chrome, m: f64) -> String {
    format!("{:.2}{}", m / 1000.0, if c.en { " km" } else { " 公里" })
}

struct ResourceRow {
    id: String,
    name: String,
    list: String,
    kind: String,
    service: String,
    place: String,
    capacity: String,
    radius: String,
    categories: String,
    active: String,
    /// Whether the reader may change it (its own places).
    editable: bool,
}

/// The resource form's values (empty for a new one).
#[derive(Default)]
struct ResourceForm {
    id: String,
    name: String,
    kind: String,
    service: String,
    place: String,
    lon: String,
    lat: String,
    radius_m: String,
    capacity: String,
    frequency: String,
    categories: Vec<String>,
    active: bool,
    /// The version read when editing; 0 for a new one.
    version: i64,
}

struct VentureRow {
    id: String,
    name: String,
    organisation: String,
    year: String,
    status: String,
}

#[derive(Template)]
#[template(path = "assist_resources.html")]
struct ResourcesPage {
    c: Chrome,
    title: String,
    notice: String,
    rows: Vec<ResourceRow>,
    ventures: Vec<VentureRow>,
    kinds: Vec<(&'static str, String)>,
    /// Code, label, ticked.
    categories: Vec<(&'static str, String, bool)>,
    towns: Vec<(String, String)>,
    form: ResourceForm,
    statuses: Vec<(&'static str, String)>,
    this_year: i32,
    /// Where a 公益创投项目 may be registered: the district (its 民政) and the towns.
    venture_places: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    place: Option<String>,
    ok: Option<String>,
    /// `/assist/resources?edit=R-001`: the form filled with that resource.
    edit: Option<String>,
}

async fn resources_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/resources");
    let list = web
        .app
        .assist_resources(&who.user.login, place_of(&q.place))
        .await
        .map_err(|e| c.error(e))?;
    let ventures = web
        .app
        .assist_ventures(&who.user.login)
        .await
        .map_err(|e| c.error(e))?;
    let names = place_names(&web);
    let en = c.en;
    let form = match q.edit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => ResourceForm {
            active: true,
            ..Default::default()
        },
        Some(id) => {
            let e = web
                .app
                .assist_resource(&who.user.login, id)
                .await
                .map_err(|e| c.error(e))?;
            let r = e.resource;
            // Six decimals of a degree are about 0.1 m: enough, and no float noise.
            let opt = |v: Option<f64>| {
                v.map(|x| {
                    let s = format!("{x:.6}");
                    s.trim_end_matches('0').trim_end_matches('.').to_string()
                })
                .unwrap_or_default()
            };
            ResourceForm {
                id: r.id,
                name: r.name,
                kind: r.kind.code().to_string(),
                service: r.service,
                place: r.place,
                lon: opt(r.lon),
                lat: opt(r.lat),
                radius_m: r.radius_m.to_string(),
                capacity: r.capacity.to_string(),
                frequency: r.frequency,
                categories: r.categories.iter().map(|x| x.code().to_string()).collect(),
                active: r.active,
                version: e.version,
            }
        }
    };
    let rows = list
        .iter()
        .map(|e| {
            let r = &e.resource;
            ResourceRow {
                editable: web.app.may_edit_assist_at(&who.user.login, &r.place),
                id: r.id.clone(),
                name: r.name.clone(),
                list: if en {
                    e.list.label_en()
                } else {
                    e.list.label_zh()
                }
                .to_string(),
                kind: if en {
                    r.kind.label_en()
                } else {
                    r.kind.label_zh()
                }
                .to_string(),
                service: r.service.clone(),
                place: names
                    .get(&r.place)
                    .cloned()
                    .unwrap_or_else(|| r.place.clone()),
                capacity: format!(
                    "{}{}",
                    r.capacity,
                    if en { " per period" } else { " 户次/期" }
                ),
                radius: km(&c, r.radius_m),
                categories: if r.categories.is_empty() {
                    tr(&c, "全部类别", "all categories")
                } else {
                    r.categories
                        .iter()
                        .map(|x| if en { x.label_en() } else { x.label_zh() })
                        .collect::<Vec<_>>()
                        .join("、")
                },
                active: if r.active {
                    tr(&c, "在用", "active")
                } else {
                    tr(&c, "停用", "inactive")
                },
            }
        })
        .collect();
    let ventures = ventures
        .iter()
        .map(|v| VentureRow {
            id: v.project.id.clone(),
            name: v.project.name.clone(),
            organisation: v.project.organisation.clone(),
            year: format!("{}{}", v.project.year, if en { "" } else { "年" }),
            status: if en {
                v.project.status.label_en()
            } else {
                v.project.status.label_zh()
            }
            .to_string(),
        })
        .collect();
    let page = ResourcesPage {
        title: tr(&c, "帮扶资源清单", "Assistance resources"),
        notice: q.ok.unwrap_or_default(),
        rows,
        ventures,
        kinds: labels::<ProviderKind>(en),
        categories: labels::<Category>(en)
            .into_iter()
            .map(|(code, label)| (code, label, form.categories.iter().any(|x| x == code)))
            .collect(),
        towns: resource_places(&web, &who.user.login, &form.place),
        form,
        statuses: labels::<youxiang_core::assist::resources::ProjectStatus>(en),
        this_year: chrono::Datelike::year(&web.app.today()),
        venture_places: {
            let district = web.app.read().plan.place.clone();
            let mut v = resource_places(&web, &who.user.login, "");
            if web.app.may_edit_assist_at(&who.user.login, &district) {
                let name = place_names(&web)
                    .get(&district)
                    .cloned()
                    .unwrap_or_else(|| district.clone());
                v.insert(0, (district, name));
            }
            v
        },
        c,
    };
    Ok(render(&page))
}

async fn resource_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/resources");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    // The fault is a short message; the page's error response is built where it is met.
    let num = |k: &str| -> Result<Option<f64>, String> {
        let t = get(k);
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<f64>()
            .map(Some)
            .map_err(|_| format!("“{t}”不是数"))
    };
    let bad = |m: String| c.error(ApiError::invalid(m));
    let kind: ProviderKind =
        get("kind")
            .parse()
            .map_err(|e: youxiang_core::labels::ParseLabelError| {
                c.error(ApiError::invalid(e.to_string()))
            })?;
    let categories: Vec<Category> = form
        .iter()
        .filter(|(k, _)| k == "categories")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let version = get("version").parse::<i64>().ok().filter(|v| *v > 0);
    let r = AssistResource {
        id: get("id"),
        name: get("name"),
        kind,
        service: get("service"),
        place: get("place"),
        lon: num("lon").map_err(bad)?,
        lat: num("lat").map_err(bad)?,
        radius_m: num("radius_m").map_err(bad)?.unwrap_or(0.0),
        capacity: num("capacity").map_err(bad)?.unwrap_or(0.0).max(0.0) as u32,
        frequency: get("frequency"),
        categories,
        // A new resource serves at once; an edit says whether it still does.
        active: version.is_none() || get("active") == "on",
        demo: false,
    };
    web.app
        .save_assist_resource(&who.user.login, r, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to("/assist/resources", &tr(&c, "已保存", "Saved")))
}

/// The places a resource may be registered at by `login`: the towns in its places, and
/// the place being edited when it is none of them (a village).
fn resource_places(web: &Shared, login: &str, current: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = towns(web)
        .into_iter()
        .filter(|(code, _)| web.app.may_edit_assist_at(login, code))
        .collect();
    if !current.is_empty() && !out.iter().any(|(code, _)| code == current) {
        let name = place_names(web)
            .get(current)
            .cloned()
            .unwrap_or_else(|| current.to_string());
        out.insert(0, (current.to_string(), name));
    }
    out
}

async fn venture_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/resources");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let year: i32 = get("year").parse().map_err(|_| {
        c.error(ApiError::invalid(format!(
            "立项年份(year):“{}”不是年份,应为 2024 这样的四位数",
            get("year")
        )))
    })?;
    let status = get("status")
        .parse()
        .map_err(|e: youxiang_core::labels::ParseLabelError| {
            c.error(ApiError::invalid(format!("状态(status):{e}")))
        })?;
    let p = youxiang_core::assist::resources::VentureProject {
        id: get("id"),
        name: get("name"),
        organisation: get("organisation"),
        place: get("place"),
        year,
        status,
        demo: false,
    };
    web.app
        .save_assist_venture(&who.user.login, p, None)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/assist/resources",
        &tr(&c, "已登记公益创投项目", "Project saved"),
    ))
}

async fn resources_import_post(
    State(web): State<Shared>,
    who: PageUser,
    mp: Multipart,
) -> PageResult {
    let c = who.chrome(&web, "/assist/resources");
    let (name, bytes, csrf) = read_upload(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    who.check_csrf(csrf.as_deref()).map_err(|e| c.error(e))?;
    let n = web
        .app
        .import_assist_resources_file(&who.user.login, &bytes, &name)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/assist/resources",
        &if c.en {
            format!("{name}: {n} resources imported")
        } else {
            format!("{name}:已导入 {n} 个资源")
        },
    ))
}

struct PairRow {
    household: String,
    place: String,
    service: String,
    resource: String,
    distance: String,
    reason: String,
}

struct UnmetRow {
    household: String,
    place: String,
    service: String,
    reason: String,
}

struct OrderRow {
    id: String,
    household: String,
    place: String,
    service: String,
    resource: String,
    state: String,
    open: bool,
    accepted: bool,
    issued: String,
    due: String,
    overdue: bool,
    detail: String,
    /// Evidence files: link, name and size.
    files: Vec<(String, String)>,
    version: i64,
}

struct ProviderRow {
    name: String,
    orders: String,
    accepted: String,
    done: String,
    refused: String,
    overdue: String,
    response: String,
}

#[derive(Template)]
#[template(path = "assist_dispatch.html")]
struct DispatchPage {
    c: Chrome,
    title: String,
    notice: String,
    towns: Vec<(String, String)>,
    sel_place: String,
    matched: usize,
    total: String,
    pairs: Vec<PairRow>,
    unmet: Vec<UnmetRow>,
    orders: Vec<OrderRow>,
    providers: Vec<ProviderRow>,
    today: String,
}

async fn dispatch_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/dispatch");
    let place = place_of(&q.place);
    let login = &who.user.login;
    let p = web
        .app
        .assist_proposal(login, place)
        .await
        .map_err(|e| c.error(e))?;
    let orders = web
        .app
        .assist_orders(login, place, None)
        .await
        .map_err(|e| c.error(e))?;
    let providers = web
        .app
        .assist_providers(login)
        .await
        .map_err(|e| c.error(e))?;
    let names = place_names(&web);
    let pn = |p: &str| names.get(p).cloned().unwrap_or_else(|| p.to_string());
    let en = c.en;
    let pairs = p
        .pairs
        .iter()
        .map(|x| PairRow {
            household: x.household.clone(),
            place: pn(&x.place),
            service: x.service.clone(),
            resource: x.resource_name.clone(),
            distance: km(&c, x.distance_m),
            reason: if en {
                x.reason_en.clone()
            } else {
                x.reason_zh.clone()
            },
        })
        .collect();
    let unmet = p
        .unmatched
        .iter()
        .map(|x| UnmetRow {
            household: x.household.clone(),
            place: pn(&x.place),
            service: x.service.clone(),
            reason: if en {
                x.reason_en.clone()
            } else {
                x.reason_zh.clone()
            },
        })
        .collect();
    let orders = orders
        .iter()
        .map(|e| {
            let o = &e.order;
            let detail = match o.state {
                OrderState::Done => format!(
                    "{} {}",
                    o.done_on.map(|d| d.to_string()).unwrap_or_default(),
                    o.evidence
                ),
                OrderState::Refused => o.refuse_reason.clone(),
                _ => String::new(),
            };
            OrderRow {
                id: o.id.clone(),
                household: o.household.clone(),
                place: pn(&o.place),
                service: o.service.clone(),
                resource: o.resource_name.clone(),
                state: if en {
                    o.state.label_en()
                } else {
                    o.state.label_zh()
                }
                .to_string(),
                open: o.state.is_open(),
                accepted: o.state == OrderState::Accepted,
                issued: o.issued_at.format("%Y-%m-%d %H:%M").to_string(),
                due: e.due.map(|d| d.to_string()).unwrap_or_default(),
                overdue: e.overdue,
                detail,
                files: o
                    .files
                    .iter()
                    .map(|f| {
                        (
                            format!(
                                "/api/v1/assist/orders/{}/files/{}",
                                crate::download::pct(&o.id),
                                f.sha256
                            ),
                            format!("{}({:.1} KB)", f.name, f.size as f64 / 1024.0),
                        )
                    })
                    .collect(),
                version: e.version,
            }
        })
        .collect();
    let count = |n: usize| format!("{n}{}", if en { "" } else { " 单" });
    let providers = providers
        .iter()
        .map(|s| ProviderRow {
            name: s.name.clone(),
            orders: count(s.orders),
            accepted: count(s.accepted),
            done: count(s.done),
            refused: count(s.refused),
            overdue: count(s.overdue),
            response: s
                .mean_response_hours
                .map(|h| format!("{h:.1}{}", if en { " h" } else { " 小时" }))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let page = DispatchPage {
        title: tr(&c, "智能匹配与公益派单", "Matching and dispatch"),
        notice: q.ok.unwrap_or_default(),
        towns: towns(&web),
        sel_place: place.unwrap_or_default().to_string(),
        matched: p.pairs.len(),
        total: km(&c, p.total_distance_m),
        pairs,
        unmet,
        orders,
        providers,
        today: web.app.today().to_string(),
        c,
    };
    Ok(render(&page))
}

async fn issue_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/dispatch");
    check_form(&c, &who, &form)?;
    let place = field(&form, "place")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let n = web
        .app
        .issue_assist_orders(&who.user.login, place, None, false)
        .await
        .map_err(|e| c.error(e))?
        .len();
    Ok(back_to(
        "/assist/dispatch",
        &if c.en {
            format!("{n} orders issued")
        } else {
            format!("已派单 {n} 张")
        },
    ))
}

async fn order_done_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/dispatch");
    let form = read_done_form(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    let csrf = form.fields.get("csrf").cloned();
    who.check_csrf(csrf.as_deref()).map_err(|e| c.error(e))?;
    let action =
        action_of("done", &form.get("date"), &form.get("evidence"), "").map_err(|e| c.error(e))?;
    let version = form.get("version").parse::<i64>().ok();
    let n = form.files.len();
    web.app
        .act_on_assist_order_with_files(&who.user.login, &id, action, version, form.files)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/assist/dispatch",
        &if c.en {
            format!("Saved as done ({n} evidence file(s))")
        } else {
            format!("已登记完成(证明材料 {n} 个)")
        },
    ))
}

async fn order_post(
    State(web): State<Shared>,
    who: PageUser,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/dispatch");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let action = action_of(
        &get("action"),
        &get("date"),
        &get("evidence"),
        &get("reason"),
    )
    .map_err(|e| c.error(e))?;
    let version = get("version").parse::<i64>().ok();
    let out = web
        .app
        .act_on_assist_order(&who.user.login, &id, action, version)
        .await
        .map_err(|e| c.error(e))?;
    let msg = match (&out.reissued, &out.unmet) {
        (Some(n), _) => tr(
            &c,
            &format!("已保存;已重新匹配并派单给{}", n.order.resource_name),
            &format!("Saved; matched again and sent to {}", n.order.resource_name),
        ),
        (None, Some(u)) => tr(
            &c,
            &format!("已保存;重新匹配未找到资源:{}", u.reason_zh),
            &format!("Saved; no other resource: {}", u.reason_en),
        ),
        _ => tr(&c, "已保存", "Saved"),
    };
    Ok(back_to("/assist/dispatch", &msg))
}
