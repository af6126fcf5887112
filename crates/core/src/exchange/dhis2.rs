//! DHIS2 `dataValueSets` (2.40 and later), pure: the documents in JSON and CSV, DHIS2's
//! period strings, the mapping of the plan onto DHIS2's identifiers, and the import
//! summary in DHIS2's shape.
//!
//! Documented at <https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html>
//! (sending and reading data values, import parameters, identifier schemes, CSV format).
//!
//! **Mapping.** An indicator is a data element, a component (数值 / 分子 / 分母) a category
//! option combo, a place an organisation unit, the plan a data set; the attribute option
//! combo is always DHIS2's default. The default mapping is derived from the plan: the
//! indicator's code as the data element's code and its name as the name; the place's code
//! and name likewise; the plan's code and name for the data set; the value as DHIS2's
//! `default` combo (UID `HllvX50cXC0`), the numerator and denominator as combos coded
//! `numerator` and `denominator`. Every object's UID is [`stable_uid`] of its kind and code:
//! eleven characters, a letter then letters and digits, the same on every machine and in
//! every run. A mapping file ([`MappingFile`], TOML) overrides any of the three identifiers
//! of any object; what it does not name stays derived.
//!
//! **Periods.** `2025` (yearly), `2025S1` (six-monthly), `2025Q1`, `202503` (monthly),
//! `2025W5` (ISO week; `2025W05` read too) ↔ the plan's year, half, quarter, month and week.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::period::{Period, PeriodKind};
use crate::place::Place;
use crate::plan::Plan;
use crate::value::{Component, ValueKey};

/// DHIS2's built-in `default` category option combo (and attribute option combo).
pub const DEFAULT_COMBO_UID: &str = "HllvX50cXC0";

// ---- identifier schemes ----

/// Which property of a DHIS2 object a document names it by (`idScheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IdScheme {
    #[default]
    Uid,
    Code,
    Name,
}

impl IdScheme {
    /// DHIS2's spelling: `UID`, `CODE`, `NAME`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdScheme::Uid => "UID",
            IdScheme::Code => "CODE",
            IdScheme::Name => "NAME",
        }
    }
}

impl fmt::Display for IdScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdScheme {
    type Err = String;

    /// `uid` (or `id`), `code`, `name`, in any case; `attribute:…` is refused by name.
    fn from_str(s: &str) -> Result<IdScheme, String> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "uid" | "id" => Ok(IdScheme::Uid),
            "code" => Ok(IdScheme::Code),
            "name" => Ok(IdScheme::Name),
            _ if t.starts_with("attribute") => Err(format!(
                "标识方案“{s}”:本系统不支持按属性(attribute)标识,请用 uid、code 或 name"
            )),
            _ => Err(format!("标识方案“{s}”无法识别:只能是 uid、code 或 name")),
        }
    }
}

/// The schemes one side (the payload or the query) names; each may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchemeChoice {
    pub id_scheme: Option<IdScheme>,
    pub data_element: Option<IdScheme>,
    pub org_unit: Option<IdScheme>,
    pub category_option_combo: Option<IdScheme>,
}

/// The scheme in force for each kind of object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdSchemes {
    pub data_element: IdScheme,
    pub org_unit: IdScheme,
    pub category_option_combo: IdScheme,
}

impl IdSchemes {
    /// The same scheme for every object.
    pub fn all(s: IdScheme) -> IdSchemes {
        IdSchemes {
            data_element: s,
            org_unit: s,
            category_option_combo: s,
        }
    }
}

impl SchemeChoice {
    /// DHIS2's precedence: this side (the payload) before `fallback` (the query), and on
    /// each side the specific scheme before the general `idScheme`; UID when none.
    pub fn over(&self, fallback: &SchemeChoice) -> IdSchemes {
        let pick = |own: Option<IdScheme>, other: Option<IdScheme>| {
            own.or(self.id_scheme)
                .or(other)
                .or(fallback.id_scheme)
                .unwrap_or_default()
        };
        IdSchemes {
            data_element: pick(self.data_element, fallback.data_element),
            org_unit: pick(self.org_unit, fallback.org_unit),
            category_option_combo: pick(self.category_option_combo, fallback.category_option_combo),
        }
    }
}

// ---- periods ----

