//! 公开发布与开放数据 — what anyone may read without signing in, and only what the office
//! published ([`crate::publication`]): the public dashboard `/public` (the seven domains,
//! the headline indicators' latest published figure, target, light and trend, the towns
//! compared, the projects' progress, the corrections' notes; server-rendered, no script,
//! readable on a phone), and the open data under `/open/v1`: every published figure as CSV
//! (UTF-8 with BOM), JSON and Excel per period, indicator and place with its metadata and
//! licence, a DCAT catalogue in JSON-LD, and an embeddable SVG chart per indicator.
//!
//! Cached: every answer is rendered once per set of published versions and served from
//! memory; whether anything changed is asked of the store (the audit head) at most once a
//! second, and at once after a publication through this server. Rate-limited per client
//! address ([`RateLimit`]): 429 with `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use youxiang_core::eval::Light;
use youxiang_core::period::Period;
use youxiang_core::publication::{
    LICENCE, LICENCE_EN, LICENCE_URL, LICENCE_ZH, OPEN_COLUMNS, OpenRow, Publication,
    PublicationRecord, PublishedFigure, latest, number, open_rows, rows_csv, trend,
};

use crate::Shared;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::layout::is_en;

#[derive(OpenApi)]
#[openapi(
    paths(
        public_page,
        catalog,
        period_file,
        indicator_file,
        indicator_chart,
        place_file
    ),
    components(schemas(OpenFiguresOut, OpenFigureOut))
)]
pub struct PublicDoc;

/// The public routes, each behind the per-address rate limit.
pub fn routes(web: Shared) -> Router<Shared> {
    Router::new()
        .route("/public", get(public_page))
        .route("/open/v1/catalog.jsonld", get(catalog))
        .route("/open/v1/{period}/{file}", get(period_file))
        .route("/open/v1/indicator/{code}", get(indicator_file))
        .route("/open/v1/indicator/{code}/chart.svg", get(indicator_chart))
        .route("/open/v1/place/{code}", get(place_file))
        .route("/open/v1/survey.json", get(crate::survey::open_survey_json))
        .route("/open/v1/survey.csv", get(crate::survey::open_survey_csv))
        .route(
            "/open/v1/circle.json",
            get(crate::circle_public::open_circle_json),
        )
        .route(
            "/open/v1/circle.csv",
            get(crate::circle_public::open_circle_csv),
        )
        .route_layer(axum::middleware::from_fn_with_state(web, limit))
}

/// Whether `path` is public (no user, no session is looked up for it).
pub fn is_public_path(path: &str) -> bool {
    path == "/public" || path.starts_with("/open/") || path.starts_with("/s/")
}

// ---- rate limit ----------------------------------------------------------------------

