//! Place boundaries for the maps: a GeoJSON FeatureCollection whose features are keyed by
//! place code is read whole — every problem named by its feature and field, nothing stored
//! when there is one — and kept as management records of kind `boundary` (one per place,
//! versioned and audited like every record), with the source and licence it came with.
//!
//! A record's `unit` column holds the place's parent code, so that a map of the places
//! below one place reads only their shapes.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use youxiang_core::place::PlaceTree;
use youxiang_store::{RecordFilter, RecordWrite};

use crate::{App, AppError, Result};

pub const KIND_BOUNDARY: &str = "boundary";

/// The largest boundary file read, in bytes: a county's villages drawn finely are a few
/// megabytes; more is a mistake (a province, a raster) that would be held whole in memory.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The most positions (vertices) in one file, for the same reason.
pub const MAX_POSITIONS: usize = 4_000_000;
/// The longest source or licence text, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Problems listed before the rest are only counted.
const MAX_LISTED: usize = 50;

/// The properties a feature's place code is read from, in this order; then the feature's
/// `id`. `adcode` is what the common Chinese GeoJSON downloads carry.
pub const CODE_PROPERTIES: [&str; 3] = ["code", "adcode", "place_code"];

/// A ring: [longitude, latitude] positions in degrees (WGS-84 / CGCS2000), first equal to
/// last.
pub type Ring = Vec<[f64; 2]>;
/// A polygon: its outer ring, then its holes.
pub type Polygon = Vec<Ring>;

/// One place's stored boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boundary {
    /// The place's code.
    pub place: String,
    /// The place's name when the boundary was imported.
    pub name: String,
    /// The place's area as polygons (a Polygon of the file is one; islands are several).
    pub polygons: Vec<Polygon>,
    /// Where the shape comes from, as the importer named it.
    pub source: String,
    pub licence: String,
    /// A sketch, not a legal boundary: maps label it 示意边界,非法定界线.
    pub approximate: bool,
}

/// What an import keeps with every shape of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    pub source: String,
    pub licence: String,
    /// The shapes are approximations (labelled so wherever they are drawn).
    pub approximate: bool,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The places whose boundary was stored, in the file's order.
    pub places: Vec<String>,
    /// How many of them replaced a boundary stored before.
    pub replaced: usize,
}

/// The boundaries of the places right below one place.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildBoundaries {
    pub parent: String,
    pub parent_name: String,
    /// The children that have a boundary, in the tree's order.
    pub boundaries: Vec<Boundary>,
    /// The children that have none: (code, name).
    pub missing: Vec<(String, String)>,
}

/// Reads a boundary file against the places: each feature's place code and its shape as
/// polygons, in the file's order. Every problem is listed (the first [`MAX_LISTED`], then
/// how many more), each naming the feature (`要素 #3(features[2])`) and the field.
pub fn parse_boundaries(
    bytes: &[u8],
    tree: &PlaceTree,
) -> std::result::Result<Vec<(String, Vec<Polygon>)>, Vec<String>> {
    parse_within(bytes, tree, MAX_FILE_BYTES, MAX_POSITIONS)
}