/// DHIS2's ISO period string: `2025`, `2025S1`, `2025Q1`, `202503`, `2025W5`.
pub fn period_text(p: &Period) -> String {
    let (y, i) = (p.year(), p.index());
    match p.kind() {
        PeriodKind::Year => format!("{y:04}"),
        PeriodKind::Half => format!("{y:04}S{i}"),
        PeriodKind::Quarter => format!("{y:04}Q{i}"),
        PeriodKind::Month => format!("{y:04}{i:02}"),
        PeriodKind::Week => format!("{y:04}W{i}"),
    }
}

/// A DHIS2 period string as a period of the plan. Yearly `yyyy`, six-monthly `yyyySn`,
/// quarterly `yyyyQn`, monthly `yyyyMM` and ISO weekly `yyyyWn` (`n` with or without a
/// leading zero) are read; DHIS2's other period types (daily, bi-weekly, bi-monthly,
/// financial years, weeks starting on other days) are named and refused.
pub fn parse_period(text: &str) -> Result<Period, String> {
    let t = text.trim();
    let bad =
        || format!("期间“{text}”不是可识别的 DHIS2 期间(如 2025、2025S1、2025Q1、202503、2025W5)");
    let unsupported = |what: &str| {
        format!("期间“{text}”是 DHIS2 的{what}期间,本系统只支持年、半年、季度、月和 ISO 周")
    };
    let (Some(year), Some(rest)) = (t.get(..4), t.get(4..)) else {
        return Err(bad());
    };
    if !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    let number = |s: &str, max_len: usize| -> Option<u8> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let fail = |_| bad();
    if rest.is_empty() {
        return Period::year_of(year).map_err(fail);
    }
    if rest.bytes().all(|b| b.is_ascii_digit()) {
        return match rest.len() {
            2 => Period::month(year, number(rest, 2).ok_or_else(bad)?).map_err(fail),
            4 => Err(unsupported("日")),
            _ => Err(bad()),
        };
    }
    let other_types = [
        "BiW", "April", "July", "Oct", "Nov", "Wed", "Thu", "Sat", "Sun",
    ];
    if rest.ends_with('B') || other_types.iter().any(|t| rest.contains(*t)) {
        return Err(unsupported("双周、双月、财年或非周一起始周等"));
    }
    if let Some((prefix, n)) = [("S", 1), ("Q", 1), ("W", 2)]
        .iter()
        .find_map(|(p, len)| rest.strip_prefix(*p).map(|n| (*p, number(n, *len))))
    {
        let n = n.ok_or_else(bad)?;
        return match prefix {
            "S" => Period::half(year, n),
            "Q" => Period::quarter(year, n),
            _ => Period::week(year, n),
        }
        .map_err(fail);
    }
    Err(bad())
}

// ---- identifiers ----

