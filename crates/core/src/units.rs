//! The register of units (单位名录): the district's departments and the towns' offices
//! that lead or share the plan's indicators, tasks and orders, with their kind, parent and
//! contacts. A unit is named as the plan names it (`区卫健局`): that name is its key.
//! Kept as management records (`unit`), versioned and audited like the rest.

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

/// What kind of unit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 区级部门: a department of the district.
    #[default]
    Department,
    /// 镇街: a town's or subdistrict's office.
    Town,
    /// 其他: anything else (a company, an association).
    Other,
}

impl UnitKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            UnitKind::Department => "区级部门",
            UnitKind::Town => "镇街",
            UnitKind::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            UnitKind::Department => "district department",
            UnitKind::Town => "town office",
            UnitKind::Other => "other",
        }
    }
}

crate::labelled!(UnitKind, "单位类别", {
    Department => "department" | "部门" | "区级部门",
    Town => "town" | "镇" | "街道" | "镇(街道)",
    Other => "other",
});

/// Someone to call at a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contact {
    pub person: String,
    /// As written (digits, `-`, `+`, spaces); shown masked to everyone but the office.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
}

impl Contact {
    /// A contact as written in one line: `姓名 电话`, `姓名:电话` or `姓名` (the phone is the
    /// last word when it has a digit).
    pub fn parse(line: &str) -> Contact {
        let line = line.trim();
        match line.rsplit_once([' ', '\u{3000}', ':', ':']) {
            Some((person, phone)) if phone.chars().any(|c| c.is_ascii_digit()) => Contact {
                person: person.trim().into(),
                phone: phone.trim().into(),
            },
            _ => Contact {
                person: line.into(),
                phone: String::new(),
            },
        }
    }
}

/// One unit of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Unit {
    /// The name the plan uses (`区卫健局`); the key.
    pub name: String,
    /// A short code of its own (机构代码 or an abbreviation); empty when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    #[serde(default)]
    pub kind: UnitKind,
    /// The unit above it (a town office's 镇政府, a bureau's parent department); empty
    /// when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parent: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The longest unit name, in characters.
pub const MAX_UNIT_NAME_CHARS: usize = 50;

impl Unit {
    /// Every problem of the unit as entered, in Chinese (empty: it may be kept):
    /// a name (at most [`MAX_UNIT_NAME_CHARS`] characters, one line), a parent other than
    /// itself, and contacts with a person and a phone of 7–20 digits (`-`, `+`, spaces
    /// allowed between them).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            out.push("单位名称不能为空".to_string());
        } else if name.chars().count() > MAX_UNIT_NAME_CHARS {
            out.push(format!("单位名称“{name}”超过 {MAX_UNIT_NAME_CHARS} 个字符"));
        }
        if [&self.name, &self.code, &self.parent, &self.note]
            .iter()
            .any(|t| t.chars().any(char::is_control))
        {
            out.push(format!(
                "单位“{name}”的名称、代码、上级和备注只能是一行文字"
            ));
        }
        if !self.parent.trim().is_empty() && self.parent.trim() == name {
            out.push(format!("单位“{name}”的上级不能是它自己"));
        }
        for (n, c) in self.contacts.iter().enumerate() {
            let n = n + 1;
            if c.person.trim().is_empty() {
                out.push(format!("单位“{name}”的第{n}个联系人没有姓名"));
            }
            if !c.phone.trim().is_empty() && !phone_is_valid(&c.phone) {
                out.push(format!(
                    "单位“{name}”的联系人 {} 的电话“{}”无效:应为 7–20 位数字(可含 -、+、空格)",
                    c.person, c.phone
                ));
            }
        }
        out
    }

    /// The unit with surrounding blanks removed from its texts.
    pub fn trimmed(mut self) -> Unit {
        for t in [
            &mut self.name,
            &mut self.code,
            &mut self.parent,
            &mut self.note,
        ] {
            *t = t.trim().to_string();
        }
        for c in &mut self.contacts {
            c.person = c.person.trim().to_string();
            c.phone = c.phone.trim().to_string();
        }
        self
    }

    /// The unit as someone who is not the office sees it: phones masked.
    pub fn masked(&self) -> Unit {
        let mut u = self.clone();
        for c in &mut u.contacts {
            c.phone = mask_phone(&c.phone);
        }
        u
    }
}