/// [`parse_boundaries`] with the limits given (the tests' are small).
fn parse_within(
    bytes: &[u8],
    tree: &PlaceTree,
    max_bytes: usize,
    max_positions: usize,
) -> std::result::Result<Vec<(String, Vec<Polygon>)>, Vec<String>> {
    if bytes.len() > max_bytes {
        return Err(vec![format!(
            "文件有 {} 字节,超过边界文件的上限 {max_bytes} 字节(请按镇街或村社区分批导入)",
            bytes.len()
        )]);
    }
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
            vec![format!(
                "文件不是 UTF-8 文本(第 {} 字节起无法读取);GeoJSON 应为 UTF-8 编码",
                e.valid_up_to() + 1
            )]
        })?;
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "文件不是有效的 JSON:第 {} 行第 {} 列:{e}",
            e.line(),
            e.column()
        )]
    })?;
    let kind = doc.get("type").and_then(Value::as_str);
    if kind != Some("FeatureCollection") {
        return Err(vec![format!(
            "顶层 type 应为 \"FeatureCollection\",现为 {}",
            shown(doc.get("type"))
        )]);
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        return Err(vec![format!(
            "顶层 features 应为要素数组,现为 {}",
            shown(doc.get("features"))
        )]);
    };
    if features.is_empty() {
        return Err(vec!["features 为空:文件中没有任何要素".into()]);
    }
    let mut problems = Problems::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut positions = 0usize;
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let at = format!("要素 #{}(features[{i}])", i + 1);
        if f.get("type").and_then(Value::as_str) != Some("Feature") {
            problems.push(format!(
                "{at}:type 应为 \"Feature\",现为 {}",
                shown(f.get("type"))
            ));
            continue;
        }
        let code = match feature_code(f) {
            Ok((code, field)) => {
                if tree.id(&code).is_none() {
                    problems.push(format!(
                        "{at}:{field} 的地点编码“{code}”不在地点表中(youxiang places show 查看)"
                    ));
                    None
                } else if let Some(first) = seen.insert(code.clone(), i) {
                    problems.push(format!(
                        "{at}:{field} 的地点编码“{code}”与要素 #{} 重复",
                        first + 1
                    ));
                    None
                } else {
                    Some(code)
                }
            }
            Err(message) => {
                problems.push(format!("{at}:{message}"));
                None
            }
        };
        let at = match &code {
            Some(c) => format!("{at}(地点 {c})"),
            None => at,
        };
        match geometry(f.get("geometry"), &mut positions) {
            Ok(polygons) => {
                if let Some(code) = code {
                    out.push((code, polygons));
                }
            }
            Err(list) => {
                for p in list {
                    problems.push(format!("{at}:{p}"));
                }
            }
        }
        if positions > max_positions {
            problems.push(format!(
                "{at}:到此已有 {positions} 个坐标点,超过上限 {max_positions}(请简化边界或分批导入)"
            ));
            break;
        }
    }
    problems.finish()?;
    Ok(out)
}

/// Problems in file order, the first [`MAX_LISTED`] in words.
#[derive(Default)]
struct Problems {
    listed: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, p: String) {
        if self.listed.len() < MAX_LISTED {
            self.listed.push(p);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> std::result::Result<(), Vec<String>> {
        if self.listed.is_empty() {
            return Ok(());
        }
        if self.more > 0 {
            self.listed
                .push(format!("……另有 {} 处问题未列出", self.more));
        }
        Err(self.listed)
    }
}

/// A JSON value as a problem shows it: short, and `缺少` when absent.
fn shown(v: Option<&Value>) -> String {
    match v {
        None => "缺少".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 40 {
                format!("{}…", text.chars().take(40).collect::<String>())
            } else {
                text
            }
        }
    }
}

/// The feature's place code and the field it was read from.
fn feature_code(f: &Value) -> std::result::Result<(String, String), String> {
    let props = f.get("properties").filter(|p| !p.is_null());
    if let Some(p) = props
        && !p.is_object()
    {
        return Err(format!("properties 应为对象,现为 {}", shown(Some(p))));
    }
    let candidates = CODE_PROPERTIES
        .iter()
        .filter_map(|k| Some((format!("properties.{k}"), props?.get(*k)?)))
        .chain(f.get("id").map(|v| ("id".to_string(), v)));
    for (field, v) in candidates {
        let code = match v {
            Value::String(s) => s.trim().to_string(),
            // Codes written as numbers (adcode 330902); integers only.
            Value::Number(n) if n.is_u64() => n.to_string(),
            Value::Null => continue,
            other => {
                return Err(format!(
                    "{field} 应为地点编码(文字或整数),现为 {}",
                    shown(Some(other))
                ));
            }
        };
        if code.is_empty() {
            return Err(format!("{field} 为空"));
        }
        return Ok((code, field));
    }
    Err(format!(
        "没有地点编码:properties 中应有 {} 之一,或要素的 id",
        CODE_PROPERTIES.join("、")
    ))
}