const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn fnv1a(basis: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(basis, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A DHIS2-style UID for the object of `kind` (`dataElement`, `orgUnit`,
/// `categoryOptionCombo`, `dataSet`) with code `code`: two FNV-1a 64-bit hashes of
/// `kind:code` (DHIS2's offset basis, and that basis plus one) as one 128-bit number,
/// written as a letter (base 52) then ten letters or digits (base 62). Stable: the same
/// code always gives the same UID.
pub fn stable_uid(kind: &str, code: &str) -> String {
    let text = format!("{kind}:{code}");
    let basis = 0xcbf2_9ce4_8422_2325_u64;
    let mut n = (u128::from(fnv1a(basis, text.as_bytes())) << 64)
        | u128::from(fnv1a(basis + 1, text.as_bytes()));
    let mut out = String::with_capacity(11);
    out.push(LETTERS[(n % 52) as usize] as char);
    n /= 52;
    for _ in 0..10 {
        out.push(ALPHANUMERIC[(n % 62) as usize] as char);
        n /= 62;
    }
    out
}

/// Whether `s` has DHIS2's UID form: eleven characters, a letter then letters or digits.
pub fn is_uid(s: &str) -> bool {
    s.len() == 11
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A DHIS2 object by its three identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DhisObject {
    pub uid: String,
    pub code: String,
    pub name: String,
}

impl DhisObject {
    /// The identifier `scheme` names it by.
    pub fn id(&self, scheme: IdScheme) -> &str {
        match scheme {
            IdScheme::Uid => &self.uid,
            IdScheme::Code => &self.code,
            IdScheme::Name => &self.name,
        }
    }

    fn derived(kind: &str, code: &str, name: &str) -> DhisObject {
        DhisObject {
            uid: stable_uid(kind, code),
            code: code.to_string(),
            name: name.to_string(),
        }
    }

    fn with(mut self, o: &Override) -> DhisObject {
        if let Some(u) = &o.uid {
            self.uid = u.trim().to_string();
        }
        if let Some(c) = &o.code {
            self.code = c.trim().to_string();
        }
        if let Some(n) = &o.name {
            self.name = n.trim().to_string();
        }
        self
    }
}

/// New identifiers for one object; what is absent stays derived.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One override of the mapping file: the plan's side and DHIS2's identifiers.
pub trait Entry {
    /// The indicator's code, the place's code or the component (`value`, `numerator`,
    /// `denominator`).
    fn of(&self) -> &str;
    fn ids(&self) -> Override;
}

macro_rules! entry {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[serde(rename = $field)]
            pub of: String,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub uid: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub code: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
        }

        impl Entry for $name {
            fn of(&self) -> &str {
                self.of.trim()
            }

            fn ids(&self) -> Override {
                Override {
                    uid: self.uid.clone(),
                    code: self.code.clone(),
                    name: self.name.clone(),
                }
            }
        }

        impl $name {
            fn from_object(of: String, o: &DhisObject) -> $name {
                $name {
                    of,
                    uid: Some(o.uid.clone()),
                    code: Some(o.code.clone()),
                    name: Some(o.name.clone()),
                }
            }
        }
    };
}

entry!(
    /// An indicator's data element (`indicator = "T01"`).
    ElementEntry,
    "indicator"
);
entry!(
    /// A component's category option combo (`component = "numerator"`).
    ComboEntry,
    "component"
);
entry!(
    /// A place's org unit (`place = "330902002"`).
    OrgUnitEntry,
    "place"
);

/// The mapping file (TOML): overrides of the mapping derived from the plan.
///
/// ```toml
/// [data_set]
/// uid = "QyxDataSet1"
///
/// [[data_element]]
/// indicator = "T01"
/// uid = "fbfJHSPpUQD"
/// code = "QYX_T01"
///
/// [[category_option_combo]]
/// component = "numerator"
/// uid = "PT59n8BQbqM"
///
/// [[org_unit]]
/// place = "330902002"
/// uid = "DiszpKrYNg8"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_set: Option<Override>,
    #[serde(
        default,
        rename = "data_element",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub data_elements: Vec<ElementEntry>,
    #[serde(
        default,
        rename = "category_option_combo",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub category_option_combos: Vec<ComboEntry>,
    #[serde(default, rename = "org_unit", skip_serializing_if = "Vec::is_empty")]
    pub org_units: Vec<OrgUnitEntry>,
}

impl MappingFile {
    /// Reads a mapping file; a TOML error names its line.
    pub fn parse(text: &str) -> Result<MappingFile, String> {
        toml::from_str(text).map_err(|e| format!("映射文件无法读取:{e}"))
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

/// One kind of object, each with what it stands for in the plan, and its lookups.
#[derive(Debug, Clone, Default)]
pub struct Objects<T> {
    pub list: Vec<(T, DhisObject)>,
    /// By scheme and identifier: the index into `list`, or `None` when two objects share it.
    index: HashMap<(IdScheme, String), Option<usize>>,
}

impl<T: Clone + PartialEq> Objects<T> {
    fn new(list: Vec<(T, DhisObject)>) -> Objects<T> {
        let mut index: HashMap<(IdScheme, String), Option<usize>> = HashMap::new();
        for (i, (_, o)) in list.iter().enumerate() {
            for s in [IdScheme::Uid, IdScheme::Code, IdScheme::Name] {
                let id = o.id(s);
                if id.is_empty() {
                    continue;
                }
                index
                    .entry((s, id.to_string()))
                    .and_modify(|e| *e = None)
                    .or_insert(Some(i));
            }
        }
        Objects { list, index }
    }

    /// The object standing for `of`.
    pub fn of(&self, of: &T) -> Option<&DhisObject> {
        self.list.iter().find(|(t, _)| t == of).map(|(_, o)| o)
    }

    /// What the object `id` (by `scheme`) stands for: `Err` names why none is (unknown,
    /// or shared by two objects).
    pub fn find(&self, scheme: IdScheme, id: &str) -> Result<&T, String> {
        match self.index.get(&(scheme, id.to_string())) {
            Some(Some(i)) => Ok(&self.list[*i].0),
            Some(None) => Err(format!("按 {scheme} 有多个对象同为“{id}”,无法确定是哪一个")),
            None => Err(format!("按 {scheme} 找不到“{id}”")),
        }
    }

    /// Identifiers two objects share (by UID or code: a mapping error), in Chinese.
    fn clashes(&self, what: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .index
            .iter()
            .filter(|((s, _), i)| i.is_none() && *s != IdScheme::Name)
            .map(|((s, id), _)| format!("{what}的 {s}“{id}”被多个对象使用"))
            .collect();
        out.sort();
        out
    }
}

/// The mapping in force: every indicator, component and place with its DHIS2 identifiers.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub data_set: DhisObject,
    pub data_elements: Objects<String>,
    pub category_option_combos: Objects<Component>,
    pub org_units: Objects<String>,
}

impl Mapping {
    /// The mapping derived from `plan` and `places` with `file`'s overrides. Every problem
    /// at once: an override of an indicator, place or component that does not exist, a
    /// UID not of DHIS2's form, a UID or code two objects share.
    pub fn build(
        plan: &Plan,
        places: &[Place],
        file: &MappingFile,
    ) -> Result<Mapping, Vec<String>> {
        let mut problems = Vec::new();
        fn apply<E: Entry>(base: DhisObject, key: &str, entries: &[E]) -> DhisObject {
            entries
                .iter()
                .filter(|e| e.of() == key)
                .fold(base, |o, e| o.with(&e.ids()))
        }
        fn unknown<E: Entry>(
            what: &str,
            entries: &[E],
            known: &dyn Fn(&str) -> bool,
        ) -> Vec<String> {
            entries
                .iter()
                .filter(|e| !known(e.of()))
                .map(|e| format!("映射文件的{what}“{}”不存在", e.of()))
                .collect()
        }
        problems.extend(unknown("指标", &file.data_elements, &|c| {
            plan.indicator(c).is_some()
        }));
        problems.extend(unknown("地点", &file.org_units, &|c| {
            places.iter().any(|p| p.code == c)
        }));
        problems.extend(unknown("分量", &file.category_option_combos, &|c| {
            Component::parse(c).is_some_and(|p| p.as_str() == c)
        }));
        let data_elements = Objects::new(
            plan.indicators
                .iter()
                .map(|i| {
                    let base = DhisObject::derived("dataElement", &i.code, &i.name);
                    (i.code.clone(), apply(base, &i.code, &file.data_elements))
                })
                .collect(),
        );
        let combos = [
            Component::Value,
            Component::Numerator,
            Component::Denominator,
        ]
        .into_iter()
        .map(|c| {
            let base = match c {
                Component::Value => DhisObject {
                    uid: DEFAULT_COMBO_UID.into(),
                    code: "default".into(),
                    name: "default".into(),
                },
                _ => DhisObject::derived("categoryOptionCombo", c.as_str(), c.as_str()),
            };
            (c, apply(base, c.as_str(), &file.category_option_combos))
        })
        .collect();
        let category_option_combos = Objects::new(combos);
        let org_units = Objects::new(
            places
                .iter()
                .map(|p| {
                    let base = DhisObject::derived("orgUnit", &p.code, &p.name);
                    (p.code.clone(), apply(base, &p.code, &file.org_units))
                })
                .collect(),
        );
        let mut data_set = DhisObject::derived("dataSet", &plan.code, &plan.name);
        if let Some(o) = &file.data_set {
            data_set = data_set.with(o);
        }
        problems.extend(data_elements.clashes("数据元素"));
        problems.extend(category_option_combos.clashes("类别选项组合"));
        problems.extend(org_units.clashes("组织机构"));
        let uids = std::iter::once(&data_set)
            .chain(data_elements.list.iter().map(|(_, o)| o))
            .chain(category_option_combos.list.iter().map(|(_, o)| o))
            .chain(org_units.list.iter().map(|(_, o)| o));
        for o in uids {
            if !is_uid(&o.uid) {
                problems.push(format!(
                    "“{}”的 UID“{}”不是 DHIS2 的 UID 格式(11 位,字母开头,仅字母和数字)",
                    o.name, o.uid
                ));
            }
        }
        if problems.is_empty() {
            Ok(Mapping {
                data_set,
                data_elements,
                category_option_combos,
                org_units,
            })
        } else {
            Err(problems)
        }
    }

    /// The whole mapping written out as a mapping file (every object with its three
    /// identifiers): a starting point to edit.
    pub fn to_file(&self) -> MappingFile {
        MappingFile {
            data_set: Some(Override {
                uid: Some(self.data_set.uid.clone()),
                code: Some(self.data_set.code.clone()),
                name: Some(self.data_set.name.clone()),
            }),
            data_elements: (self.data_elements.list.iter())
                .map(|(t, o)| ElementEntry::from_object(t.clone(), o))
                .collect(),
            category_option_combos: (self.category_option_combos.list.iter())
                .map(|(c, o)| ComboEntry::from_object(c.as_str().to_string(), o))
                .collect(),
            org_units: (self.org_units.list.iter())
                .map(|(t, o)| OrgUnitEntry::from_object(t.clone(), o))
                .collect(),
        }
    }

    /// Whether `id` names the data set (by any scheme).
    pub fn is_data_set(&self, id: &str) -> bool {
        [IdScheme::Uid, IdScheme::Code, IdScheme::Name]
            .iter()
            .any(|s| self.data_set.id(*s) == id)
    }
}

// ---- the documents ----

/// A `dataValueSet` document, as DHIS2 reads and writes it in JSON. The set's `period`,
/// `orgUnit` and `attributeOptionCombo` apply to the values that do not name their own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataValueSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_set: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_element_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combo_id_scheme: Option<String>,
    #[serde(default)]
    pub data_values: Vec<DataValue>,
}

/// One data value of a set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataValue {
    #[serde(default)]
    pub data_element: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo: Option<String>,
    /// A string in DHIS2's documents; a JSON number or boolean is read as its text.
    #[serde(
        default,
        deserialize_with = "scalar_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(
        default,
        rename = "followup",
        alias = "followUp",
        deserialize_with = "scalar_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub followup: Option<bool>,
    #[serde(
        default,
        deserialize_with = "scalar_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(f64),
    Flag(bool),
}

