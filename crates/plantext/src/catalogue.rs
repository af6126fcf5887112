//! Catalogue files (基本公共服务标准 editions) in TOML: one `[catalogue]` header and an
//! `[[items]]` table per service item, the aspect and delivery levels written in Chinese.
//! Loading reports every error at once (`core::catalogue::check`); a field left empty for
//! want of a source is a flag, not an error. The shipped editions are embedded.

use serde::{Deserialize, Serialize};
use youxiang_core::catalogue::{Catalogue, Finding, Item, check};

/// Why a catalogue file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueFileError {
    #[error("目录文件格式错误(TOML):{0}")]
    Syntax(String),
    #[error("目录文件有 {} 处错误:\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Finding>),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    catalogue: Header,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    code: String,
    name: String,
    issuer: String,
    year: i32,
    scope: youxiang_core::catalogue::Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sample: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note: String,
}

/// Reads a catalogue file: the edition, with its flags (fields left empty), or every error.
pub fn load(text: &str) -> Result<(Catalogue, Vec<Finding>), CatalogueFileError> {
    let file: CatalogueFile =
        toml::from_str(text).map_err(|e| CatalogueFileError::Syntax(e.to_string()))?;
    let h = file.catalogue;
    let c = Catalogue {
        code: h.code,
        name: h.name,
        issuer: h.issuer,
        year: h.year,
        scope: h.scope,
        parent: h.parent,
        sample: h.sample,
        note: h.note,
        items: file.items,
    };
    let (errors, flags): (Vec<Finding>, Vec<Finding>) =
        check(&c, None).into_iter().partition(|f| f.error);
    if errors.is_empty() {
        Ok((c, flags))
    } else {
        Err(CatalogueFileError::Invalid(errors))
    }
}

/// Writes an edition back as a catalogue file.
pub fn to_toml(c: &Catalogue) -> String {
    let file = CatalogueFile {
        catalogue: Header {
            code: c.code.clone(),
            name: c.name.clone(),
            issuer: c.issuer.clone(),
            year: c.year,
            scope: c.scope,
            parent: c.parent.clone(),
            sample: c.sample,
            note: c.note.clone(),
        },
        items: c.items.clone(),
    };
    toml::to_string(&file).unwrap_or_default()
}

/// The editions shipped with the program, by code.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "national-2023",
        include_str!("../../../catalogues/national-2023.toml"),
    ),
    (
        "dinghai-sample",
        include_str!("../../../catalogues/dinghai-sample.toml"),
    ),
];

/// A shipped edition by its code.
pub fn shipped(code: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use youxiang_core::catalogue::{Evidence, diff};

    /// The Dinghai sample loads, is labelled a sample, every indicator and domain it names
    /// is the Dinghai plan's, every facility type is the register's, and it compares with
    /// the national edition.
    #[test]
    fn the_dinghai_sample_checks_against_the_plan_and_diffs_with_the_national_edition() {
        let (c, flags) = load(shipped("dinghai-sample").unwrap()).unwrap();
        assert!(c.sample && c.name.contains("样例"));
        assert_eq!(c.parent.as_deref(), Some("national-2023"));
        let plan =
            crate::planfile::load(include_str!("../../../plans/dinghai-qiyouxiang.toml")).unwrap();
        let errors: Vec<_> = check(&c, Some(&plan))
            .into_iter()
            .filter(|f| f.error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // 支出责任 is nowhere in the plan: flagged on every item, never filled.
        assert_eq!(
            flags.iter().filter(|f| f.field == "funding").count(),
            c.items.len()
        );
        assert!(c.items.iter().all(|i| !i.source.is_empty()));
        for kind in ["facility", "indicator", "report"] {
            assert!(
                c.items.iter().any(|i| matches!(
                    (&i.evidence, kind),
                    (Some(Evidence::Facility { .. }), "facility")
                        | (Some(Evidence::Indicator { .. }), "indicator")
                        | (Some(Evidence::Report { .. }), "report")
                )),
                "{kind}"
            );
        }
        let (national, _) = load(shipped("national-2023").unwrap()).unwrap();
        let d = diff(&national, &c);
        // 农村危房改造 is in both (by name): its target group differs, not added.
        assert!(
            d.target_group.iter().any(|x| x.name == "农村危房改造"),
            "{d:#?}"
        );
        assert!(!d.added.iter().any(|i| i.name == "农村危房改造"));
        assert_eq!(d.added.len(), c.items.len() - 1);
    }
}