/// A feature's geometry as polygons; the problems name the field (`geometry.coordinates[1][0][3]`).
fn geometry(
    g: Option<&Value>,
    positions: &mut usize,
) -> std::result::Result<Vec<Polygon>, Vec<String>> {
    let Some(g) = g.filter(|g| !g.is_null()) else {
        return Err(vec!["缺少 geometry(边界形状)".into()]);
    };
    let kind = g.get("type").and_then(Value::as_str);
    let coords = g.get("coordinates");
    let mut problems = Vec::new();
    let polygons = match kind {
        Some("Polygon") => {
            polygon(coords, "geometry.coordinates", positions, &mut problems).map(|p| vec![p])
        }
        Some("MultiPolygon") => match coords.and_then(Value::as_array) {
            Some(list) if !list.is_empty() => {
                let mut out = Vec::with_capacity(list.len());
                for (i, p) in list.iter().enumerate() {
                    let field = format!("geometry.coordinates[{i}]");
                    if let Some(p) = polygon(Some(p), &field, positions, &mut problems) {
                        out.push(p);
                    }
                }
                Some(out)
            }
            _ => {
                problems.push(format!(
                    "geometry.coordinates 应为多边形数组,现为 {}",
                    shown(coords)
                ));
                None
            }
        },
        _ => {
            problems.push(format!(
                "geometry.type 为 {},只接受 Polygon 或 MultiPolygon(面);点和线不能画出区域",
                shown(g.get("type"))
            ));
            None
        }
    };
    match polygons {
        Some(p) if problems.is_empty() => Ok(p),
        _ => Err(problems),
    }
}

fn polygon(
    v: Option<&Value>,
    field: &str,
    positions: &mut usize,
    problems: &mut Vec<String>,
) -> Option<Polygon> {
    let Some(rings) = v.and_then(Value::as_array).filter(|r| !r.is_empty()) else {
        problems.push(format!("{field} 应为环的数组(外环在前),现为 {}", shown(v)));
        return None;
    };
    let before = problems.len();
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let field = format!("{field}[{r}]");
        let Some(points) = ring.as_array() else {
            problems.push(format!("{field} 应为坐标数组,现为 {}", shown(Some(ring))));
            continue;
        };
        if points.len() < 4 {
            problems.push(format!(
                "{field} 只有 {} 个坐标;一个环至少 4 个(首尾相同)",
                points.len()
            ));
            continue;
        }
        *positions += points.len();
        let mut ring_out = Vec::with_capacity(points.len());
        for (k, p) in points.iter().enumerate() {
            match position(p) {
                Ok(xy) => ring_out.push(xy),
                Err(why) => {
                    problems.push(format!("{field}[{k}]:{why}"));
                    break;
                }
            }
        }
        if ring_out.len() != points.len() {
            continue;
        }
        if ring_out.first() != ring_out.last() {
            problems.push(format!("{field}:首尾坐标不同,环未闭合"));
            continue;
        }
        if ring_area(&ring_out) == 0.0 {
            problems.push(format!("{field}:环的面积为零(各点共线或重合)"));
            continue;
        }
        out.push(ring_out);
    }
    (problems.len() == before).then_some(out)
}

/// [longitude, latitude] of a GeoJSON position (a third number, the height, is ignored).
fn position(p: &Value) -> std::result::Result<[f64; 2], String> {
    let nums: Option<Vec<f64>> = p
        .as_array()
        .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>());
    let Some(nums) = nums.filter(|n| (2..=3).contains(&n.len())) else {
        return Err(format!(
            "坐标应为 [经度, 纬度] 数字对,现为 {}",
            shown(Some(p))
        ));
    };
    let (lon, lat) = (nums[0], nums[1]);
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "坐标 [{lon}, {lat}] 不是经纬度(经度 -180 到 180,纬度 -90 到 90);\
             边界应为 WGS-84/CGCS2000 经纬度(度),不是投影坐标(米)"
        ));
    }
    Ok([lon, lat])
}

/// Twice the signed area of a ring (shoelace), in square degrees; taken about the first
/// position, so that points on one line give exactly zero.
fn ring_area(ring: &[[f64; 2]]) -> f64 {
    let [x0, y0] = ring.first().copied().unwrap_or_default();
    ring.windows(2)
        .map(|w| (w[0][0] - x0) * (w[1][1] - y0) - (w[1][0] - x0) * (w[0][1] - y0))
        .sum()
}

fn check_note(what: &str, text: &str, problems: &mut Vec<String>) {
    if text.contains('\0') {
        problems.push(format!("{what}含有空字符(U+0000)"));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        problems.push(format!("{what}超过 {MAX_NOTE_CHARS} 个字符"));
    }
}

