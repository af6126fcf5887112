//! The static files embedded in the binary: the style sheet, the chart and menu scripts, and the
//! pinned JavaScript libraries (htmx, ECharts) copied from npm at build time (`build.rs`).

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::Shared;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/static/app.css",
            get(|| asset("text/css", include_bytes!("../static/app.css"))),
        )
        .route(
            "/static/menu.js",
            get(|| asset("text/javascript", include_bytes!("../static/menu.js"))),
        )
        .route(
            "/static/facilities.js",
            get(|| asset("text/javascript", include_bytes!("../static/facilities.js"))),
        )
        .route(
            "/static/charts.js",
            get(|| asset("text/javascript", include_bytes!("../static/charts.js"))),
        )
        .route(
            "/static/htmx.min.js",
            get(|| {
                asset(
                    "text/javascript",
                    include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js")),
                )
            }),
        )
        .route(
            "/static/echarts.min.js",
            get(|| {
                asset(
                    "text/javascript",
                    include_bytes!(concat!(env!("OUT_DIR"), "/echarts.min.js")),
                )
            }),
        )
}

pub(crate) async fn asset(kind: &'static str, bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        bytes,
    )
        .into_response()
}
