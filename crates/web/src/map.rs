//! The map of the places below a place, coloured by light: the stored boundaries
//! (`GET /api/v1/boundaries?parent=`, GeoJSON for ECharts's `registerMap`), the lights of
//! the places below for one indicator or the count of lagging headline items
//! (`GET /api/v1/map?parent=`), and the panel the overview and the indicator page embed
//! ([`overview_map`], [`indicator_map`]), drawn by `static/map.js` and drilled down by a
//! click on a town. Boundaries come only from an import (`youxiang places boundaries
//! import`); an approximate set is labelled 示意边界,非法定界线 wherever it is drawn.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::boundaries::ChildBoundaries;
use youxiang_app::{Reader, State as AppState, StatusFilter, status_rows};
use youxiang_core::eval::Light;
use youxiang_core::period::Period;
use youxiang_core::plan::IndicatorSource;

use crate::Shared;
use crate::assets::asset;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::layout::Chrome;
use crate::text::{finite, light_str, num_vs, parse_period};

#[derive(OpenApi)]
#[openapi(
    paths(boundaries, map_lights),
    components(schemas(
        BoundariesOut,
        BoundaryFeature,
        BoundaryProperties,
        BoundaryGeometry,
        BoundarySource,
        PlaceRef,
        MapLightsOut,
        MapPlace
    ))
)]
pub struct MapDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/boundaries", get(boundaries))
        .route("/api/v1/map", get(map_lights))
        .route(
            "/static/map.js",
            get(|| asset("text/javascript", include_bytes!("../static/map.js"))),
        )
        .route(
            "/static/map.css",
            get(|| asset("text/css", include_bytes!("../static/map.css"))),
        )
}

// ---------------------------------------------------------------------------------------
// Boundaries