impl App {
    /// Imports a boundary file (GeoJSON, [`parse_boundaries`]): all or nothing, in one
    /// store transaction; a place's earlier boundary is replaced (its record's next
    /// version). Like `save_places`, an operation of the command line.
    pub async fn import_boundaries(
        &self,
        actor: &str,
        bytes: &[u8],
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        let mut problems = Vec::new();
        check_note("来源", &options.source, &mut problems);
        check_note("许可", &options.licence, &mut problems);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let (parsed, places) = {
            let state = self.read();
            let parsed = parse_boundaries(bytes, &state.tree).map_err(AppError::Invalid)?;
            let places: HashMap<String, (String, String)> = parsed
                .iter()
                .filter_map(|(code, _)| {
                    let p = state.tree.by_code(code)?;
                    Some((
                        code.clone(),
                        (p.name.clone(), p.parent.clone().unwrap_or_default()),
                    ))
                })
                .collect();
            (parsed, places)
        };
        let stored: HashMap<String, i64> = self
            .db()
            .list_records(&RecordFilter::kind(KIND_BOUNDARY))
            .await?
            .into_iter()
            .map(|r| (r.id, r.version))
            .collect();
        let mut report = ImportReport {
            places: Vec::with_capacity(parsed.len()),
            replaced: 0,
        };
        let mut writes = Vec::with_capacity(parsed.len());
        for (code, polygons) in parsed {
            let (name, parent) = places.get(&code).cloned().unwrap_or_default();
            let version = stored.get(&code).copied();
            report.replaced += usize::from(version.is_some());
            let body = Boundary {
                place: code.clone(),
                name,
                polygons,
                source: options.source.trim().to_string(),
                licence: options.licence.trim().to_string(),
                approximate: options.approximate,
            };
            writes.push(
                RecordWrite::of(KIND_BOUNDARY, &code, &body, version, "boundary.import")?
                    .unit(&parent),
            );
            report.places.push(code);
        }
        self.db().put_records(&writes, actor).await?;
        Ok(report)
    }

    /// The stored boundaries of the places right below `parent`, and which have none.
    pub async fn boundaries_below(&self, parent: &str) -> Result<ChildBoundaries> {
        let (parent_name, children) = {
            let state = self.read();
            let Some(id) = state.tree.id(parent) else {
                return Err(AppError::NotFound(format!("地点“{parent}”")));
            };
            let children: Vec<(String, String)> = state
                .tree
                .children(id)
                .iter()
                .map(|c| {
                    let p = state.tree.get(*c);
                    (p.code.clone(), p.name.clone())
                })
                .collect();
            (state.tree.get(id).name.clone(), children)
        };
        let filter = RecordFilter {
            unit: Some(parent.to_string()),
            ..RecordFilter::kind(KIND_BOUNDARY)
        };
        let mut by_code: HashMap<String, Boundary> = HashMap::new();
        for r in self.db().list_records(&filter).await? {
            let b: Boundary = r.decode()?;
            by_code.insert(r.id, b);
        }
        let mut out = ChildBoundaries {
            parent: parent.to_string(),
            parent_name,
            boundaries: Vec::new(),
            missing: Vec::new(),
        };
        for (code, name) in children {
            match by_code.remove(&code) {
                Some(mut b) => {
                    // The name as the places file has it now.
                    b.name = name;
                    out.boundaries.push(b);
                }
                None => out.missing.push((code, name)),
            }
        }
        Ok(out)
    }

    /// The places that have a stored boundary.
    pub async fn places_with_boundaries(&self) -> Result<BTreeSet<String>> {
        Ok(self
            .db()
            .list_records(&RecordFilter::kind(KIND_BOUNDARY))
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TOWN: &str = "330902002";
    const OTHER: &str = "330902003";

    fn square(x: f64, y: f64) -> Value {
        json!([[
            [x, y],
            [x + 0.01, y],
            [x + 0.01, y + 0.01],
            [x, y + 0.01],
            [x, y]
        ]])
    }

    fn feature(props: Value, geometry: Value) -> Value {
        json!({"type": "Feature", "properties": props, "geometry": geometry})
    }

    fn collection(features: Vec<Value>) -> Vec<u8> {
        json!({"type": "FeatureCollection", "features": features})
            .to_string()
            .into_bytes()
    }

    fn poly(x: f64, y: f64) -> Value {
        json!({"type": "Polygon", "coordinates": square(x, y)})
    }

    fn errors(bytes: &[u8]) -> Vec<String> {
        parse_boundaries(bytes, &youxiang_testkit::dinghai_tree()).expect_err("refused")
    }

    #[test]
    fn a_good_file_is_read_with_each_key_and_shape_kind() {
        let multi = json!({"type": "MultiPolygon", "coordinates": [square(122.0, 30.0), square(122.1, 30.1)]});
        let bytes = collection(vec![
            feature(json!({"code": TOWN, "name": "随便"}), poly(122.1, 30.0)),
            feature(json!({"adcode": 330902003u64}), multi),
            json!({"type": "Feature", "id": "330902004", "properties": null, "geometry": poly(122.2, 30.0)}),
        ]);
        let got = parse_boundaries(&bytes, &youxiang_testkit::dinghai_tree()).expect("read");
        let codes: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, [TOWN, OTHER, "330902004"]);
        assert_eq!(got[0].1.len(), 1);
        assert_eq!(got[1].1.len(), 2, "a MultiPolygon keeps its islands");
        assert_eq!(got[0].1[0][0][0], [122.1, 30.0]);
    }

    #[test]
    fn a_byte_order_mark_and_heights_are_accepted() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        let ring = json!([[
            [122.0, 30.0, 5.0],
            [122.1, 30.0, 5.0],
            [122.1, 30.1, 5.0],
            [122.0, 30.0, 5.0]
        ]]);
        bytes.extend(collection(vec![feature(
            json!({"code": TOWN}),
            json!({"type": "Polygon", "coordinates": ring}),
        )]));
        assert!(parse_boundaries(&bytes, &youxiang_testkit::dinghai_tree()).is_ok());
    }