impl Scalar {
    fn text(self) -> String {
        match self {
            Scalar::Text(t) => t,
            Scalar::Number(n) => number_text(n),
            Scalar::Flag(b) => b.to_string(),
        }
    }
}

fn scalar_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.map(Scalar::text))
}

fn scalar_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.and_then(|s| flag(&s.text())))
}

/// DHIS2's boolean spellings (`true`, `t`, `1`, in any case); `None` for an empty cell.
fn flag(t: &str) -> Option<bool> {
    match t.trim().to_ascii_lowercase().as_str() {
        "" => None,
        "true" | "t" | "1" => Some(true),
        _ => Some(false),
    }
}

/// A figure as DHIS2's value text: the shortest text that reads back as the same number
/// (`12`, `85.5`).
pub fn number_text(v: f64) -> String {
    format!("{v}")
}

/// DHIS2's CSV columns, in order (the export's header; an import reads by position).
pub const CSV_COLUMNS: [&str; 11] = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
];

fn csv_cell(c: &str) -> String {
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_string()
    }
}

/// The set as DHIS2's CSV: the header, then one row per value (the set's period, org
/// unit and attribute option combo filled in where a value names none).
pub fn write_csv(set: &DataValueSet) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    let or = |own: &Option<String>, set: &Option<String>| {
        own.clone().or(set.clone()).unwrap_or_default()
    };
    for v in &set.data_values {
        let cells = [
            v.data_element.clone(),
            or(&v.period, &set.period),
            or(&v.org_unit, &set.org_unit),
            v.category_option_combo.clone().unwrap_or_default(),
            or(&v.attribute_option_combo, &set.attribute_option_combo),
            v.value.clone().unwrap_or_default(),
            v.stored_by.clone().unwrap_or_default(),
            v.last_updated.clone().unwrap_or_default(),
            v.comment.clone().unwrap_or_default(),
            v.followup.map(|b| b.to_string()).unwrap_or_default(),
            v.deleted.map(|b| b.to_string()).unwrap_or_default(),
        ];
        let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The records of a CSV text (RFC 4180: quoted cells may hold commas, quotes doubled and
/// line breaks); blank lines skipped. `Err` names the line of an unclosed quote.
fn csv_records(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let (mut record, mut cell) = (Vec::new(), String::new());
    let (mut quoted, mut line, mut opened_at) = (false, 1usize, 0usize);
    let mut chars = text.chars().peekable();
    let end_record =
        |record: &mut Vec<String>, cell: &mut String, records: &mut Vec<Vec<String>>| {
            record.push(std::mem::take(cell));
            let r = std::mem::take(record);
            if !(r.len() == 1 && r[0].trim().is_empty()) {
                records.push(r);
            }
        };
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
            (false, '"') if cell.is_empty() => {
                quoted = true;
                opened_at = line;
            }
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => {
                end_record(&mut record, &mut cell, &mut records);
                line += 1;
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err(format!("CSV 第 {opened_at} 行的引号没有闭合"));
    }
    end_record(&mut record, &mut cell, &mut records);
    Ok(records)
}

/// A DHIS2 CSV text as a set: columns by position ([`CSV_COLUMNS`]; trailing ones may be
/// absent); a byte-order mark dropped; the first row skipped when it is a header (its
/// first cell `dataelement`, `de` or `data element`, in any case), as DHIS2's
/// `firstRowIsHeader` does.
pub fn read_csv(text: &str) -> Result<DataValueSet, Conflict> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = csv_records(text).map_err(|e| Conflict::new("CSV", e, None, None))?;
    let is_header = records.first().is_some_and(|r| {
        matches!(
            r[0].trim().to_ascii_lowercase().as_str(),
            "dataelement" | "de" | "data element" | "data_element"
        )
    });
    if is_header {
        records.remove(0);
    }
    let data_values = records
        .into_iter()
        .map(|r| {
            let cell = |i: usize| {
                r.get(i)
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
            };
            DataValue {
                data_element: cell(0).unwrap_or_default(),
                period: cell(1),
                org_unit: cell(2),
                category_option_combo: cell(3),
                attribute_option_combo: cell(4),
                value: cell(5),
                stored_by: cell(6),
                created: None,
                last_updated: cell(7),
                comment: r.get(8).filter(|c| !c.is_empty()).cloned(),
                followup: cell(9).and_then(|c| flag(&c)),
                deleted: cell(10).and_then(|c| flag(&c)),
            }
        })
        .collect();
    Ok(DataValueSet {
        data_values,
        ..DataValueSet::default()
    })
}

// ---- the import summary ----

/// How an import treats values (`importStrategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStrategy {
    /// New values added, stored ones changed.
    #[default]
    CreateAndUpdate,
    /// New values only: a stored value is a conflict.
    Create,
    /// Stored values only: a new one is a conflict.
    Update,
    /// The named values deleted.
    Delete,
}

