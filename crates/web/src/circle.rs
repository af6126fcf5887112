//! 15分钟公共服务圈 — the circle inside the platform: `GET /api/v1/circle` (the kept
//! coverage per town and village, per type and for the basket, the gap points, with its
//! inputs, day and basis), `GET /api/v1/circle/sites` (greedy siting suggestions per town
//! for one type); the page `/circle` (coverage tables, the gap map drawn by
//! `static/facilities.js`, siting suggestions, the basis — 路网 with its source and day, or
//! 直线估算 — and the OpenStreetMap credit).

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi};
use youxiang_app::circle::{CircleResult, OSM_CREDIT, engine_types};

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PageUser};
use crate::layout::{PageResult, render};

#[derive(OpenApi)]
#[openapi(paths(api_circle, api_circle_sites))]
pub struct CircleDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/circle", get(api_circle))
        .route("/api/v1/circle/sites", get(api_circle_sites))
        .route("/circle", get(circle_page))
        .merge(crate::circle_forms::routes())
}

#[utoipa::path(get, path = "/api/v1/circle", tag = "circle",
    responses(
        (status = 200, description = "15分钟公共服务圈:按镇(街道)、村(社区)的覆盖率(分类型及全部达标),缺口居民点,计算日期、输入与依据(路网或直线估算),OpenStreetMap 署名", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_circle(State(web): State<Shared>, who: Authed) -> ApiResult<Json<serde_json::Value>> {
    let c = web.app.circle(&who.user.login).await?;
    let mut v = serde_json::to_value(&c).unwrap_or_default();
    v["basis_label"] = c.basis.label_zh().into();
    Ok(Json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SitesQuery {
    /// The circle's facility type (`primary_school`, `health_station`, …).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub facility_type: Option<String>,
    /// A town's code (default: every town).
    pub town: Option<String>,
    /// How many sites per town (1–10, default 3).
    pub k: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/circle/sites", tag = "circle", params(SitesQuery),
    responses(
        (status = 200, description = "各镇(街道)的选址建议(贪心最大覆盖):每处新增覆盖人口", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "没有这个设施类型或地点", body = ErrorBody),
    ))]
async fn api_circle_sites(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<SitesQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let k = usize::try_from(q.k.unwrap_or(3).clamp(1, 10)).unwrap_or(3);
    let Some(kind) = q.facility_type.as_deref() else {
        return Err(ApiError::NotFound("设施类型(请给出 type)".into()));
    };
    let sites = web
        .app
        .circle_sites(&who.user.login, kind, q.town.as_deref(), k)
        .await?;
    let basis = web.app.circle(&who.user.login).await?.basis;
    Ok(Json(serde_json::json!({
        "basis": basis,
        "basis_label": basis.label_zh(),
        "credit": OSM_CREDIT,
        "towns": sites,
    })))
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(rename = "type")]
    facility_type: Option<String>,
    /// What a form did (after its redirect).
    ok: Option<String>,
}

struct PlaceRow {
    name: String,
    indent: bool,
    population: String,
    basket: String,
    shares: Vec<String>,
}

struct SiteRow {
    town: String,
    before: String,
    picks: Vec<String>,
}

#[derive(Serialize)]
struct MapPoint {
    name: String,
    kind: String,
    status: String,
    value: [f64; 2],
}

#[derive(Template)]
#[template(path = "circle.html")]
struct CirclePage {
    c: crate::layout::Chrome,
    title: String,
    basis: String,
    estimate: bool,
    computed_on: String,
    inputs: String,
    basket: String,
    types: Vec<String>,
    towns: Vec<PlaceRow>,
    map: String,
    gaps: usize,
    gap_population: String,
    type_options: Vec<(String, String)>,
    sel_type: String,
    sel_label: String,
    sites: Vec<SiteRow>,
    notes: Vec<String>,
    credit: String,
    notice: String,
    /// Where the residents came from (the places' points, or the grid with its source).
    residents_from: String,
    /// The office's forms (network, population grid, settings) are shown.
    can_configure: bool,
    profiles: Vec<(String, String)>,
    sel_profile: String,
    indicators_text: String,
    /// The kept network and grid, in words (empty: none).
    network_text: String,
    grid_text: String,
}

/// The basket's standard in words; `None` for a profile of a file.
fn profile_label(name: &str, en: bool) -> Option<String> {
    let (zh, english) = match name {
        "gb50180" => (
            "国家标准 50180-2018《城市居住区规划设计标准》步行距离",
            "GB 50180-2018 walking distances",
        ),
        "tdt1062-town" => (
            "行业标准 1062-2021《社区生活圈规划技术指南》城镇社区生活圈",
            "TD/T 1062-2021 town community life circle",
        ),
        "tdt1062-rural" => (
            "行业标准 1062-2021《社区生活圈规划技术指南》乡村社区生活圈",
            "TD/T 1062-2021 rural life circle",
        ),
        "register" => (
            "登记的每一类设施均在15分钟步行范围内",
            "every registered type within 15 minutes",
        ),
        _ => return None,
    };
    Some(if en { english } else { zh }.to_string())
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

fn people(x: f64, en: bool) -> String {
    if en {
        format!("{x:.0} people")
    } else {
        format!("{x:.0} 人")
    }
}

fn place_rows(c: &CircleResult, en: bool) -> Vec<PlaceRow> {
    c.places
        .iter()
        .filter(|p| p.level != "village")
        .map(|p| PlaceRow {
            name: p.name.clone(),
            indent: p.level == "town",
            population: people(p.population, en),
            basket: pct(p.basket_share),
            shares: p.shares.iter().map(|s| pct(*s)).collect(),
        })
        .collect()
}

async fn circle_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/circle");
    let en = c.en;
    let login = who.user.login.clone();
    let circle = web.app.circle(&login).await.map_err(|e| c.error(e))?;
    let types = engine_types();
    let label_of = |code: &str| {
        types
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| code.to_string())
    };
    // The type to site: the one asked for, else the type with the most people uncovered.
    let sel_type = q
        .facility_type
        .filter(|t| types.iter().any(|(c, _)| c == t))
        .or_else(|| {
            circle
                .types
                .iter()
                .filter(|t| t.facilities > 0)
                .min_by(|a, b| a.share.unwrap_or(1.0).total_cmp(&b.share.unwrap_or(1.0)))
                .map(|t| t.code.clone())
        })
        .unwrap_or_else(|| types.first().map(|(c, _)| c.clone()).unwrap_or_default());
    let sites = web
        .app
        .circle_sites(&login, &sel_type, None, 3)
        .await
        .map_err(|e| c.error(e))?;
    let (names, district) = {
        let state = web.app.read();
        let names: std::collections::HashMap<String, String> = state
            .tree
            .places()
            .iter()
            .map(|p| (p.code.clone(), p.name.clone()))
            .collect();
        let district = state
            .tree
            .roots()
            .next()
            .map(|r| state.tree.get(r).code.clone())
            .unwrap_or_default();
        (names, district)
    };
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let mut points: Vec<MapPoint> = circle
        .gaps
        .iter()
        .map(|g| MapPoint {
            name: name(&g.place),
            kind: if g.missing.is_empty() {
                if en {
                    "basket not met"
                } else {
                    "未全部达标"
                }
                .to_string()
            } else {
                let missing: Vec<String> = g.missing.iter().map(|m| label_of(m)).collect();
                format!(
                    "{}{};{}",
                    if en { "missing: " } else { "缺:" },
                    missing.join("、"),
                    people(g.population, en)
                )
            },
            status: if g.basket_covered {
                "planned"
            } else {
                "closed"
            }
            .into(),
            value: [g.lon, g.lat],
        })
        .collect();
    for s in &sites {
        for p in &s.picks {
            points.push(MapPoint {
                name: name(&p.place),
                kind: format!(
                    "{}{}:+{}",
                    if en {
                        "suggested site "
                    } else {
                        "建议选址 "
                    },
                    p.rank,
                    people(p.added_population, en)
                ),
                status: "open".into(),
                value: [p.lon, p.lat],
            });
        }
    }
    let map = crate::facilities::map_spec(
        &district,
        &points,
        en,
        [
            (
                "The map needs JavaScript; the tables list the coverage.",
                "地图需要浏览器脚本;下表列出覆盖率。",
            ),
            ("suggested site", "建议选址"),
            ("some types not covered", "部分类型未覆盖"),
            ("basket not met", "未全部达标"),
        ],
    );
    let gap_population: f64 = circle.gaps.iter().map(|g| g.population).sum();
    let can_configure =
        who.user.role.is_office() || who.user.role == youxiang_core::scope::Role::Admin;
    let config = web.app.circle_config().await.map_err(|e| c.error(e))?;
    let network_text = match web.app.walk_network().await.map_err(|e| c.error(e))? {
        Some(n) if en => format!(
            "“{}” ({}, loaded {}; {} nodes, {} edges)",
            n.name, n.file, n.loaded_on, n.nodes, n.edges
        ),
        Some(n) => format!(
            "“{}”(文件 {},{} 载入;{} 个节点、{} 条路段)",
            n.name, n.file, n.loaded_on, n.nodes, n.edges
        ),
        None => String::new(),
    };
    let grid = web.app.population_grid().await.map_err(|e| c.error(e))?;
    let grid_text = match &grid {
        Some(g) if en => format!(
            "{}: {} points, {:.0} people",
            g.label_en(),
            g.points,
            g.population
        ),
        Some(g) => format!(
            "{}:{} 个人口点,共 {:.0} 人",
            g.label_zh(),
            g.points,
            g.population
        ),
        None => String::new(),
    };
    let residents_from = match (&circle.inputs.grid_zh, &circle.inputs.grid_en) {
        (Some(_), Some(g)) if en => g.clone(),
        (Some(g), _) if !en => g.clone(),
        _ if en => "the places' population points".into(),
        _ => "各地点的人口点".into(),
    };
    let mut profiles: Vec<(String, String)> =
        ["tdt1062-town", "tdt1062-rural", "gb50180", "register"]
            .iter()
            .map(|p| (p.to_string(), profile_label(p, en).unwrap_or_default()))
            .collect();
    if !profiles.iter().any(|(p, _)| *p == config.profile) {
        profiles.push((config.profile.clone(), config.profile.clone()));
    }
    let indicators_text = config
        .indicators
        .iter()
        .map(|i| {
            if en {
                format!("{}={}", i.indicator, i.measure)
            } else {
                format!(
                    "{}={}",
                    i.indicator,
                    crate::circle_forms::measure_label_zh(&i.measure)
                )
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let page = CirclePage {
        title: if en {
            "15-minute public-service circle".into()
        } else {
            "15分钟公共服务圈".into()
        },
        basis: if en {
            circle.basis.label_en()
        } else {
            circle.basis.label_zh()
        },
        estimate: circle.basis.is_estimate(),
        computed_on: circle.computed_on.to_string(),
        inputs: if en {
            format!(
                "{} resident points, {} people ({}); {} open facilities; walking {} km/h",
                circle.inputs.residents,
                circle.inputs.population.round(),
                circle.inputs.population_year,
                circle.inputs.facilities,
                circle.inputs.speed_kmh
            )
        } else {
            format!(
                "居民点 {} 个,人口 {:.0} 人({} 年);运行中的设施 {} 个;步行 {} 公里/小时",
                circle.inputs.residents,
                circle.inputs.population,
                circle.inputs.population_year,
                circle.inputs.facilities,
                circle.inputs.speed_kmh
            )
        },
        basket: format!(
            "{}:{}",
            profile_label(&circle.inputs.profile, en)
                .unwrap_or_else(|| circle.inputs.profile_description.clone()),
            circle.basket.join("、")
        ),
        types: circle.types.iter().map(|t| t.label.clone()).collect(),
        towns: place_rows(&circle, en),
        map,
        gaps: circle.gaps.len(),
        gap_population: people(gap_population, en),
        type_options: types.clone(),
        sel_label: label_of(&sel_type),
        sel_type,
        sites: sites
            .iter()
            .filter(|s| !s.picks.is_empty())
            .map(|s| SiteRow {
                town: name(&s.town),
                before: pct(s.share_before),
                picks: s
                    .picks
                    .iter()
                    .map(|p| {
                        format!(
                            "{}({:.4},{:.4}){} {},{} {}",
                            name(&p.place),
                            p.lon,
                            p.lat,
                            if en { " adds" } else { ":新增覆盖" },
                            people(p.added_population, en),
                            if en { "then" } else { "之后" },
                            pct(p.share_after)
                        )
                    })
                    .collect(),
            })
            .collect(),
        // The engine's notes are in English: shown on the English page only.
        notes: if en { circle.notes.clone() } else { Vec::new() },
        credit: if en {
            circle.credit.clone()
        } else {
            "© OpenStreetMap 贡献者(ODbL 1.0 许可)".into()
        },
        notice: q.ok.unwrap_or_default(),
        residents_from,
        can_configure,
        profiles,
        sel_profile: config.profile.clone(),
        indicators_text,
        network_text,
        grid_text,
        c,
    };
    Ok(render(&page))
}