fn phone_is_valid(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '))
}

/// A phone number with all but its first three and last four digits hidden
/// (`13812345678` → `138****5678`); a short one keeps only its last two digits.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    if n == 0 {
        return String::new();
    }
    let (head, tail) = if n >= 11 { (3, 4) } else { (0, 2.min(n)) };
    digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i < head || i >= n - tail { *d } else { '*' })
        .collect()
}

/// Every unit the plan names (lead and partner units of its indicators, tasks and
/// projects), each with where it is first named, in plan order.
pub fn named_units(plan: &Plan) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |unit: &str, at: String| {
        let unit = unit.trim();
        if !unit.is_empty() && !out.iter().any(|(u, _)| u == unit) {
            out.push((unit.to_string(), at));
        }
    };
    for i in &plan.indicators {
        add(&i.lead_unit, format!("指标 {} 的牵头单位", i.code));
        for p in &i.partner_units {
            add(p, format!("指标 {} 的配合单位", i.code));
        }
    }
    for t in &plan.tasks {
        add(&t.lead_unit, format!("任务 {} 的牵头单位", t.code));
        for p in &t.partner_units {
            add(p, format!("任务 {} 的配合单位", t.code));
        }
    }
    for p in &plan.projects {
        add(&p.lead_unit, format!("项目 {} 的牵头单位", p.code));
    }
    out
}

/// The plan's units that are not in the register, as warnings in Chinese (`plan check`).
pub fn unregistered_units(plan: &Plan, register: &[Unit]) -> Vec<String> {
    named_units(plan)
        .into_iter()
        .filter(|(u, _)| !register.iter().any(|r| r.name == *u))
        .map(|(u, at)| format!("{at}“{u}”不在单位名录中"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str) -> Unit {
        Unit {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_unit_is_checked_whole() {
        assert!(unit("区卫健局").problems().is_empty());
        assert_eq!(unit(" ").problems(), vec!["单位名称不能为空".to_string()]);
        let bad = Unit {
            parent: "区卫健局".into(),
            contacts: vec![
                Contact {
                    person: "".into(),
                    phone: "0580-2021234".into(),
                },
                Contact {
                    person: "王五".into(),
                    phone: "12ab".into(),
                },
            ],
            ..unit("区卫健局")
        };
        let p = bad.problems();
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[0].contains("上级不能是它自己"));
        assert!(p[1].contains("第1个联系人没有姓名"));
        assert!(p[2].contains("电话“12ab”无效"));
        assert!(unit(&"局".repeat(51)).problems()[0].contains("超过 50 个字符"));
    }

    #[test]
    fn phones_are_masked_for_everyone_but_the_office() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0580-2021234"), "058****1234");
        assert_eq!(mask_phone("2021234"), "*****34");
        assert_eq!(mask_phone(""), "");
        let u = Unit {
            contacts: vec![Contact {
                person: "张三".into(),
                phone: "13812345678".into(),
            }],
            ..unit("区卫健局")
        };
        assert_eq!(u.masked().contacts[0].phone, "138****5678");
    }

    #[test]
    fn a_contact_is_read_from_one_line() {
        let c = |l: &str| {
            let c = Contact::parse(l);
            (c.person, c.phone)
        };
        assert_eq!(c("张三 13812345678"), ("张三".into(), "13812345678".into()));
        assert_eq!(
            c("王 五:0580-2021234"),
            ("王 五".into(), "0580-2021234".into())
        );
        assert_eq!(c(" 李四 "), ("李四".into(), String::new()));
    }

    #[test]
    fn kinds_parse_from_code_and_labels() {
        assert_eq!("镇街".parse::<UnitKind>(), Ok(UnitKind::Town));
        assert_eq!("department".parse::<UnitKind>(), Ok(UnitKind::Department));
        assert_eq!("其他".parse::<UnitKind>(), Ok(UnitKind::Other));
        assert!("局".parse::<UnitKind>().is_err());
    }
}