/// The boundaries of the places right below a place, as a GeoJSON FeatureCollection (its
/// extra members say which places have none and where the shapes come from).
#[derive(Debug, Serialize, ToSchema)]
pub struct BoundariesOut {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    pub parent: String,
    pub parent_name: String,
    pub features: Vec<BoundaryFeature>,
    /// The places below without a boundary.
    pub missing: Vec<PlaceRef>,
    /// Each distinct source of the shapes, with its licence.
    pub sources: Vec<BoundarySource>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoundaryFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The place code.
    pub id: String,
    pub properties: BoundaryProperties,
    pub geometry: BoundaryGeometry,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoundaryProperties {
    pub code: String,
    pub name: String,
    /// A sketch, not a legal boundary (示意边界,非法定界线).
    pub approximate: bool,
    /// Where the map writes the name: the centroid of the largest polygon, [longitude,
    /// latitude] (ECharts's `cp`; else it may write a town's name on its smallest island).
    pub cp: Vec<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoundaryGeometry {
    /// Always `MultiPolygon`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Polygons of rings of [longitude, latitude] positions in degrees (WGS-84 /
    /// CGCS2000); each polygon's outer ring first, then its holes.
    pub coordinates: Vec<Vec<Vec<Vec<f64>>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BoundarySource {
    pub source: String,
    pub licence: String,
    pub approximate: bool,
    /// How many of the places' shapes come from it.
    pub places: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoundariesQuery {
    /// The place whose children are drawn; the plan's place (the district) when absent.
    pub parent: Option<String>,
}

impl From<ChildBoundaries> for BoundariesOut {
    fn from(c: ChildBoundaries) -> Self {
        let mut sources: Vec<BoundarySource> = Vec::new();
        for b in &c.boundaries {
            match sources.iter_mut().find(|s| {
                s.source == b.source && s.licence == b.licence && s.approximate == b.approximate
            }) {
                Some(s) => s.places += 1,
                None => sources.push(BoundarySource {
                    source: b.source.clone(),
                    licence: b.licence.clone(),
                    approximate: b.approximate,
                    places: 1,
                }),
            }
        }
        BoundariesOut {
            kind: "FeatureCollection".into(),
            parent: c.parent,
            parent_name: c.parent_name,
            features: c
                .boundaries
                .into_iter()
                .map(|b| BoundaryFeature {
                    kind: "Feature".into(),
                    id: b.place.clone(),
                    properties: BoundaryProperties {
                        cp: label_point(&b.polygons).to_vec(),
                        code: b.place,
                        name: b.name,
                        approximate: b.approximate,
                    },
                    geometry: BoundaryGeometry {
                        kind: "MultiPolygon".into(),
                        coordinates: b
                            .polygons
                            .into_iter()
                            .map(|p| {
                                p.into_iter()
                                    .map(|r| r.into_iter().map(|xy| xy.to_vec()).collect())
                                    .collect()
                            })
                            .collect(),
                    },
                })
                .collect(),
            missing: c
                .missing
                .into_iter()
                .map(|(code, name)| PlaceRef { code, name })
                .collect(),
            sources,
        }
    }
}

/// The centroid of the largest polygon's outer ring (area-weighted, about its first
/// position for precision); its first position when the ring has no area.
fn label_point(polygons: &[youxiang_app::boundaries::Polygon]) -> [f64; 2] {
    let centroid = |ring: &[[f64; 2]]| -> (f64, [f64; 2]) {
        let [x0, y0] = ring.first().copied().unwrap_or_default();
        let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for w in ring.windows(2) {
            let (x1, y1, x2, y2) = (w[0][0] - x0, w[0][1] - y0, w[1][0] - x0, w[1][1] - y0);
            let cross = x1 * y2 - x2 * y1;
            a += cross;
            cx += (x1 + x2) * cross;
            cy += (y1 + y2) * cross;
        }
        if a == 0.0 {
            (0.0, [x0, y0])
        } else {
            (a.abs(), [x0 + cx / (3.0 * a), y0 + cy / (3.0 * a)])
        }
    };
    polygons
        .iter()
        .filter_map(|p| p.first())
        .map(|ring| centroid(ring))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
        .unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v1/boundaries", tag = "plan", params(BoundariesQuery),
    responses(
        (status = 200, description = "下辖地区的边界(GeoJSON 要素集合),及无边界的地区和边界来源", body = BoundariesOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn boundaries(
    State(web): State<Shared>,
    _who: Authed,
    ApiQuery(q): ApiQuery<BoundariesQuery>,
) -> ApiResult<Response> {
    let parent = q
        .parent
        .unwrap_or_else(|| web.app.read().plan.place.clone());
    let out = BoundariesOut::from(web.app.boundaries_below(&parent).await?);
    // Shapes change only by an import: the browser may keep them a few minutes.
    Ok((
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=300"),
        )],
        Json(out),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Lights of the places below

/// What the map colours the places below a place by.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapLightsOut {
    pub parent: String,
    pub parent_name: String,
    pub year: i32,
    pub period: Option<String>,
    /// The indicator the places are coloured by; absent: by how many headline indicators
    /// lag (滞后) at each place.
    pub indicator: Option<String>,
    pub indicator_name: Option<String>,
    pub unit: Option<String>,
    pub places: Vec<MapPlace>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MapPlace {
    pub code: String,
    pub name: String,
    /// By an indicator: its light (`green`, `yellow`, `red`, `grey`). By the count: `red`
    /// when any headline indicator lags, `yellow` when any warns, `green` when none, `grey`
    /// without data.
    pub light: String,
    /// The light in words (达标 / 预警 / 滞后 / 无数据).
    pub light_zh: String,
    /// By an indicator: its figure.
    pub value: Option<f64>,
    /// Headline indicators lagging (滞后) at the place.
    pub red: usize,
    /// Headline indicators warning (预警) at the place.
    pub yellow: usize,
    /// What the map writes on the place, e.g. `62.5 % ● 达标` or `滞后 3 项`.
    pub label: String,
    /// Whether places lie below it (a click drills down).
    pub has_children: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapQuery {
    /// The place whose children are coloured; the district when absent.
    pub parent: Option<String>,
    /// Indicator code; absent: the count of lagging headline indicators.
    pub indicator: Option<String>,
    /// Target year; the latest with data at the parent when absent.
    pub year: Option<i32>,
    /// As of this period (`2025-06`).
    #[param(pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$")]
    pub period: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/map", tag = "status", params(MapQuery),
    responses(
        (status = 200, description = "下辖地区的灯号(某一指标,或滞后项数),供地图着色", body = MapLightsOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "地点或指标不存在", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn map_lights(
    State(web): State<Shared>,
    who: Authed,
    ApiQuery(q): ApiQuery<MapQuery>,
) -> ApiResult<Json<MapLightsOut>> {
    let period = q.period.as_deref().map(parse_period).transpose()?;
    let state = web.app.read();
    let parent = q.parent.unwrap_or_else(|| state.plan.place.clone());
    let reader = Reader::Person(&who.user);
    let year = match q.year.or(period.map(|p| p.year())) {
        Some(y) => y,
        None => youxiang_app::latest_year(&state, reader, &parent)
            .unwrap_or_else(|| state.plan.final_year()),
    };
    let out = lights_below(
        &state,
        reader,
        &parent,
        q.indicator.as_deref(),
        year,
        period,
        false,
    )?;
    Ok(Json(out))
}

/// The lights of the places right below `parent`, as `reader` may see the figures.
pub fn lights_below(
    state: &AppState,
    reader: Reader<'_>,
    parent: &str,
    indicator: Option<&str>,
    year: i32,
    period: Option<Period>,
    en: bool,
) -> ApiResult<MapLightsOut> {
    let Some(pid) = state.tree.id(parent) else {
        return Err(ApiError::NotFound(format!("地点“{parent}”")));
    };
    let ind = match indicator.filter(|i| !i.is_empty()) {
        Some(code) => Some(
            state
                .plan
                .indicator(code)
                .ok_or_else(|| ApiError::NotFound(format!("指标“{code}”")))?,
        ),
        None => None,
    };
    if !state.plan.target_years.contains(&year) {
        return Err(ApiError::NotFound(format!(
            "{year} 年不是方案目标年份({:?})",
            state.plan.target_years
        )));
    }
    let light_words = |l: Light| {
        let (zh, en_word) = match l {
            Light::Green => ("达标", "on track"),
            Light::Yellow => ("预警", "warning"),
            Light::Red => ("滞后", "lagging"),
            Light::Grey => ("无数据", "no data"),
        };
        (
            format!("{} {}", light_icon(l), if en { en_word } else { zh }),
            zh,
        )
    };
    let places = state
        .tree
        .children(pid)
        .iter()
        .map(|c| {
            let p = state.tree.get(*c);
            let filter = StatusFilter {
                place: Some(p.code.clone()),
                year: Some(year),
                period,
                domain: None,
                // One indicator may be a task-text one; the count is of the headline table.
                all: ind.is_some(),
            };
            let rows = status_rows(state, reader, &filter).unwrap_or_default();
            let headline = |r: &&youxiang_app::StatusRow| {
                state
                    .plan
                    .indicator(&r.indicator)
                    .is_some_and(|i| matches!(i.source, IndicatorSource::Table { .. }))
            };
            let red = rows
                .iter()
                .filter(headline)
                .filter(|r| r.light == Light::Red)
                .count();
            let yellow = rows
                .iter()
                .filter(headline)
                .filter(|r| r.light == Light::Yellow)
                .count();
            let (light, value, label) = match ind {
                Some(i) => {
                    let row = rows.iter().find(|r| r.indicator == i.code);
                    let light = row.map(|r| r.light).unwrap_or(Light::Grey);
                    let value = finite(row.and_then(|r| r.value));
                    // The status table's own word: a grey light may say 无分解目标, not 无数据.
                    let words = match row {
                        Some(r) if !en && !r.light_zh.is_empty() => {
                            format!("{} {}", light_icon(light), r.light_zh)
                        }
                        _ => light_words(light).0,
                    };
                    let target = row.map(|r| r.target.as_str()).unwrap_or("");
                    (
                        light,
                        value,
                        format!("{} {words}", num_vs(value, target, &i.unit)),
                    )
                }
                None => {
                    let any = rows.iter().filter(headline).any(|r| r.light != Light::Grey);
                    let light = if red > 0 {
                        Light::Red
                    } else if yellow > 0 {
                        Light::Yellow
                    } else if any {
                        Light::Green
                    } else {
                        Light::Grey
                    };
                    let label = match (light, en) {
                        (Light::Grey, _) => light_words(Light::Grey).0,
                        (_, false) => format!("滞后 {red} 项"),
                        (_, true) => format!("{red} lagging"),
                    };
                    (light, None, label)
                }
            };
            MapPlace {
                code: p.code.clone(),
                name: p.name.clone(),
                light: light_str(light).into(),
                light_zh: light_words(light).1.into(),
                value,
                red,
                yellow,
                label,
                has_children: !state.tree.children(*c).is_empty(),
            }
        })
        .collect();
    Ok(MapLightsOut {
        parent: parent.to_string(),
        parent_name: state.tree.get(pid).name.clone(),
        year,
        period: period.map(|p| p.to_string()),
        indicator: ind.map(|i| i.code.clone()),
        indicator_name: ind.map(|i| i.name.clone()),
        unit: ind.map(|i| i.unit.clone()),
        places,
    })
}

/// The symbol that goes with a light's colour (the pages' convention).
fn light_icon(l: Light) -> &'static str {
    match l {
        Light::Green => "●",
        Light::Yellow => "▲",
        Light::Red => "■",
        Light::Grey => "○",
    }
}

// ---------------------------------------------------------------------------------------
// The panel

/// The fill classes of map.css (and map.js) for a light, and for the count of lagging
/// items: none, 1–2, 3 or more, no data.
const LIGHT_CLASSES: [&str; 4] = ["green", "yellow", "red", "grey"];
const COUNT_CLASSES: [&str; 4] = ["green", "red1", "red", "grey"];

/// The texts map.js writes, in the page's language.
#[derive(Serialize)]
struct MapTexts {
    loading: &'static str,
    no_echarts: &'static str,
    no_boundaries: &'static str,
    no_children: &'static str,
    some_missing: &'static str,
    approximate: &'static str,
    source: &'static str,
    licence: &'static str,
    back: &'static str,
    failed: &'static str,
    open: &'static str,
    by_count: &'static str,
    legend_light: [&'static str; 4],
    legend_count: [&'static str; 4],
}

fn texts(en: bool) -> MapTexts {
    if en {
        MapTexts {
            loading: "Loading the map…",
            no_echarts: "The map needs ECharts, which this server was built without; the table below has the same figures.",
            no_boundaries: "No boundaries of the places below {name} have been imported (youxiang places boundaries import): no map.",
            no_children: "No boundaries of the villages of {name} have been imported: the map cannot go below the towns here.",
            some_missing: "Without a boundary (not drawn): {list}",
            approximate: "Approximate boundaries, not legal ones",
            source: "Boundaries: ",
            licence: "; licence: ",
            back: "Back to {name}",
            failed: "The map could not be loaded: {why}",
            open: "Open {name}",
            by_count: "lagging headline indicators",
            legend_light: ["● on track", "▲ warning", "■ lagging", "○ no data"],
            legend_count: [
                "none lagging",
                "1–2 lagging",
                "3 or more lagging",
                "○ no data",
            ],
        }
    } else {
        MapTexts {
            loading: "地图加载中……",
            no_echarts: "本服务器构建时未包含 ECharts,无法绘制地图;下表有同样的数据。",
            no_boundaries: "{name}下辖地区尚未导入边界数据,无法绘制地图(由管理员用命令行导入边界文件)。",
            no_children: "{name}的村(社区)尚未导入边界,地图无法下钻到村一级。",
            some_missing: "以下地区没有边界,未绘出:{list}",
            approximate: "示意边界,非法定界线",
            source: "边界来源:",
            licence: ";许可:",
            back: "返回{name}",
            failed: "地图加载失败:{why}",
            open: "打开{name}",
            by_count: "滞后项数",
            legend_light: ["● 达标", "▲ 预警", "■ 滞后", "○ 无数据"],
            legend_count: ["无滞后", "滞后 1–2 项", "滞后 3 项及以上", "○ 无数据"],
        }
    }
}

/// What map.js reads from the panel's `data-map`.
#[derive(Serialize)]
struct MapSpec<'a> {
    parent: &'a str,
    parent_name: &'a str,
    indicator: Option<&'a str>,
    year: i32,
    period: Option<String>,
    /// Where a click on a place without places below leads: `{code}` is replaced.
    link: String,
    lights: &'a MapLightsOut,
    text: MapTexts,
}

#[derive(Template)]
#[template(path = "_map.html")]
struct MapPanel {
    title: String,
    spec: String,
    /// The overview's choice of what to colour by: (code, label, selected).
    choices: Vec<(String, String, bool)>,
    /// (class, words) of each colour.
    legend: Vec<(&'static str, &'static str)>,
    label: String,
}

/// The overview's map of the places below `place`: coloured by how many headline
/// indicators lag at each (what a 驾驶舱 looks at first), or by one indicator chosen in the
/// panel. Empty when `place` has nothing below it.
pub fn overview_map(
    c: &Chrome,
    state: &AppState,
    reader: Reader<'_>,
    place: &str,
    year: i32,
    period: Option<&str>,
) -> String {
    let choices = std::iter::once((String::new(), texts(c.en).by_count.to_string(), true))
        .chain(
            state
                .plan
                .indicators
                .iter()
                .filter(|i| matches!(i.source, IndicatorSource::Table { .. }))
                .map(|i| (i.code.clone(), format!("{} {}", i.code, i.name), false)),
        )
        .collect();
    panel(c, state, reader, place, None, year, period, choices).unwrap_or_default()
}

/// The indicator page's map of the places below `place`, coloured by the indicator's light.
pub fn indicator_map(
    c: &Chrome,
    state: &AppState,
    reader: Reader<'_>,
    indicator: &str,
    place: &str,
    year: i32,
    period: Option<Period>,
) -> String {
    let period = period.map(|p| p.to_string());
    panel(
        c,
        state,
        reader,
        place,
        Some(indicator),
        year,
        period.as_deref(),
        vec![],
    )
    .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn panel(
    c: &Chrome,
    state: &AppState,
    reader: Reader<'_>,
    place: &str,
    indicator: Option<&str>,
    year: i32,
    period: Option<&str>,
    choices: Vec<(String, String, bool)>,
) -> Option<String> {
    let pid = state.tree.id(place)?;
    if state.tree.children(pid).is_empty() {
        return None;
    }
    let period = period.and_then(|p| p.parse::<Period>().ok());
    let lights = lights_below(state, reader, place, indicator, year, period, c.en).ok()?;
    let t = texts(c.en);
    let legend = if indicator.is_some() {
        LIGHT_CLASSES.into_iter().zip(t.legend_light).collect()
    } else {
        COUNT_CLASSES.into_iter().zip(t.legend_count).collect()
    };
    let link = match indicator {
        Some(i) => format!("/indicator/{i}?place={{code}}"),
        None => "/place/{code}".into(),
    };
    let parent_name = state.tree.get(pid).name.clone();
    let title = if c.en {
        format!("Map of the places below {parent_name}")
    } else {
        format!("{parent_name}下辖地区地图")
    };
    let label = if c.en {
        "Colour the map by".to_string()
    } else {
        "地图着色".to_string()
    };
    let spec = MapSpec {
        parent: place,
        parent_name: &parent_name,
        indicator,
        year,
        period: period.map(|p| p.to_string()),
        link,
        lights: &lights,
        text: t,
    };
    let panel = MapPanel {
        title,
        spec: serde_json::to_string(&spec).ok()?,
        choices,
        legend,
        label,
    };
    panel.render().ok()
}
