//! The places: `GET /api/v1/places` — the tree of the district, its towns and villages,
//! whole or below one place to a depth.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::text::code_of;

#[derive(OpenApi)]
#[openapi(paths(places), components(schemas(PlaceOut)))]
pub struct PlacesDoc;

pub fn routes() -> Router<Shared> {
    Router::new().route("/api/v1/places", get(places))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceOut {
    pub code: String,
    pub name: String,
    /// `province`, `city`, `county`, `town`, `village`, `other`.
    pub level: String,
    pub level_zh: String,
    pub parent: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// Resident population by year (persons).
    pub population: BTreeMap<String, f64>,
    /// Codes of the places directly below.
    pub children: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesQuery {
    /// Only this place and its subtree.
    pub under: Option<String>,
    /// How many levels below `under` (0 = the place only).
    #[param(minimum = 0, maximum = 100)]
    pub depth: Option<u8>,
}

#[utoipa::path(get, path = "/api/v1/places", tag = "plan", params(PlacesQuery),
    responses(
        (status = 200, description = "地点(区、镇街、村社区)", body = Vec<PlaceOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn places(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<PlacesQuery>,
) -> ApiResult<Json<Vec<PlaceOut>>> {
    if q.depth.is_some_and(|d| d > 100) {
        return Err(ApiError::invalid("depth 应在 0 到 100 之间"));
    }
    let state = web.app.read();
    let tree = &state.tree;
    let ids: Vec<_> = match &q.under {
        Some(code) => {
            let root = tree
                .id(code)
                .ok_or_else(|| ApiError::NotFound(format!("地点“{code}”")))?;
            let base = tree.depth(root);
            tree.subtree(root)
                .into_iter()
                .filter(|id| {
                    q.depth
                        .is_none_or(|d| tree.depth(*id) - base <= u16::from(d))
                })
                .collect()
        }
        None => tree.ids().collect(),
    };
    Ok(Json(
        ids.into_iter()
            .map(|id| {
                let p = tree.get(id);
                PlaceOut {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    level: code_of(&p.level),
                    level_zh: p.level.label_zh().into(),
                    parent: p.parent.clone(),
                    lon: p.lon,
                    lat: p.lat,
                    population: p
                        .population
                        .iter()
                        .map(|(y, n)| (y.to_string(), *n))
                        .collect(),
                    children: tree
                        .children(id)
                        .iter()
                        .map(|c| tree.get(*c).code.clone())
                        .collect(),
                }
            })
            .collect(),
    ))
}
