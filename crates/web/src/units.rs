//! 单位名录 — the register of units: `GET /api/v1/units` (everyone signed in; phones
//! masked unless the office), `PUT /api/v1/units/{name}` (the office, CSRF-checked; a
//! change quotes the version read), and the office's page `/units` (the list, the plan's
//! units missing from it, and a form that adds or changes one unit).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use youxiang_app::units::RegisteredUnit;
use youxiang_core::labels::Labelled;
use youxiang_core::scope::Role;
use youxiang_core::units::{Contact, Unit, UnitKind};

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};

#[derive(OpenApi)]
#[openapi(
    paths(api_units, api_put_unit),
    components(schemas(UnitsOut, UnitOut, UnitIn, ContactOut))
)]
pub struct UnitsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/units", get(api_units))
        .route("/api/v1/units/{name}", put(api_put_unit))
        .route("/units", get(units_page).post(units_post))
}

/// A contact of a unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactOut {
    pub person: String,
    /// Masked (`138****5678`) for everyone but the office.
    #[serde(default)]
    pub phone: String,
}

/// One unit of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    /// The name the plan uses (`区卫健局`): the key.
    pub name: String,
    pub code: String,
    /// `department` (区级部门), `town` (镇街), `other` (其他).
    pub kind: String,
    pub kind_zh: String,
    pub parent: String,
    pub contacts: Vec<ContactOut>,
    pub note: String,
    /// The version a change must quote.
    pub version: i64,
}

impl From<RegisteredUnit> for UnitOut {
    fn from(r: RegisteredUnit) -> Self {
        let u = r.unit;
        UnitOut {
            kind: u.kind.code().into(),
            kind_zh: u.kind.label_zh().into(),
            name: u.name,
            code: u.code,
            parent: u.parent,
            contacts: u
                .contacts
                .into_iter()
                .map(|c| ContactOut {
                    person: c.person,
                    phone: c.phone,
                })
                .collect(),
            note: u.note,
            version: r.version,
        }
    }
}

/// The register and the plan's units that are not in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitsOut {
    pub units: Vec<UnitOut>,
    /// Warnings: each names where the plan names a unit the register lacks.
    pub unregistered: Vec<String>,
}

/// A unit to add or change (its name is the path's).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitIn {
    #[serde(default)]
    pub code: String,
    /// `department`, `town`, `other` (or 区级部门, 镇街, 其他); default `department`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub contacts: Vec<ContactOut>,
    #[serde(default)]
    pub note: String,
    /// The version read, to change a unit; absent to add one.
    #[serde(default)]
    pub version: Option<i64>,
}

fn parse_kind(text: Option<&str>) -> Result<UnitKind, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(UnitKind::default()),
        Some(t) => t
            .parse::<UnitKind>()
            .map_err(|e| ApiError::invalid(format!("kind:{e}"))),
    }
}

#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    responses(
        (status = 200, description = "单位名录(非工作专班看到的电话已打码)及方案中未登记的单位", body = UnitsOut),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_units(State(web): State<Shared>, who: Authed) -> ApiResult<Json<UnitsOut>> {
    let units = web.app.units(&who.user.login).await?;
    Ok(Json(UnitsOut {
        units: units.into_iter().map(UnitOut::from).collect(),
        unregistered: web.app.unregistered_units().await?,
    }))
}

#[utoipa::path(put, path = "/api/v1/units/{name}", tag = "units", request_body = UnitIn,
    params(
        ("name" = String, Path, description = "单位名称,如 区卫健局"),
        ("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token"),
    ),
    responses(
        (status = 200, description = "已保存(已审计)", body = UnitOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "只有工作专班可以维护单位名录,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "版本冲突:他人已修改,或新增的单位已存在", body = ErrorBody),
        (status = 422, description = "名称、类别、联系人或电话无效", body = ErrorBody),
    ))]
async fn api_put_unit(
    State(web): State<Shared>,
    who: Writer,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<UnitIn>,
) -> ApiResult<Json<UnitOut>> {
    let unit = Unit {
        name,
        code: body.code,
        kind: parse_kind(body.kind.as_deref())?,
        parent: body.parent,
        contacts: body
            .contacts
            .into_iter()
            .map(|c| Contact {
                person: c.person,
                phone: c.phone,
            })
            .collect(),
        note: body.note,
    };
    let saved = web
        .app
        .save_unit(&who.user.login, unit, body.version)
        .await?;
    Ok(Json(UnitOut::from(saved)))
}