    #[test]
    fn an_unknown_code_names_the_feature_and_field() {
        let e = errors(&collection(vec![
            feature(json!({"code": TOWN}), poly(122.1, 30.0)),
            feature(json!({"code": "330902999"}), poly(122.1, 30.0)),
        ]));
        assert_eq!(
            e,
            [
                "要素 #2(features[1]):properties.code 的地点编码“330902999”不在地点表中(youxiang places show 查看)"
            ]
        );
    }

    #[test]
    fn a_missing_or_duplicate_code_is_refused() {
        let e = errors(&collection(vec![
            feature(json!({"name": "昌国街道"}), poly(122.1, 30.0)),
            feature(json!({"code": TOWN}), poly(122.1, 30.0)),
            feature(json!({"code": TOWN}), poly(122.1, 30.0)),
            feature(json!({"code": 3.5}), poly(122.1, 30.0)),
        ]));
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("要素 #1(features[0]):没有地点编码"),
            "{}",
            e[0]
        );
        assert_eq!(
            e[1],
            "要素 #3(features[2]):properties.code 的地点编码“330902002”与要素 #2 重复"
        );
        assert!(
            e[2].starts_with("要素 #4(features[3]):properties.code 应为地点编码"),
            "{}",
            e[2]
        );
    }

    #[test]
    fn points_lines_and_missing_shapes_are_refused() {
        let e = errors(&collection(vec![
            feature(
                json!({"code": TOWN}),
                json!({"type": "Point", "coordinates": [122.1, 30.0]}),
            ),
            feature(json!({"code": OTHER}), Value::Null),
            feature(
                json!({"code": "330902004"}),
                json!({"type": "LineString", "coordinates": [[122.1, 30.0], [122.2, 30.0]]}),
            ),
        ]));
        assert_eq!(
            e,
            [
                "要素 #1(features[0])(地点 330902002):geometry.type 为 \"Point\",只接受 Polygon 或 MultiPolygon(面);点和线不能画出区域",
                "要素 #2(features[1])(地点 330902003):缺少 geometry(边界形状)",
                "要素 #3(features[2])(地点 330902004):geometry.type 为 \"LineString\",只接受 Polygon 或 MultiPolygon(面);点和线不能画出区域",
            ]
        );
    }

    #[test]
    fn bad_rings_name_the_coordinates() {
        let open = json!([[[122.0, 30.0], [122.1, 30.0], [122.1, 30.1], [122.0, 30.1]]]);
        let short = json!([[[122.0, 30.0], [122.1, 30.0], [122.0, 30.0]]]);
        let metres = json!([[
            [13_590_000.0, 3_500_000.0],
            [13_600_000.0, 3_500_000.0],
            [13_600_000.0, 3_510_000.0],
            [13_590_000.0, 3_500_000.0]
        ]]);
        let text = json!([[[122.0, 30.0], ["122.1", 30.0], [122.1, 30.1], [122.0, 30.0]]]);
        let flat = json!([[[122.0, 30.0], [122.1, 30.0], [122.2, 30.0], [122.0, 30.0]]]);
        let shapes = [open, short, metres, text, flat];
        let e = errors(&collection(
            shapes
                .into_iter()
                .zip([
                    "330902002",
                    "330902003",
                    "330902004",
                    "330902005",
                    "330902006",
                ])
                .map(|(c, code)| {
                    feature(
                        json!({"code": code}),
                        json!({"type": "Polygon", "coordinates": c}),
                    )
                })
                .collect(),
        ));
        assert_eq!(e.len(), 5, "{e:?}");
        assert_eq!(
            e[0],
            "要素 #1(features[0])(地点 330902002):geometry.coordinates[0]:首尾坐标不同,环未闭合"
        );
        assert_eq!(
            e[1],
            "要素 #2(features[1])(地点 330902003):geometry.coordinates[0] 只有 3 个坐标;一个环至少 4 个(首尾相同)"
        );
        assert!(
            e[2].starts_with("要素 #3(features[2])(地点 330902004):geometry.coordinates[0][0]:坐标 [13590000, 3500000] 不是经纬度"),
            "{}",
            e[2]
        );
        assert!(
            e[3].starts_with("要素 #4(features[3])(地点 330902005):geometry.coordinates[0][1]:坐标应为 [经度, 纬度] 数字对"),
            "{}",
            e[3]
        );
        assert_eq!(
            e[4],
            "要素 #5(features[4])(地点 330902006):geometry.coordinates[0]:环的面积为零(各点共线或重合)"
        );
    }

    #[test]
    fn a_file_that_is_not_a_feature_collection_is_refused() {
        assert_eq!(
            errors(b"{\"type\": \"Feature\"}"),
            ["顶层 type 应为 \"FeatureCollection\",现为 \"Feature\""]
        );
        assert_eq!(
            errors(b"{\"type\": \"FeatureCollection\", \"features\": []}"),
            ["features 为空:文件中没有任何要素"]
        );
        let e = errors(b"{\"type\": \"FeatureCollection\",\n \"features\": [}");
        assert!(e[0].starts_with("文件不是有效的 JSON:第 2 行第 "), "{e:?}");
        let e = errors(b"\xff\xfe{}");
        assert!(e[0].starts_with("文件不是 UTF-8 文本(第 1 字节起"), "{e:?}");
    }

    #[test]
    fn an_oversized_file_is_refused_before_it_is_read() {
        let bytes = collection(vec![feature(json!({"code": TOWN}), poly(122.1, 30.0))]);
        let tree = youxiang_testkit::dinghai_tree();
        let e = parse_within(&bytes, &tree, bytes.len() - 1, MAX_POSITIONS).expect_err("big");
        assert_eq!(
            e,
            [format!(
                "文件有 {} 字节,超过边界文件的上限 {} 字节(请按镇街或村社区分批导入)",
                bytes.len(),
                bytes.len() - 1
            )]
        );
        assert!(parse_within(&bytes, &tree, bytes.len(), MAX_POSITIONS).is_ok());
    }

    #[test]
    fn too_many_positions_are_refused_at_the_feature_that_passes_the_limit() {
        let bytes = collection(vec![
            feature(json!({"code": TOWN}), poly(122.1, 30.0)),
            feature(json!({"code": OTHER}), poly(122.2, 30.0)),
            feature(json!({"code": "330902004"}), poly(122.3, 30.0)),
        ]);
        let tree = youxiang_testkit::dinghai_tree();
        // Five positions a square.
        let e = parse_within(&bytes, &tree, MAX_FILE_BYTES, 9).expect_err("too many");
        assert_eq!(
            e,
            [
                "要素 #2(features[1])(地点 330902003):到此已有 10 个坐标点,超过上限 9(请简化边界或分批导入)"
            ]
        );
        assert!(parse_within(&bytes, &tree, MAX_FILE_BYTES, 15).is_ok());
    }

    #[test]
    fn many_problems_are_listed_up_to_a_limit() {
        let features = (0..80)
            .map(|_| feature(json!({"code": "x"}), poly(122.0, 30.0)))
            .collect();
        let e = errors(&collection(features));
        assert_eq!(e.len(), MAX_LISTED + 1);
        assert_eq!(e[MAX_LISTED], "……另有 30 处问题未列出");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let tree = youxiang_testkit::dinghai_tree();
        for seed in 0u32..2000 {
            let mut x = seed.wrapping_mul(2_654_435_761);
            let bytes: Vec<u8> = (0..(seed % 97))
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    b"{}[],:\"0123456789.-e typeFeatureCollectionfeaturesgeometryPolygoncoordinates"
                        [(x % 75) as usize]
                })
                .collect();
            let _ = parse_boundaries(&bytes, &tree);
        }
    }
}