/// A token bucket per client address: `rate` requests a second on average, bursts of
/// `3 × rate`. A rate of 0 turns it off.
pub struct RateLimit {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// More addresses than this, and the full buckets are forgotten.
const MAX_ADDRESSES: usize = 100_000;

impl RateLimit {
    pub fn new(rate: u32) -> RateLimit {
        RateLimit {
            rate: rate as f64,
            burst: (rate as f64 * 3.0).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `ip` at `now`; refused: the whole seconds until one is back.
    pub fn check(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let Some(ip) = ip else { return Ok(()) };
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ADDRESSES && !map.contains_key(&ip) {
            let (rate, burst) = (self.rate, self.burst);
            map.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = map.entry(ip).or_insert((self.burst, now));
        let refilled = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * self.rate)
            .min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

pub(crate) async fn limit(State(web): State<Shared>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let ip = crate::auth::client_ip(&parts, &web.config);
    if let Err(secs) = web.public.limit.check(ip, Instant::now()) {
        return ApiError::Throttled(secs).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

// ---- the cache -----------------------------------------------------------------------

/// The published sets as last read, and the answers rendered from them.
pub struct Snapshot {
    stamp: String,
    records: Vec<PublicationRecord>,
    /// The latest published survey results and the circle's published versions, with the
    /// domains' (code, Chinese, English) and places' names they are shown with.
    extra: PublicExtra,
    rendered: Mutex<HashMap<String, (&'static str, Bytes)>>,
}

impl Snapshot {
    /// The versions in force, one per period, by period.
    fn current(&self) -> Vec<&Publication> {
        self.records.iter().filter_map(|r| r.current()).collect()
    }

    /// The latest published set: the metadata (indicators, places, domains) shown.
    fn newest(&self) -> Option<&Publication> {
        self.current()
            .into_iter()
            .max_by_key(|p| (p.published_on, p.period))
    }
}

/// What the public side keeps: the snapshot, when the store was last asked, the limit.
pub struct Public {
    snapshot: RwLock<Option<(Arc<Snapshot>, i64, Instant)>>,
    reload: tokio::sync::Mutex<()>,
    pub limit: RateLimit,
}

/// How long a snapshot is served before the store is asked whether anything changed.
const RECHECK: Duration = Duration::from_secs(1);
/// At most this many answers are kept per snapshot (every indicator and place in three
/// forms is far fewer).
const MAX_RENDERED: usize = 4096;

impl Public {
    pub fn new(rate: u32) -> Public {
        Public {
            snapshot: RwLock::new(None),
            reload: tokio::sync::Mutex::new(()),
            limit: RateLimit::new(rate),
        }
    }

    /// Forgets when the store was last asked: the next request asks (after a publication).
    pub fn invalidate(&self) {
        let mut s = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        if let Some((_, head, _)) = s.as_mut() {
            *head = -1;
        }
    }

    fn fresh(&self) -> Option<Arc<Snapshot>> {
        let s = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        match s.as_ref() {
            Some((snap, head, at)) if *head >= 0 && at.elapsed() < RECHECK => Some(snap.clone()),
            _ => None,
        }
    }
}

/// The snapshot to answer from: the kept one while fresh; else, when the store's audit
/// head moved, the published sets read again (a new snapshot only when they changed).
async fn snapshot(web: &Shared) -> ApiResult<Arc<Snapshot>> {
    if let Some(s) = web.public.fresh() {
        return Ok(s);
    }
    let _one = web.public.reload.lock().await;
    if let Some(s) = web.public.fresh() {
        return Ok(s);
    }
    let head = web.app.changes_seq().await?;
    let kept = web
        .public
        .snapshot
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let snap = match kept {
        Some((snap, h, _)) if h == head => snap,
        kept => {
            let records = web.app.publications().await?;
            let extra = public_extra(web).await?;
            let stamp = records
                .iter()
                .map(|r| format!("{}:{}", r.period, r.versions.len()))
                .chain(extra.survey.iter().map(|p| format!("survey:{}", p.round)))
                .chain(std::iter::once(format!(
                    "circle:{}",
                    extra.circle.versions.len()
                )))
                .collect::<Vec<_>>()
                .join(",");
            match kept {
                Some((snap, _, _)) if snap.stamp == stamp => snap,
                _ => Arc::new(Snapshot {
                    stamp,
                    records,
                    extra,
                    rendered: Mutex::new(HashMap::new()),
                }),
            }
        }
    };
    *web.public
        .snapshot
        .write()
        .unwrap_or_else(|e| e.into_inner()) = Some((snap.clone(), head, Instant::now()));
    Ok(snap)
}

/// The answer kept under `key`, else rendered once by `make` (`Ok(None)`: 404) and kept.
async fn cached(
    web: &Shared,
    key: &str,
    make: impl FnOnce(&Snapshot) -> ApiResult<Option<(&'static str, Vec<u8>)>>,
) -> ApiResult<Response> {
    let snap = snapshot(web).await?;
    let kept = snap
        .rendered
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .cloned();
    let (mime, body) = match kept {
        Some(k) => k,
        None => {
            let Some((mime, bytes)) = make(&snap)? else {
                return Err(ApiError::NotFound(format!("{key} 未发布")));
            };
            let body = Bytes::from(bytes);
            let mut map = snap.rendered.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() < MAX_RENDERED {
                map.insert(key.to_string(), (mime, body.clone()));
            }
            (mime, body)
        }
    };
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if key.starts_with("/open/") {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    } else {
        // The page's language is the `lang` cookie's: never a kept copy of the other one.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    }
    Ok(resp)
}

const CSV: &str = "text/csv; charset=utf-8";
const JSON: &str = "application/json";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const SVG: &str = "image/svg+xml";
const HTML: &str = "text/html; charset=utf-8";

/// `T01.csv` → (`T01`, `csv`).
fn split_file(file: &str) -> ApiResult<(&str, &str)> {
    match file.rsplit_once('.') {
        Some((name, ext @ ("csv" | "json" | "xlsx"))) if !name.is_empty() => Ok((name, ext)),
        _ => Err(ApiError::NotFound(format!(
            "{file}(应以 .csv、.json 或 .xlsx 结尾)"
        ))),
    }
}

/// One figure of the open data in JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenFigureOut {
    pub indicator: String,
    pub indicator_name: String,
    pub domain: String,
    pub place: String,
    pub place_name: String,
    pub period: String,
    pub value: f64,
    pub unit: String,
    /// The target as written (`(推算)`: derived from the plan's final target).
    pub target: String,
    pub target_derived: bool,
    /// `green`, `yellow`, `red`, `grey`.
    pub light: String,
    /// 统计口径.
    pub definition: String,
    /// 汇总方式.
    pub aggregation: String,
    /// 数据来源.
    pub source: String,
    pub lead_unit: String,
    pub published_version: u32,
    pub published_on: String,
    pub correction_note: String,
    pub licence: String,
}

/// Published figures with their metadata and licence.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenFiguresOut {
    pub licence: String,
    pub licence_url: String,
    /// The columns of the CSV and Excel forms: (Chinese name, field name).
    pub columns: Vec<(String, String)>,
    pub figures: Vec<OpenFigureOut>,
}

fn rows_json(rows: &[OpenRow]) -> ApiResult<Vec<u8>> {
    let out = OpenFiguresOut {
        licence: LICENCE.into(),
        licence_url: LICENCE_URL.into(),
        columns: OPEN_COLUMNS
            .iter()
            .map(|(zh, en)| (zh.to_string(), en.to_string()))
            .collect(),
        figures: rows
            .iter()
            .map(|r| OpenFigureOut {
                indicator: r.indicator.clone(),
                indicator_name: r.indicator_name.clone(),
                domain: r.domain.clone(),
                place: r.place.clone(),
                place_name: r.place_name.clone(),
                period: r.period.clone(),
                value: r.value,
                unit: r.unit.clone(),
                target: r.target.clone(),
                target_derived: r.target_derived,
                light: crate::text::light_str(r.light).into(),
                definition: r.definition.clone(),
                aggregation: r.aggregation.clone(),
                source: r.source.clone(),
                lead_unit: r.lead_unit.clone(),
                published_version: r.published_version,
                published_on: r.published_on.to_string(),
                correction_note: r.correction_note.clone(),
                licence: r.licence.into(),
            })
            .collect(),
    };
    serde_json::to_vec(&out).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The rows in the form `ext` names.
fn encode(rows: &[OpenRow], ext: &str) -> ApiResult<Option<(&'static str, Vec<u8>)>> {
    Ok(Some(match ext {
        "csv" => (CSV, rows_csv(rows).into_bytes()),
        "json" => (JSON, rows_json(rows)?),
        _ => (XLSX, youxiang_app::publication::open_xlsx(rows)?),
    }))
}

#[utoipa::path(get, path = "/open/v1/{period}/{file}", tag = "open",
    params(
        ("period" = String, Path, description = "已发布的期间,如 2024、2025Q2"),
        ("file" = String, Path, description = "figures.csv(UTF-8 带 BOM)、figures.json 或 figures.xlsx"),
    ),
    responses(
        (status = 200, description = "该期间发布(现行版本)的全部数据及元数据、许可", content(
            (OpenFiguresOut = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 404, description = "该期间未发布,或文件名不是 figures.csv/json/xlsx", body = ErrorBody),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
async fn period_file(
    State(web): State<Shared>,
    Path((period, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (name, ext) = split_file(&file)?;
    let period: Period = period
        .parse()
        .map_err(|_| ApiError::NotFound(format!("期间 {period}")))?;
    if name != "figures" {
        return Err(ApiError::NotFound(file));
    }
    let key = format!("/open/v1/{period}/figures.{ext}");
    cached(&web, &key, |s| {
        let Some(p) = s
            .records
            .iter()
            .find(|r| r.period == period)
            .and_then(|r| r.current())
        else {
            return Ok(None);
        };
        encode(&open_rows([p], |_| true), ext)
    })
    .await
}

#[utoipa::path(get, path = "/open/v1/indicator/{code}", tag = "open",
    params(("code" = String, Path, description = "指标代码加格式,如 T01.csv、T01.json、T01.xlsx")),
    responses(
        (status = 200, description = "该指标各期、各地已发布(现行版本)的数据及元数据", content(
            (OpenFiguresOut = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 404, description = "该指标没有已发布的数据,或格式不是 csv/json/xlsx", body = ErrorBody),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
async fn indicator_file(
    State(web): State<Shared>,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let (name, ext) = split_file(&code)?;
    let key = format!("/open/v1/indicator/{name}.{ext}");
    cached(&web, &key, |s| {
        let rows = open_rows(s.current(), |f| f.indicator == name);
        if rows.is_empty() {
            return Ok(None);
        }
        encode(&rows, ext)
    })
    .await
}

#[utoipa::path(get, path = "/open/v1/place/{code}", tag = "open",
    params(("code" = String, Path, description = "地区代码加格式,如 330902.csv、330902.json、330902.xlsx")),
    responses(
        (status = 200, description = "该地区各指标、各期已发布(现行版本)的数据及元数据", content(
            (OpenFiguresOut = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 404, description = "该地区没有已发布的数据,或格式不是 csv/json/xlsx", body = ErrorBody),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
async fn place_file(State(web): State<Shared>, Path(code): Path<String>) -> ApiResult<Response> {
    let (name, ext) = split_file(&code)?;
    let key = format!("/open/v1/place/{name}.{ext}");
    cached(&web, &key, |s| {
        let rows = open_rows(s.current(), |f| f.place == name);
        if rows.is_empty() {
            return Ok(None);
        }
        encode(&rows, ext)
    })
    .await
}

// ---- the chart -----------------------------------------------------------------------

/// A line of `points` (label, value) in a `w` × `h` box as SVG elements: the axis's two
/// ends labelled, every point a dot; with `labels`, each point's value above it.
fn line_svg(points: &[(String, f64)], w: f64, h: f64, labels: bool) -> String {
    let mut out = String::new();
    if points.is_empty() {
        return out;
    }
    let (pad_x, pad_top, pad_bottom) = if labels {
        (30.0, 24.0, 26.0)
    } else {
        (4.0, 4.0, 4.0)
    };
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    let (lo, hi) = if hi > lo {
        (lo - span * 0.1, hi + span * 0.1)
    } else {
        (lo - span * 0.5, hi + span * 0.5)
    };
    let n = points.len();
    let x = |i: usize| {
        if n == 1 {
            w / 2.0
        } else {
            pad_x + (w - 2.0 * pad_x) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| pad_top + (h - pad_top - pad_bottom) * (hi - v) / (hi - lo);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.1)))
        .collect();
    out.push_str(&format!(
        "<polyline fill=\"none\" stroke=\"#1d5fa8\" stroke-width=\"2\" points=\"{}\"/>",
        path.join(" ")
    ));
    for (i, p) in points.iter().enumerate() {
        out.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"#1d5fa8\"/>",
            x(i),
            y(p.1),
            if labels { 3 } else { 2 }
        ));
        if labels {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">{}</text>",
                x(i),
                y(p.1) - 7.0,
                esc(&number(p.1))
            ));
            if i == 0 || i + 1 == n || n <= 8 {
                out.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
                    x(i),
                    h - 8.0,
                    esc(&p.0)
                ));
            }
        }
    }
    out
}

/// XML/HTML text escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[utoipa::path(get, path = "/open/v1/indicator/{code}/chart.svg", tag = "open",
    params(("code" = String, Path, description = "指标代码,如 T01")),
    responses(
        (status = 200, description = "可嵌入的趋势图(SVG):全区各期已发布数值", content_type = "image/svg+xml", body = String),
        (status = 404, description = "该指标没有已发布的全区数据", body = ErrorBody),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
async fn indicator_chart(
    State(web): State<Shared>,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let key = format!("/open/v1/indicator/{code}/chart.svg");
    cached(&web, &key, |s| {
        let Some(newest) = s.newest() else {
            return Ok(None);
        };
        let Some(meta) = newest.indicator(&code) else {
            return Ok(None);
        };
        let root = newest
            .places
            .iter()
            .find(|p| p.parent.is_none() || newest.place(p.parent.as_deref().unwrap_or("")).is_none())
            .map(|p| (p.code.clone(), p.name.clone()))
            .unwrap_or_default();
        let current = s.current();
        let points: Vec<(String, f64)> = trend(&current, &code, &root.0)
            .into_iter()
            .map(|(p, v)| (p.label_zh(), v))
            .collect();
        if points.is_empty() {
            return Ok(None);
        }
        let title = format!("{} · {}({})", root.1, meta.name, meta.unit);
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"260\" viewBox=\"0 0 480 260\" role=\"img\" aria-labelledby=\"t\">\
             <title id=\"t\">{t}:{desc}</title>\
             <rect width=\"480\" height=\"260\" fill=\"#fff\"/>\
             <text x=\"8\" y=\"18\" font-size=\"13\" fill=\"#111\">{t}</text>\
             <g transform=\"translate(0,20)\">{line}</g>\
             <text x=\"472\" y=\"254\" font-size=\"9\" text-anchor=\"end\" fill=\"#555\">{lic}</text></svg>",
            t = esc(&title),
            desc = esc(
                &points
                    .iter()
                    .map(|(p, v)| format!("{p} {}", number(*v)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            line = line_svg(&points, 480.0, 220.0, true),
            lic = esc(&format!("已发布数据 · {LICENCE_ZH}")),
        );
        Ok(Some((SVG, svg.into_bytes())))
    })
    .await
}

// ---- the catalogue -------------------------------------------------------------------

#[utoipa::path(get, path = "/open/v1/catalog.jsonld", tag = "open",
    responses(
        (status = 200, description = "开放数据目录(DCAT,JSON-LD):每个已发布期间、每个指标、每个地区一个数据集及其下载地址",
            content_type = "application/ld+json", body = serde_json::Value),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
async fn catalog(State(web): State<Shared>) -> ApiResult<Response> {
    let (title, issuer) = {
        let s = web.app.read();
        (s.plan.name.clone(), s.plan.issuer.clone())
    };
    cached(&web, "/open/v1/catalog.jsonld", |s| {
        let dist = |base: &str| {
            [("csv", "text/csv"), ("json", JSON), ("xlsx", XLSX)]
                .iter()
                .map(|(ext, mime)| {
                    serde_json::json!({
                        "@type": "dcat:Distribution",
                        "dcat:downloadURL": format!("{base}.{ext}"),
                        "dcat:mediaType": mime,
                        "dct:license": LICENCE_URL,
                    })
                })
                .collect::<Vec<_>>()
        };
        let mut datasets = Vec::new();
        for r in &s.records {
            let Some(p) = r.current() else { continue };
            datasets.push(serde_json::json!({
                "@id": format!("/open/v1/{}/figures", p.period),
                "@type": "dcat:Dataset",
                "dct:identifier": p.period.to_string(),
                "dct:title": format!("{title} {} 公开数据", p.period.label_zh()),
                "dct:issued": r.versions.first().map(|v| v.published_on.to_string()),
                "dct:modified": p.published_on.to_string(),
                "owl:versionInfo": p.version.to_string(),
                "adms:versionNotes": p.note,
                "dct:temporal": {
                    "@type": "dct:PeriodOfTime",
                    "dcat:startDate": p.period.start().to_string(),
                    "dcat:endDate": p.period.end().to_string(),
                },
                "dct:license": LICENCE_URL,
                "dcat:distribution": dist(&format!("/open/v1/{}/figures", p.period)),
            }));
        }
        if let Some(newest) = s.newest() {
            let current = s.current();
            for i in &newest.indicators {
                if !current
                    .iter()
                    .any(|p| p.figures.iter().any(|f| f.indicator == i.code))
                {
                    continue;
                }
                let mut d = dist(&format!("/open/v1/indicator/{}", i.code));
                d.push(serde_json::json!({
                    "@type": "dcat:Distribution",
                    "dcat:downloadURL": format!("/open/v1/indicator/{}/chart.svg", i.code),
                    "dcat:mediaType": SVG,
                    "dct:license": LICENCE_URL,
                }));
                datasets.push(serde_json::json!({
                    "@id": format!("/open/v1/indicator/{}", i.code),
                    "@type": "dcat:Dataset",
                    "dct:identifier": i.code,
                    "dct:title": i.name,
                    "dct:description": i.definition,
                    "dcat:theme": i.domain,
                    "dct:publisher": { "@type": "foaf:Agent", "foaf:name": i.lead_unit },
                    "dct:source": i.source,
                    "dct:license": LICENCE_URL,
                    "dcat:distribution": d,
                }));
            }
            for pl in &newest.places {
                if !current
                    .iter()
                    .any(|p| p.figures.iter().any(|f| f.place == pl.code))
                {
                    continue;
                }
                datasets.push(serde_json::json!({
                    "@id": format!("/open/v1/place/{}", pl.code),
                    "@type": "dcat:Dataset",
                    "dct:identifier": pl.code,
                    "dct:title": format!("{} 公开数据", pl.name),
                    "dct:spatial": pl.name,
                    "dct:license": LICENCE_URL,
                    "dcat:distribution": dist(&format!("/open/v1/place/{}", pl.code)),
                }));
            }
        }
        let doc = serde_json::json!({
            "@context": {
                "dcat": "http://www.w3.org/ns/dcat#",
                "dct": "http://purl.org/dc/terms/",
                "foaf": "http://xmlns.com/foaf/0.1/",
                "owl": "http://www.w3.org/2002/07/owl#",
                "adms": "http://www.w3.org/ns/adms#",
            },
            "@id": "/open/v1/catalog.jsonld",
            "@type": "dcat:Catalog",
            "dct:title": format!("{title} 开放数据"),
            "dct:publisher": { "@type": "foaf:Agent", "foaf:name": issuer },
            "dct:license": LICENCE_URL,
            "dct:rights": format!("{LICENCE_ZH} / {LICENCE_EN}"),
            "dcat:dataset": datasets,
        });
        Ok(Some((
            "application/ld+json",
            serde_json::to_vec_pretty(&doc).map_err(|e| ApiError::Internal(e.to_string()))?,
        )))
    })
    .await
}

// ---- the dashboard -------------------------------------------------------------------

/// What `/public` shows besides the published figures.
struct PublicExtra {
    survey: Option<youxiang_app::survey_results::PublishedSurvey>,
    circle: youxiang_app::circle_publication::CirclePublicationRecord,
    domains: Vec<(String, String, String)>,
    places: HashMap<String, String>,
}

async fn public_extra(web: &Shared) -> ApiResult<PublicExtra> {
    let survey = web
        .app
        .latest_published_survey(web.app.today(), None)
        .await?;
    let circle = web.app.circle_publications().await?;
    let s = web.app.read();
    let domains = s
        .plan
        .domains
        .iter()
        .map(|d| (d.code.clone(), d.name.clone(), d.name_en.clone()))
        .collect();
    let places = survey
        .iter()
        .flat_map(|p| p.cells.iter().map(|c| c.place.clone()))
        .filter_map(|code| {
            let name = s.tree.by_code(&code)?.name.clone();
            Some((code, name))
        })
        .collect();
    Ok(PublicExtra {
        survey,
        circle,
        domains,
        places,
    })
}

struct HeadlineRow {
    code: String,
    name: String,
    value: String,
    period: String,
    target: String,
    light: Light,
    light_text: String,
    /// The trend's inline SVG (already escaped), empty with fewer than two figures.
    spark: String,
    spark_label: String,
}

struct DomainBlock {
    name: String,
    /// Lights at the district: green, yellow, red, grey.
    counts: [usize; 4],
    rows: Vec<HeadlineRow>,
}

struct TownRow {
    code: String,
    name: String,
    counts: [usize; 4],
}

struct ProjectRow {
    name: String,
    status: String,
    planned: String,
    completed: String,
    light: String,
}

struct NoteRow {
    period: String,
    version: u32,
    on: String,
    note: String,
}

struct PeriodLink {
    period: String,
    label: String,
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    en: bool,
    demo: bool,
    title: String,
    place: String,
    domains: Vec<DomainBlock>,
    towns: Vec<TownRow>,
    projects_total: String,
    projects: Vec<ProjectRow>,
    notes: Vec<NoteRow>,
    periods: Vec<PeriodLink>,
    licence: &'static str,
    licence_url: &'static str,
    survey: Option<crate::circle_public::SurveyPanel>,
    circle: Option<crate::circle_public::CirclePanel>,
}

impl PublicPage {
    fn light_class(&self, l: &Light) -> &'static str {
        crate::text::light_str(*l)
    }
}

fn light_text(l: Light, en: bool) -> String {
    let (icon, zh, e) = match l {
        Light::Green => ("●", "达标", "on track"),
        Light::Yellow => ("▲", "预警", "warning"),
        Light::Red => ("■", "滞后", "lagging"),
        Light::Grey => ("○", "无数据", "no data"),
    };
    format!("{icon} {}", if en { e } else { zh })
}

fn light_index(l: Light) -> usize {
    match l {
        Light::Green => 0,
        Light::Yellow => 1,
        Light::Red => 2,
        Light::Grey => 3,
    }
}

fn value_text(f: &PublishedFigure) -> String {
    // Two decimals on the page; the open data keeps every digit published.
    format!("{} {}", number((f.value * 100.0).round() / 100.0), f.unit)
        .trim()
        .to_string()
}

fn wan(v: f64, en: bool) -> String {
    if en {
        format!("{} × 10,000 yuan", number((v * 100.0).round() / 100.0))
    } else {
        format!("{} 万元", number((v * 100.0).round() / 100.0))
    }
}

/// The dashboard of `snap` in one language: what was published only.
fn dashboard(snap: &Snapshot, en: bool, demo: bool, place_name: &str) -> ApiResult<Vec<u8>> {
    let current = snap.current();
    let newest = snap.newest();
    let (root, towns): (Option<String>, Vec<(String, String)>) = match newest {
        Some(n) => {
            let root = n
                .places
                .iter()
                .find(|p| p.parent.as_deref().is_none_or(|pp| n.place(pp).is_none()))
                .map(|p| p.code.clone());
            let towns = n
                .places
                .iter()
                .filter(|p| p.parent.is_some() && p.parent == root)
                .map(|p| (p.code.clone(), p.name.clone()))
                .collect();
            (root, towns)
        }
        None => (None, Vec::new()),
    };
    let root = root.unwrap_or_default();
    let mut domains = Vec::new();
    if let Some(n) = newest {
        for d in &n.domains {
            let mut block = DomainBlock {
                name: if en && !d.name_en.is_empty() {
                    d.name_en.clone()
                } else {
                    d.name.clone()
                },
                counts: [0; 4],
                rows: Vec::new(),
            };
            for i in n
                .indicators
                .iter()
                .filter(|i| i.domain == d.code && i.headline)
            {
                let Some((f, _)) = latest(&current, &i.code, &root) else {
                    continue;
                };
                block.counts[light_index(f.light)] += 1;
                let points: Vec<(String, f64)> = trend(&current, &i.code, &root)
                    .into_iter()
                    .map(|(p, v)| (crate::text::period_label(&p, en), v))
                    .collect();
                let spark_label = points
                    .iter()
                    .map(|(p, v)| format!("{p} {}", number(*v)))
                    .collect::<Vec<_>>()
                    .join(if en { "; " } else { ";" });
                block.rows.push(HeadlineRow {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    value: value_text(f),
                    period: crate::text::period_label(&f.period, en),
                    target: if f.target.is_empty() {
                        "—".into()
                    } else {
                        f.target.clone()
                    },
                    light: f.light,
                    light_text: light_text(f.light, en),
                    spark: if points.len() >= 2 {
                        line_svg(&points, 120.0, 32.0, false)
                    } else {
                        String::new()
                    },
                    spark_label,
                });
            }
            if !block.rows.is_empty() {
                domains.push(block);
            }
        }
    }
    let mut town_rows = Vec::new();
    if let Some(n) = newest {
        for (code, name) in &towns {
            let mut counts = [0; 4];
            for i in n.indicators.iter().filter(|i| i.headline) {
                if let Some((f, _)) = latest(&current, &i.code, code) {
                    counts[light_index(f.light)] += 1;
                }
            }
            if counts.iter().sum::<usize>() > 0 {
                town_rows.push(TownRow {
                    code: code.clone(),
                    name: name.clone(),
                    counts,
                });
            }
        }
    }
    let with_projects = current
        .iter()
        .filter(|p| p.projects.is_some())
        .max_by_key(|p| (p.period.end(), p.published_on));
    let (projects_total, projects) = match with_projects.and_then(|p| p.projects.as_ref()) {
        Some(ps) => (
            {
                let goal = ps
                    .goal_wan
                    .map(|g| wan(g, en))
                    .unwrap_or_else(|| "—".into());
                if en {
                    format!(
                        "Invested through {}: {} of the plan's {} ({})",
                        ps.year,
                        wan(ps.completed_to_date_wan, en),
                        goal,
                        light_text(ps.light, en)
                    )
                } else {
                    format!(
                        "截至 {} 年累计完成投资 {},方案总投资 {}({})",
                        ps.year,
                        wan(ps.completed_to_date_wan, en),
                        goal,
                        light_text(ps.light, en)
                    )
                }
            },
            ps.projects
                .iter()
                .map(|p| ProjectRow {
                    name: p.name.clone(),
                    status: p.status.clone(),
                    planned: wan(p.planned_wan, en),
                    completed: p
                        .completed_wan
                        .map(|c| wan(c, en))
                        .unwrap_or_else(|| "—".into()),
                    light: p
                        .light
                        .map(|l| light_text(l, en))
                        .unwrap_or_else(|| "—".into()),
                })
                .collect(),
        ),
        None => (String::new(), Vec::new()),
    };
    let mut notes = Vec::new();
    for r in snap.records.iter().rev() {
        for v in r.versions.iter().rev().filter(|v| !v.note.is_empty()) {
            notes.push(NoteRow {
                period: crate::text::period_label(&v.period, en),
                version: v.version,
                on: v.published_on.to_string(),
                note: v.note.clone(),
            });
        }
    }
    let periods = snap
        .records
        .iter()
        .rev()
        .map(|r| PeriodLink {
            period: r.period.to_string(),
            label: crate::text::period_label(&r.period, en),
        })
        .collect();
    let page = PublicPage {
        en,
        demo,
        title: if en {
            format!("{place_name}: published figures")
        } else {
            format!("{place_name}公共服务“七优享”公开数据")
        },
        place: place_name.to_string(),
        domains,
        towns: town_rows,
        projects_total,
        projects,
        notes,
        periods,
        licence: if en { LICENCE_EN } else { LICENCE_ZH },
        licence_url: LICENCE_URL,
        survey: snap.extra.survey.as_ref().map(|p| {
            let places = &snap.extra.places;
            crate::circle_public::survey_panel(
                p,
                &snap.extra.domains,
                &|code: &str| {
                    places
                        .get(code)
                        .cloned()
                        .unwrap_or_else(|| code.to_string())
                },
                en,
            )
        }),
        circle: crate::circle_public::circle_panel(&snap.extra.circle, en),
    };
    let html = page
        .render()
        .map_err(|e| ApiError::Internal(format!("template: {e}")))?;
    Ok(crate::langmark::mark_chinese(html).into_bytes())
}

#[utoipa::path(get, path = "/public", tag = "open",
    responses(
        (status = 200, description = "公开页面(无需登录):只显示已发布的数据;中文,lang=en Cookie 时为英文", content_type = "text/html", body = String),
        (status = 429, description = "请求过于频繁(按来源地址限流),见 Retry-After", body = ErrorBody),
    ))]
async fn public_page(State(web): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let en = is_en(&headers);
    let demo = web.app.is_demo();
    let place_name = {
        let s = web.app.read();
        s.tree
            .id(&s.plan.place)
            .map(|id| s.tree.get(id).name.clone())
            .unwrap_or_default()
    };
    let key = format!("/public?en={en}&demo={demo}");
    cached(&web, &key, |s| {
        Ok(Some((HTML, dashboard(s, en, demo, &place_name)?)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_burst_then_waits() {
        let l = RateLimit::new(2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(l.check(Some(ip), t0).is_ok());
        }
        assert_eq!(l.check(Some(ip), t0), Err(1));
        assert!(l.check(Some(other), t0).is_ok(), "per address");
        assert!(l.check(Some(ip), t0 + Duration::from_millis(600)).is_ok());
        assert!(RateLimit::new(0).check(Some(ip), t0).is_ok(), "0: off");
    }

    #[test]
    fn file_names_carry_their_form() {
        assert_eq!(split_file("T01.csv").unwrap(), ("T01", "csv"));
        assert_eq!(split_file("K1.2a.json").unwrap(), ("K1.2a", "json"));
        assert!(split_file("T01.exe").is_err());
        assert!(split_file(".csv").is_err());
    }

    #[test]
    fn the_chart_is_escaped_svg() {
        let svg = line_svg(
            &[("2024年".into(), 1.0), ("<b>".into(), 2.5)],
            200.0,
            100.0,
            true,
        );
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains("2.5"));
        assert_eq!(line_svg(&[], 10.0, 10.0, false), "");
    }
}