impl FromStr for ImportStrategy {
    type Err = String;

    fn from_str(s: &str) -> Result<ImportStrategy, String> {
        match s.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "CREATE_AND_UPDATE" | "NEW_AND_UPDATES" => Ok(ImportStrategy::CreateAndUpdate),
            "CREATE" | "NEW" => Ok(ImportStrategy::Create),
            "UPDATE" | "UPDATES" => Ok(ImportStrategy::Update),
            "DELETE" | "DELETES" => Ok(ImportStrategy::Delete),
            _ => Err(format!(
                "导入策略“{s}”无法识别:只能是 CREATE_AND_UPDATE、CREATE、UPDATE 或 DELETE"
            )),
        }
    }
}

/// The summary's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStatus {
    Success,
    Warning,
    Error,
}

/// What an import did (or, in a dry run, would do) with the values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCount {
    pub imported: usize,
    pub updated: usize,
    pub ignored: usize,
    pub deleted: usize,
}

/// One problem: the object it is about (the identifier as written) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub object: String,
    pub value: String,
    /// Which field of the value: `dataElement`, `period`, `orgUnit`, `value` …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// The positions (from 0) of the values it concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<usize>,
}

impl Conflict {
    pub fn new(
        object: impl Into<String>,
        value: impl Into<String>,
        property: Option<&str>,
        index: Option<usize>,
    ) -> Conflict {
        Conflict {
            object: object.into(),
            value: value.into(),
            property: property.map(str::to_string),
            indexes: index.into_iter().collect(),
        }
    }
}