#[derive(Debug, Deserialize)]
struct UnitsQuery {
    ok: Option<String>,
    /// The unit to edit in the form.
    edit: Option<String>,
}

struct UnitRow {
    name: String,
    code: String,
    kind: String,
    parent: String,
    contacts: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    c: Chrome,
    title: String,
    notice: String,
    rows: Vec<UnitRow>,
    unregistered: Vec<String>,
    /// The form: the unit edited (empty name: a new one), its contacts one per line.
    form: Unit,
    form_contacts: String,
    form_version: String,
    kinds: Vec<(&'static str, String)>,
}

async fn units_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<UnitsQuery>,
) -> PageResult {
    who.require(&web, "/units", Role::is_office)?;
    let c = who.chrome(&web, "/units");
    let units = web
        .app
        .units(&who.user.login)
        .await
        .map_err(|e| c.error(e))?;
    let unregistered = web.app.unregistered_units().await.map_err(|e| c.error(e))?;
    let edited = q
        .edit
        .as_deref()
        .and_then(|n| units.iter().find(|r| r.unit.name == n));
    let (form, form_version) = match edited {
        Some(r) => (r.unit.clone(), r.version.to_string()),
        None => (Unit::default(), String::new()),
    };
    let en = c.en;
    let page = UnitsPage {
        title: if en {
            "Units".into()
        } else {
            "单位名录".into()
        },
        notice: q.ok.unwrap_or_default(),
        rows: units
            .iter()
            .map(|r| UnitRow {
                name: r.unit.name.clone(),
                code: r.unit.code.clone(),
                kind: if en {
                    r.unit.kind.label_en().into()
                } else {
                    r.unit.kind.label_zh().into()
                },
                parent: r.unit.parent.clone(),
                contacts: r
                    .unit
                    .contacts
                    .iter()
                    .map(|c| format!("{} {}", c.person, c.phone).trim().to_string())
                    .collect::<Vec<_>>()
                    .join(";"),
            })
            .collect(),
        unregistered,
        form_contacts: form
            .contacts
            .iter()
            .map(|c| format!("{} {}", c.person, c.phone).trim().to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        form,
        form_version,
        kinds: UnitKind::all()
            .iter()
            .map(|k| {
                (
                    k.code(),
                    if en {
                        k.label_en().to_string()
                    } else {
                        k.label_zh().to_string()
                    },
                )
            })
            .collect(),
        c,
    };
    Ok(render(&page))
}

/// The form's contacts, one a line (`姓名 电话`).
fn contacts_of(text: &str) -> Vec<Contact> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(Contact::parse)
        .collect()
}

async fn units_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    who.require(&web, "/units", Role::is_office)?;
    let c = who.chrome(&web, "/units");
    check_form(&c, &who, &form)?;
    let get = |k: &str| field(&form, k).unwrap_or("").trim().to_string();
    let kind = parse_kind(Some(&get("kind"))).map_err(|e| c.error(e))?;
    let version = match get("version").as_str() {
        "" => None,
        v => Some(
            v.parse::<i64>()
                .map_err(|_| c.error(ApiError::invalid(format!("版本“{v}”无效"))))?,
        ),
    };
    let unit = Unit {
        name: get("name"),
        code: get("code"),
        kind,
        parent: get("parent"),
        contacts: contacts_of(field(&form, "contacts").unwrap_or("")),
        note: get("note"),
    };
    let saved = web
        .app
        .save_unit(&who.user.login, unit, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/units",
        &if c.en {
            format!("Saved: {}", saved.unit.name)
        } else {
            format!("已保存:{}", saved.unit.name)
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_contacts_are_read_one_a_line() {
        let got = contacts_of("张三 13812345678\n\n李四\n王 五:0580-2021234");
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].person.as_str(), got[0].phone.as_str()),
            ("张三", "13812345678")
        );
        assert_eq!(
            (got[1].person.as_str(), got[1].phone.as_str()),
            ("李四", "")
        );
        assert_eq!(
            (got[2].person.as_str(), got[2].phone.as_str()),
            ("王 五", "0580-2021234")
        );
    }
}
