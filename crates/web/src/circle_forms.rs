//! The office's forms of `/circle` (no JavaScript needed): load a walking network
//! (`POST /circle/network`, an OpenStreetMap .osm.pbf upload), load a population grid
//! (`POST /circle/population`, GeoJSON points or CSV `lon,lat,population`, with its source
//! and date) and set the circle's configuration (`POST /circle/config`: the basket's
//! profile and the indicators computed from it, one `INDICATOR=MEASURE` a line). Each
//! checks the form's CSRF token; the app checks the role (the office or the system
//! administrator) and recomputes the circle; back to `/circle` with what was done.

use axum::Form;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::routing::post;
use chrono::NaiveDate;
use youxiang_app::circle::{CircleConfig, ComputedIndicator, engine_types};

use crate::Shared;
use crate::error::{ApiError, ApiResult};
use crate::extract::PageUser;
use crate::layout::{Fields, PageResult, back_to, check_form, field};
use crate::uploads::multipart_error;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/circle/network", post(network_post))
        .route("/circle/population", post(population_post))
        .route("/circle/config", post(config_post))
}

/// A multipart form: the uploaded file (its name and bytes) and the text fields.
struct Upload {
    file: Option<(String, Vec<u8>)>,
    fields: Fields,
}

async fn read_form(mut mp: Multipart, body_limit: usize) -> ApiResult<Upload> {
    let mut up = Upload {
        file: None,
        fields: Vec::new(),
    };
    while let Some(f) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
    {
        let name = f.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = f
                .file_name()
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "upload".into());
            let bytes = f
                .bytes()
                .await
                .map_err(|e| multipart_error(e, body_limit))?;
            if !bytes.is_empty() {
                up.file = Some((file_name, bytes.to_vec()));
            }
        } else {
            let text = f.text().await.map_err(|e| multipart_error(e, body_limit))?;
            up.fields.push((name, text));
        }
    }
    Ok(up)
}

async fn network_post(State(web): State<Shared>, who: PageUser, mp: Multipart) -> PageResult {
    let c = who.chrome(&web, "/circle");
    let up = read_form(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    check_form(&c, &who, &up.fields)?;
    let (file, bytes) = up
        .file
        .ok_or_else(|| c.error(ApiError::invalid("请选择路网文件(.osm.pbf)")))?;
    let name = field(&up.fields, "name").map(str::trim);
    let n = web
        .app
        .load_walk_network(&who.user.login, bytes, &file, name)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/circle",
        &if c.en {
            format!(
                "Network “{}” loaded: {} nodes, {} edges; the circle was recomputed",
                n.name, n.nodes, n.edges
            )
        } else {
            format!(
                "路网“{}”已载入:{} 个节点、{} 条路段;15分钟公共服务圈已重算",
                n.name, n.nodes, n.edges
            )
        },
    ))
}

async fn population_post(State(web): State<Shared>, who: PageUser, mp: Multipart) -> PageResult {
    let c = who.chrome(&web, "/circle");
    let up = read_form(mp, web.config.body_limit)
        .await
        .map_err(|e| c.error(e))?;
    check_form(&c, &who, &up.fields)?;
    let (file, bytes) = up.file.ok_or_else(|| {
        c.error(ApiError::invalid(
            "请选择人口格网文件(GeoJSON 点或 CSV:lon,lat,population)",
        ))
    })?;
    let get = |k: &str| field(&up.fields, k).unwrap_or("").trim().to_string();
    let as_of = match get("date").as_str() {
        "" => None,
        d => Some(d.parse::<NaiveDate>().map_err(|_| {
            c.error(ApiError::invalid(format!(
                "日期“{d}”无效,应写作 2025-06-30"
            )))
        })?),
    };
    let name = get("name");
    let g = web
        .app
        .load_population_grid(
            &who.user.login,
            bytes,
            &file,
            Some(name.as_str()).filter(|n| !n.is_empty()),
            &get("source"),
            as_of,
        )
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/circle",
        &if c.en {
            format!(
                "Population grid “{}” loaded: {} points, {:.0} people; the circle was recomputed",
                g.name, g.points, g.population
            )
        } else {
            format!(
                "人口格网“{}”已载入:{} 个人口点,共 {:.0} 人;15分钟公共服务圈已重算",
                g.name, g.points, g.population
            )
        },
    ))
}

/// A measure as typed: `全部达标` is the basket, a facility type's Chinese label (or one of
/// the register's types it stands for) is that type; anything else as typed (the app
/// checks it).
pub fn measure_code(typed: &str) -> String {
    if typed == "全部达标" {
        return "basket".into();
    }
    engine_types()
        .into_iter()
        .find(|(_, label)| label == typed || label.split('/').any(|l| l == typed))
        .map(|(code, _)| code)
        .unwrap_or_else(|| typed.to_string())
}

/// A measure in words for the Chinese page (the inverse of [`measure_code`]).
pub fn measure_label_zh(code: &str) -> String {
    if code == "basket" {
        return "全部达标".into();
    }
    engine_types()
        .into_iter()
        .find(|(c, _)| c == code)
        .map(|(_, label)| label)
        .unwrap_or_else(|| code.to_string())
}

/// The computed indicators as typed: one `INDICATOR=MEASURE` a line (or separated by
/// commas); a line without `=` is named.
pub fn parse_indicators(text: &str) -> Result<Vec<ComputedIndicator>, Vec<String>> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for part in text
        .split(['\n', ',', ',', ';', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match part.split_once(['=', '=']) {
            Some((i, m)) if !i.trim().is_empty() && !m.trim().is_empty() => {
                out.push(ComputedIndicator {
                    indicator: i.trim().to_string(),
                    measure: measure_code(m.trim()),
                })
            }
            _ => bad.push(format!("“{part}”应写作 指标代码=口径(如 C01=全部达标)")),
        }
    }
    if bad.is_empty() { Ok(out) } else { Err(bad) }
}

async fn config_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> PageResult {
    let c = who.chrome(&web, "/circle");
    check_form(&c, &who, &form)?;
    let profile = field(&form, "profile").unwrap_or("").trim().to_string();
    let indicators = parse_indicators(field(&form, "indicators").unwrap_or(""))
        .map_err(|e| c.error(ApiError::Invalid(e)))?;
    let mut config: CircleConfig = web.app.circle_config().await.map_err(|e| c.error(e))?;
    if !profile.is_empty() {
        config.profile = profile;
    }
    config.indicators = indicators;
    web.app
        .set_circle_config(&who.user.login, config)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/circle",
        if c.en {
            "Settings saved; the circle was recomputed"
        } else {
            "设置已保存;15分钟公共服务圈已重算"
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_are_read_one_a_line() {
        let v = parse_indicators("C01=basket\n C02 = primary_school ,C03=canteen").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].indicator, "C02");
        assert_eq!(v[1].measure, "primary_school");
        assert!(parse_indicators("").unwrap().is_empty());
        let e = parse_indicators("C01=basket\nC02").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("C02"));
        let zh = parse_indicators("C01=全部达标\nC02=小学\nC03=村卫生室").unwrap();
        assert_eq!(zh[0].measure, "basket");
        assert_eq!(zh[1].measure, "primary_school");
        assert_eq!(zh[2].measure, "health_station");
        assert_eq!(measure_label_zh("primary_school"), "小学");
    }
}