/// The schemes and options an import ran with, as the summary repeats them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportOptions {
    pub id_schemes: IdSchemesOut,
    pub dry_run: bool,
    pub import_strategy: ImportStrategy,
}

/// The schemes in force, by DHIS2's parameter names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdSchemesOut {
    pub data_element_id_scheme: String,
    pub org_unit_id_scheme: String,
    pub category_option_combo_id_scheme: String,
}

impl From<IdSchemes> for IdSchemesOut {
    fn from(s: IdSchemes) -> IdSchemesOut {
        IdSchemesOut {
            data_element_id_scheme: s.data_element.to_string(),
            org_unit_id_scheme: s.org_unit.to_string(),
            category_option_combo_id_scheme: s.category_option_combo.to_string(),
        }
    }
}

/// DHIS2's import summary (`responseType: ImportSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub response_type: String,
    pub status: ImportStatus,
    pub import_options: ImportOptions,
    pub description: String,
    pub import_count: ImportCount,
    pub conflicts: Vec<Conflict>,
    pub data_set_complete: String,
}

impl ImportSummary {
    /// The summary of an import of `total` values. All or nothing: with any conflict the
    /// status is `ERROR`, every value counted ignored and nothing written; else `SUCCESS`
    /// with `count` (what was written, or in a dry run what would be).
    pub fn of(
        options: ImportOptions,
        total: usize,
        count: ImportCount,
        mut conflicts: Vec<Conflict>,
    ) -> ImportSummary {
        conflicts.sort_by(|a, b| a.indexes.cmp(&b.indexes));
        let (status, count, description) = if !conflicts.is_empty() {
            (
                ImportStatus::Error,
                ImportCount {
                    ignored: total,
                    ..ImportCount::default()
                },
                format!(
                    "{} 处冲突:全部或全不,{} 个数据值均未写入",
                    conflicts.len(),
                    total
                ),
            )
        } else if options.dry_run {
            (
                ImportStatus::Success,
                count,
                "试导入(dryRun)完成:仅检查和计数,未写入任何数据".to_string(),
            )
        } else {
            (ImportStatus::Success, count, "导入完成".to_string())
        };
        ImportSummary {
            response_type: "ImportSummary".into(),
            status,
            import_options: options,
            description,
            import_count: count,
            conflicts,
            data_set_complete: "false".into(),
        }
    }
}

