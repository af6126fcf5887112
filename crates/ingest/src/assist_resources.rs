//! The files of the register of resources (弱有众扶, issue 16 point 3): the 政府救助责任清单
//! and the 社会力量帮扶清单 in one file (a `kind` column says which provider), and the
//! 公益创投项目. CSV in any encoding the values reader takes, or xlsx; Chinese headers
//! accepted. Every fault named by row and column; a file with any fault gives no rows.

use youxiang_core::assist::register::Category;
use youxiang_core::assist::resources::{
    AssistResource, ProjectStatus, ProviderKind, VentureProject,
};

use crate::assist::{Cells, read_rows};
use crate::error::IngestError;
use crate::headers::Field;

/// The sheet of an xlsx resources-register file read when present (else the first).
pub const REGISTER_RESOURCES_SHEET: &str = "帮扶资源";
/// The sheet of an xlsx 公益创投 file read when present (else the first).
pub const VENTURES_SHEET: &str = "公益创投项目";

const fn f(key: &'static str, names: &'static [&'static str], required: bool) -> Field {
    Field {
        key,
        names,
        required,
    }
}

const RESOURCE_FIELDS: &[Field] = &[
    f("id", &["id", "编号"], true),
    f("name", &["name", "名称", "单位名称"], true),
    f("kind", &["kind", "类型", "力量类型"], true),
    f("service", &["service", "服务类型", "服务"], true),
    f("place", &["place", "地点", "地点代码"], true),
    f("lon", &["lon", "经度"], false),
    f("lat", &["lat", "纬度"], false),
    f("radius_m", &["radius_m", "服务半径(米)", "服务半径"], false),
    f("capacity", &["capacity", "容量", "每期容量"], false),
    f("frequency", &["frequency", "频次"], false),
    f("categories", &["categories", "服务对象", "服务类别"], false),
    f("active", &["active", "在用"], false),
];

const VENTURE_FIELDS: &[Field] = &[
    f("id", &["id", "编号"], true),
    f("name", &["name", "项目名称"], true),
    f("organisation", &["organisation", "实施机构"], true),
    f("place", &["place", "地点", "地点代码"], true),
    f("year", &["year", "立项年份"], true),
    f("status", &["status", "状态"], false),
];

const RESOURCE_HINT: &str = "帮扶资源文件的列:id、name、kind、service、place、lon、lat、radius_m、capacity、frequency、categories、active(或 编号、名称、类型、服务类型、地点、经度、纬度、服务半径(米)、容量、频次、服务对象、在用)";
const VENTURE_HINT: &str = "公益创投项目文件的列:id、name、organisation、place、year、status(或 编号、项目名称、实施机构、地点、立项年份、状态)";

fn optional_number(c: &mut Cells, key: &str, what: &str, lo: f64, hi: f64) -> Option<Option<f64>> {
    if c.text(key).is_empty() {
        Some(None)
    } else {
        c.number(key, what, lo, hi).map(Some)
    }
}

/// Reads a resources-register file: every resource, or every fault of the file.
pub fn read_register_resources(
    bytes: &[u8],
    file: &str,
) -> Result<Vec<AssistResource>, Vec<IngestError>> {
    read_rows(
        bytes,
        file,
        REGISTER_RESOURCES_SHEET,
        RESOURCE_FIELDS,
        RESOURCE_HINT,
        |c| {
            let id = c.required("id", "编号");
            let name = c.required("name", "名称");
            let kind = c
                .required("kind", "类型")
                .and_then(|t| match t.parse::<ProviderKind>() {
                    Ok(k) => Some(k),
                    Err(_) => {
                        c.fault(
                            "kind",
                            "类型应为 政府部门、慈善组织、志愿者队伍、爱心企业、幸福驿站 之一",
                        );
                        None
                    }
                });
            let service = c.required("service", "服务类型");
            let place = c.required("place", "地点");
            let lon = optional_number(c, "lon", "经度", -180.0, 180.0);
            let lat = optional_number(c, "lat", "纬度", -90.0, 90.0);
            if let (Some(a), Some(b)) = (&lon, &lat)
                && a.is_some() != b.is_some()
            {
                let key = if a.is_none() { "lon" } else { "lat" };
                c.fault(key, "经度与纬度须同时填写");
            }
            let radius = optional_number(c, "radius_m", "服务半径", 0.0, 1.0e7);
            let capacity =
                optional_number(c, "capacity", "容量", 0.0, 1.0e6).and_then(|v| match v {
                    Some(v) if v.fract() != 0.0 => {
                        c.fault("capacity", "容量应为整数");
                        None
                    }
                    v => Some(v.unwrap_or(0.0) as u32),
                });
            let mut categories = Vec::new();
            let cats = c.text("categories");
            let mut cats_ok = true;
            for part in cats
                .split(['、', ';', ';', ',', ',', '|'])
                .map(str::trim)
                .filter(|p| !p.is_empty() && *p != "全部" && *p != "全部类别")
            {
                match part.parse::<Category>() {
                    Ok(cat) => categories.push(cat),
                    Err(_) => {
                        c.fault("categories", format!("服务对象“{part}”不是已知的困难类别"));
                        cats_ok = false;
                    }
                }
            }
            let active = match c.text("active").as_str() {
                "" | "是" | "在用" | "yes" | "true" | "1" => Some(true),
                "否" | "停用" | "no" | "false" | "0" => Some(false),
                _ => {
                    c.fault("active", "在用应为 是 或 否");
                    None
                }
            };
            let frequency = c.text("frequency");
            if !cats_ok {
                return None;
            }
            Some(AssistResource {
                id: id?,
                name: name?,
                kind: kind?,
                service: service?,
                place: place?,
                lon: lon?,
                lat: lat?,
                radius_m: radius?.unwrap_or(0.0),
                capacity: capacity?,
                frequency,
                categories,
                active: active?,
                demo: false,
            })
        },
    )
}

/// Reads a 公益创投项目 file: every project, or every fault of the file.
pub fn read_ventures(bytes: &[u8], file: &str) -> Result<Vec<VentureProject>, Vec<IngestError>> {
    read_rows(
        bytes,
        file,
        VENTURES_SHEET,
        VENTURE_FIELDS,
        VENTURE_HINT,
        |c| {
            let id = c.required("id", "编号");
            let name = c.required("name", "项目名称");
            let organisation = c.required("organisation", "实施机构");
            let place = c.required("place", "地点");
            let year = c.number("year", "立项年份", 2000.0, 2100.0).and_then(|v| {
                if v.fract() == 0.0 {
                    Some(v as i32)
                } else {
                    c.fault("year", "立项年份应为整数");
                    None
                }
            });
            let status = match c.text("status").as_str() {
                "" => Some(ProjectStatus::Running),
                t => match t.parse::<ProjectStatus>() {
                    Ok(s) => Some(s),
                    Err(_) => {
                        c.fault("status", "状态应为 实施中、已结项、已终止 之一");
                        None
                    }
                },
            };
            Some(VentureProject {
                id: id?,
                name: name?,
                organisation: organisation?,
                place: place?,
                year: year?,
                status: status?,
                demo: false,
            })
        },
    )
}