// ---- resolving a document against the mapping ----

/// A value of the document resolved to the plan's key.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Its position in the document (from 0).
    pub index: usize,
    pub key: ValueKey,
    /// The number; `None` for a deletion.
    pub value: Option<f64>,
    pub comment: String,
    /// The data element's identifier as written (for conflicts found later).
    pub object: String,
}

/// Each value of `set` resolved through `mapping` with the schemes in force; every
/// problem a conflict naming the object as written and the value's position. Unknown
/// data elements, org units and combos, periods DHIS2 or the plan cannot read, a
/// non-default attribute option combo, a missing or non-numeric value; a value marked
/// `deleted` (or any under [`ImportStrategy::Delete`]) is a deletion.
pub fn resolve(
    set: &DataValueSet,
    mapping: &Mapping,
    schemes: IdSchemes,
    strategy: ImportStrategy,
) -> (Vec<Incoming>, Vec<Conflict>) {
    let mut out = Vec::new();
    let mut conflicts = Vec::new();
    if let Some(ds) = &set.data_set
        && !mapping.is_data_set(ds)
    {
        conflicts.push(Conflict::new(
            ds,
            format!("数据集“{ds}”不是本方案的数据集({})", mapping.data_set.uid),
            Some("dataSet"),
            None,
        ));
    }
    for (i, v) in set.data_values.iter().enumerate() {
        let before = conflicts.len();
        let mut conflict = |object: &str, value: String, property: &str| {
            conflicts.push(Conflict::new(object, value, Some(property), Some(i)))
        };
        let indicator = if v.data_element.trim().is_empty() {
            conflict("", "缺少数据元素(dataElement)".into(), "dataElement");
            None
        } else {
            let id = v.data_element.trim();
            match mapping.data_elements.find(schemes.data_element, id) {
                Ok(code) => Some(code.clone()),
                Err(why) => {
                    conflict(id, format!("数据元素不存在:{why}"), "dataElement");
                    None
                }
            }
        };
        let period_text = v.period.as_ref().or(set.period.as_ref());
        let period = match period_text.map(|p| p.trim()) {
            None | Some("") => {
                conflict("", "缺少期间(period)".into(), "period");
                None
            }
            Some(p) => match parse_period(p) {
                Ok(p) => Some(p),
                Err(why) => {
                    conflict(p, why, "period");
                    None
                }
            },
        };
        let place = match v
            .org_unit
            .as_ref()
            .or(set.org_unit.as_ref())
            .map(|o| o.trim())
        {
            None | Some("") => {
                conflict("", "缺少组织机构(orgUnit)".into(), "orgUnit");
                None
            }
            Some(ou) => match mapping.org_units.find(schemes.org_unit, ou) {
                Ok(code) => Some(code.clone()),
                Err(why) => {
                    conflict(ou, format!("组织机构不存在:{why}"), "orgUnit");
                    None
                }
            },
        };
        let component = match v.category_option_combo.as_deref().map(str::trim) {
            None | Some("") => Some(Component::Value),
            Some(coc) => match mapping
                .category_option_combos
                .find(schemes.category_option_combo, coc)
            {
                Ok(c) => Some(*c),
                Err(why) => {
                    conflict(
                        coc,
                        format!("类别选项组合不存在:{why}"),
                        "categoryOptionCombo",
                    );
                    None
                }
            },
        };
        if let Some(aoc) = v
            .attribute_option_combo
            .as_ref()
            .or(set.attribute_option_combo.as_ref())
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
        {
            let default = mapping.category_option_combos.of(&Component::Value);
            let is_default = aoc == DEFAULT_COMBO_UID
                || aoc.eq_ignore_ascii_case("default")
                || default.is_some_and(|d| d.uid == aoc);
            if !is_default {
                conflict(
                    aoc,
                    "属性选项组合只支持默认(default)".into(),
                    "attributeOptionCombo",
                );
            }
        }
        let deleting = strategy == ImportStrategy::Delete || v.deleted == Some(true);
        let value = if deleting {
            None
        } else {
            match v.value.as_deref().map(str::trim) {
                None | Some("") => {
                    conflict(&v.data_element, "缺少数值(value)".into(), "value");
                    None
                }
                Some(t) => match t.parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    _ => {
                        conflict(t, format!("数值“{t}”不是数字"), "value");
                        None
                    }
                },
            }
        };
        if conflicts.len() > before {
            continue;
        }
        if let (Some(indicator), Some(place), Some(period), Some(component)) =
            (indicator, place, period, component)
        {
            out.push(Incoming {
                index: i,
                key: ValueKey {
                    indicator,
                    place,
                    period,
                    component,
                },
                value,
                comment: v.comment.clone().unwrap_or_default(),
                object: v.data_element.trim().to_string(),
            });
        }
    }
    (out, conflicts)
}

/// One stored figure as a data value of an export, named by `schemes`; `None` when the
/// mapping lacks its indicator, place or component (it cannot, when built from the same
/// plan and places).
pub fn data_value(
    mapping: &Mapping,
    schemes: IdSchemes,
    key: &ValueKey,
    value: f64,
    stored_by: &str,
    last_updated: chrono::NaiveDateTime,
    comment: &str,
) -> Option<DataValue> {
    let de = mapping.data_elements.of(&key.indicator)?;
    let ou = mapping.org_units.of(&key.place)?;
    let coc = mapping.category_option_combos.of(&key.component)?;
    let aoc = mapping.category_option_combos.of(&Component::Value)?;
    let at = last_updated.format("%Y-%m-%dT%H:%M:%S%.3f").to_string();
    Some(DataValue {
        data_element: de.id(schemes.data_element).to_string(),
        period: Some(period_text(&key.period)),
        org_unit: Some(ou.id(schemes.org_unit).to_string()),
        category_option_combo: Some(coc.id(schemes.category_option_combo).to_string()),
        attribute_option_combo: Some(aoc.id(schemes.category_option_combo).to_string()),
        value: Some(number_text(value)),
        stored_by: Some(stored_by.to_string()),
        created: Some(at.clone()),
        last_updated: Some(at),
        comment: (!comment.is_empty()).then(|| comment.to_string()),
        followup: Some(false),
        deleted: None,
    })
}

#[cfg(test)]
mod tests;
