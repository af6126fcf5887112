//! A questionnaire as XLSForm describes it (the ODK / KoboToolbox standard): the `survey`
//! rows (questions, notes and groups, in order), the `choices` rows (options of named
//! lists) and the `settings`. Labels are kept per language as the column names them
//! (`label::中文` → `中文`; a bare `label` → `""`).
//!
//! [`Form::check`] lists every problem at once, each naming its sheet, item and field, so
//! that a reader can point at the row and column; [`Form::check_answer`] checks one
//! respondent's answers against the form (types, lists, `required`, `relevant`,
//! `constraint`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::expr::{self, Expr};
use crate::plan::Domain;

/// A question's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionType {
    SelectOne(String),
    SelectMultiple(String),
    Integer,
    Decimal,
    Text,
    Note,
    BeginGroup,
    EndGroup,
}

impl QuestionType {
    /// The list a select question draws from.
    pub fn list(&self) -> Option<&str> {
        match self {
            QuestionType::SelectOne(l) | QuestionType::SelectMultiple(l) => Some(l),
            _ => None,
        }
    }

    /// Whether it takes an answer (not a note or a group's bound).
    pub fn is_answered(&self) -> bool {
        !matches!(
            self,
            QuestionType::Note | QuestionType::BeginGroup | QuestionType::EndGroup
        )
    }

    fn is_group(&self) -> bool {
        matches!(self, QuestionType::BeginGroup | QuestionType::EndGroup)
    }
}

impl fmt::Display for QuestionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuestionType::SelectOne(l) => write!(f, "select_one {l}"),
            QuestionType::SelectMultiple(l) => write!(f, "select_multiple {l}"),
            QuestionType::Integer => f.write_str("integer"),
            QuestionType::Decimal => f.write_str("decimal"),
            QuestionType::Text => f.write_str("text"),
            QuestionType::Note => f.write_str("note"),
            QuestionType::BeginGroup => f.write_str("begin_group"),
            QuestionType::EndGroup => f.write_str("end_group"),
        }
    }
}

impl std::str::FromStr for QuestionType {
    type Err = String;

    /// XLSForm's spellings: `select_one L`, `select one L`, `begin_group`, `begin group`…
    fn from_str(text: &str) -> Result<QuestionType, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        let select = |multiple: bool, list: Option<&&str>| match list {
            Some(list) if words.len() == l.len() => Ok(if multiple {
                QuestionType::SelectMultiple(list.to_string())
            } else {
                QuestionType::SelectOne(list.to_string())
            }),
            _ => Err("选择题缺少选项列表名(应写作“select_one 列表名”)".to_string()),
        };
        match l.as_slice() {
            ["select_one", ..] => select(false, words.get(1)).and_then(|t| one_list(&words, t)),
            ["select", "one", ..] => {
                select(false, words.get(2)).and_then(|t| one_list(&words[1..], t))
            }
            ["select_multiple", ..] => {
                select(true, words.get(1)).and_then(|t| one_list(&words, t))
            }
            ["select", "multiple", ..] => {
                select(true, words.get(2)).and_then(|t| one_list(&words[1..], t))
            }
            ["integer"] | ["int"] => Ok(QuestionType::Integer),
            ["decimal"] => Ok(QuestionType::Decimal),
            ["text"] => Ok(QuestionType::Text),
            ["note"] => Ok(QuestionType::Note),
            ["begin_group"] | ["begin", "group"] => Ok(QuestionType::BeginGroup),
            ["end_group"] | ["end", "group"] => Ok(QuestionType::EndGroup),
            [] => Err("缺少题型".into()),
            _ => Err("不支持的题型(可用:select_one、select_multiple、integer、decimal、text、note、begin_group、end_group)".into()),
        }
    }
}

fn one_list(words: &[&str], t: QuestionType) -> Result<QuestionType, String> {
    if words.len() > 2 {
        Err("选项列表名只能有一个词".into())
    } else {
        Ok(t)
    }
}

impl Serialize for QuestionType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QuestionType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<QuestionType, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Text per language: the language as the column names it (`中文`, `English`,
/// `Chinese (zh)`; `""` for a bare `label`).
pub type Texts = BTreeMap<String, String>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// One row of the `survey` sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Empty only for `end_group`.
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label: Texts,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hint: Texts,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub relevant: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub constraint: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constraint_message: Texts,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub appearance: String,
    /// The plan domain's code a satisfaction item belongs to (a name is turned into the
    /// code on reading, [`Form::resolve_domains`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
}

impl Question {
    /// A question of `kind` named `name`, everything else empty.
    pub fn new(kind: QuestionType, name: &str) -> Question {
        Question {
            kind,
            name: name.to_string(),
            label: Texts::new(),
            hint: Texts::new(),
            required: false,
            relevant: String::new(),
            constraint: String::new(),
            constraint_message: Texts::new(),
            appearance: String::new(),
            domain: String::new(),
        }
    }
}

/// One row of the `choices` sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub list_name: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label: Texts,
}

/// The `settings` sheet.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FormSettings {
    pub form_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub form_title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub default_language: String,
}

/// A questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub settings: FormSettings,
    pub survey: Vec<Question>,
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// The sheets of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormSheet {
    Survey,
    Choices,
    Settings,
}

impl FormSheet {
    pub fn name(self) -> &'static str {
        match self {
            FormSheet::Survey => "survey",
            FormSheet::Choices => "choices",
            FormSheet::Settings => "settings",
        }
    }
}

/// A problem of a form: the sheet, the item (0-based index into `survey` or `choices`;
/// 0 for `settings`), the field as its column is named (`relevant`, `label::中文`), the
/// text and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormProblem {
    pub sheet: FormSheet,
    pub item: usize,
    pub field: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for FormProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} 第{}项 {}:",
            self.sheet.name(),
            self.item + 1,
            self.field
        )?;
        if !self.value.is_empty() {
            write!(f, "“{}”", self.value)?;
        }
        f.write_str(&self.reason)
    }
}

/// A respondent's answers: the stratum (a place code) and the raw text per question name
/// (a `select_multiple` answer is its choices' names separated by spaces).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub stratum: String,
    pub values: BTreeMap<String, String>,
}

/// A problem of one answer: the question, the text and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerProblem {
    pub question: String,
    pub value: String,
    pub reason: String,
}

/// Whether `name` is a valid XLSForm name: a letter or `_` first, then letters, digits,
/// `_`, `-` and `.` (ASCII; it becomes an XML element and a CSV column).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The five points of a satisfaction item.
pub const FIVE_POINTS: [&str; 5] = ["1", "2", "3", "4", "5"];

impl Form {
    /// The languages its labels are written in, the default language first.
    pub fn languages(&self) -> Vec<String> {
        let mut all = BTreeSet::new();
        for q in &self.survey {
            all.extend(q.label.keys().cloned());
            all.extend(q.hint.keys().cloned());
            all.extend(q.constraint_message.keys().cloned());
        }
        for c in &self.choices {
            all.extend(c.label.keys().cloned());
        }
        let mut out: Vec<String> = Vec::new();
        let default = &self.settings.default_language;
        if all.remove(default) {
            out.push(default.clone());
        }
        out.extend(all);
        out
    }

    /// The choices of list `list`, in order.
    pub fn list(&self, list: &str) -> impl Iterator<Item = &Choice> {
        self.choices.iter().filter(move |c| c.list_name == list)
    }

    /// The answered question named `name`.
    pub fn question(&self, name: &str) -> Option<&Question> {
        self.survey
            .iter()
            .find(|q| q.name == name && q.kind.is_answered())
    }

    /// Turns each `domain` cell written as the domain's name (`幼有善育`) into its code;
    /// codes and unknown text are left as they are (the check reports the unknown).
    pub fn resolve_domains(&mut self, domains: &[Domain]) {
        for q in &mut self.survey {
            let t = q.domain.trim();
            if let Some(d) = domains
                .iter()
                .find(|d| d.code.eq_ignore_ascii_case(t) || d.name == t || d.name_en == t)
            {
                q.domain = d.code.clone();
            }
        }
    }

    /// The satisfaction items per domain code: the names of the five-point questions
    /// tied to it, in form order.
    pub fn domain_items(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for q in &self.survey {
            if !q.domain.is_empty() && q.kind.is_answered() {
                out.entry(q.domain.clone())
                    .or_default()
                    .push(q.name.clone());
            }
        }
        out
    }

    /// Every problem of the form, against the plan's domains.
    pub fn check(&self, domains: &[Domain]) -> Vec<FormProblem> {
        let mut out = Vec::new();
        let mut put = |sheet, item, field: &str, value: &str, reason: String| {
            out.push(FormProblem {
                sheet,
                item,
                field: field.to_string(),
                value: value.to_string(),
                reason,
            })
        };
        let s = &self.settings;
        if s.form_id.is_empty() {
            put(FormSheet::Settings, 0, "form_id", "", "缺少表单编号".into());
        } else if !valid_name(&s.form_id) {
            put(
                FormSheet::Settings,
                0,
                "form_id",
                &s.form_id,
                "表单编号只能用英文字母、数字、_、-、.,且以字母或 _ 开头".into(),
            );
        }
        // choices
        let mut seen_choice = BTreeSet::new();
        for (i, c) in self.choices.iter().enumerate() {
            if c.list_name.is_empty() {
                put(FormSheet::Choices, i, "list_name", "", "缺少列表名".into());
            } else if !valid_name(&c.list_name) {
                put(
                    FormSheet::Choices,
                    i,
                    "list_name",
                    &c.list_name,
                    "列表名只能用英文字母、数字、_、-、.,且以字母或 _ 开头".into(),
                );
            }
            if c.name.is_empty() {
                put(FormSheet::Choices, i, "name", "", "缺少选项名".into());
            } else if c.name.chars().any(char::is_whitespace) {
                put(
                    FormSheet::Choices,
                    i,
                    "name",
                    &c.name,
                    "选项名不能含空格(多选题的答案以空格分隔选项名)".into(),
                );
            } else if !seen_choice.insert((c.list_name.as_str(), c.name.as_str())) {
                put(
                    FormSheet::Choices,
                    i,
                    "name",
                    &c.name,
                    format!("列表“{}”中选项名重复", c.list_name),
                );
            }
            if c.label.values().all(|l| l.trim().is_empty()) {
                put(FormSheet::Choices, i, "label", "", "缺少选项文字".into());
            }
        }
        let lists: BTreeSet<&str> = self.choices.iter().map(|c| c.list_name.as_str()).collect();
        // survey: names
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, q) in self.survey.iter().enumerate() {
            if q.kind == QuestionType::EndGroup {
                continue;
            }
            if q.name.is_empty() {
                put(FormSheet::Survey, i, "name", "", "缺少题目名".into());
            } else if !valid_name(&q.name) {
                put(
                    FormSheet::Survey,
                    i,
                    "name",
                    &q.name,
                    "题目名只能用英文字母、数字、_、-、.,且以字母或 _ 开头".into(),
                );
            } else if let Some(first) = names.get(q.name.as_str()) {
                put(
                    FormSheet::Survey,
                    i,
                    "name",
                    &q.name,
                    format!("题目名重复(第{}项已用)", first + 1),
                );
            } else {
                names.insert(&q.name, i);
            }
        }
        let by_name: BTreeMap<&str, &Question> = self
            .survey
            .iter()
            .filter(|q| q.kind != QuestionType::EndGroup && !q.name.is_empty())
            .map(|q| (q.name.as_str(), q))
            .collect();
        // survey: each row
        let mut open: Vec<usize> = Vec::new();
        for (i, q) in self.survey.iter().enumerate() {
            match q.kind {
                QuestionType::BeginGroup => open.push(i),
                // (the guard pops the group it closes)
                QuestionType::EndGroup if open.pop().is_none() => {
                    put(
                        FormSheet::Survey,
                        i,
                        "type",
                        "end_group",
                        "end_group 前没有对应的 begin_group".into(),
                    );
                }
                _ => {}
            }
            let type_text = q.kind.to_string();
            if let Some(list) = q.kind.list()
                && !lists.contains(list)
            {
                put(
                    FormSheet::Survey,
                    i,
                    "type",
                    &type_text,
                    format!("choices 表中没有选项列表“{list}”"),
                );
            }
            if !q.kind.is_group() && q.label.values().all(|l| l.trim().is_empty()) {
                put(FormSheet::Survey, i, "label", "", "缺少题目文字".into());
            }
            if !q.kind.is_answered() {
                if q.required {
                    put(
                        FormSheet::Survey,
                        i,
                        "required",
                        "yes",
                        "说明和分组不能设为必答".into(),
                    );
                }
                if !q.constraint.is_empty() {
                    put(
                        FormSheet::Survey,
                        i,
                        "constraint",
                        &q.constraint,
                        "说明和分组不能有取值约束".into(),
                    );
                }
            }
            for (field, text) in [("relevant", &q.relevant), ("constraint", &q.constraint)] {
                if text.is_empty() {
                    continue;
                }
                let e = match expr::parse(text) {
                    Ok(e) => e,
                    Err(e) => {
                        put(FormSheet::Survey, i, field, text, format!("无法解析:{e}"));
                        continue;
                    }
                };
                if field == "relevant" && e.uses_dot() {
                    put(
                        FormSheet::Survey,
                        i,
                        field,
                        text,
                        "跳转条件中不能用“.”,请用 ${题目名}".into(),
                    );
                }
                for r in e.refs() {
                    match by_name.get(r) {
                        None => put(
                            FormSheet::Survey,
                            i,
                            field,
                            text,
                            format!("引用了不存在的题目“{r}”"),
                        ),
                        Some(target) if !target.kind.is_answered() => put(
                            FormSheet::Survey,
                            i,
                            field,
                            text,
                            format!("引用的“{r}”是说明或分组,没有答案"),
                        ),
                        Some(_) if field == "relevant" && r == q.name => put(
                            FormSheet::Survey,
                            i,
                            field,
                            text,
                            "跳转条件不能引用本题".into(),
                        ),
                        Some(_) => {}
                    }
                }
                for (of, choice) in e.selections() {
                    let target = match of {
                        Some(n) => by_name.get(n).copied(),
                        None => Some(q),
                    };
                    let Some(target) = target else { continue };
                    match target.kind.list() {
                        None => put(
                            FormSheet::Survey,
                            i,
                            field,
                            text,
                            format!("selected() 用于非选择题“{}”", target.name),
                        ),
                        Some(list) if lists.contains(list) => {
                            if !self.list(list).any(|c| c.name == choice) {
                                put(
                                    FormSheet::Survey,
                                    i,
                                    field,
                                    text,
                                    format!("列表“{list}”中没有选项“{choice}”"),
                                );
                            }
                        }
                        Some(_) => {}
                    }
                }
            }
            if !q.domain.is_empty() {
                if !domains.iter().any(|d| d.code == q.domain) {
                    let known: Vec<String> = domains
                        .iter()
                        .map(|d| format!("{}({})", d.code, d.name))
                        .collect();
                    put(
                        FormSheet::Survey,
                        i,
                        "domain",
                        &q.domain,
                        format!("方案中没有这个领域(可用:{})", known.join("、")),
                    );
                }
                let five = match &q.kind {
                    QuestionType::SelectOne(list) => FIVE_POINTS
                        .iter()
                        .all(|p| self.list(list).any(|c| c.name == *p)),
                    _ => false,
                };
                if !five {
                    put(
                        FormSheet::Survey,
                        i,
                        "domain",
                        &q.domain,
                        "领域满意度题应为五级评分单选题(选项名 1–5,其他选项如“不清楚”不计分)"
                            .into(),
                    );
                }
            }
        }
        for i in open {
            put(
                FormSheet::Survey,
                i,
                "type",
                "begin_group",
                "begin_group 没有对应的 end_group".into(),
            );
        }
        out
    }

    /// Every problem of one respondent's answers (the form is assumed clean). A question
    /// inside a group whose `relevant` does not hold is not relevant either.
    pub fn check_answer(&self, values: &BTreeMap<String, String>) -> Vec<AnswerProblem> {
        let get = |n: &str| {
            values
                .get(n)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let holds = |text: &str, dot: &str| match expr::parse(text) {
            Ok(e) => e.holds(&|n: Option<&str>| match n {
                None => dot.to_string(),
                Some(n) => get(n),
            }),
            Err(_) => true,
        };
        let mut out = Vec::new();
        // Each open group: the condition that fails inside it (its own or an outer one's).
        let mut groups: Vec<Option<&str>> = Vec::new();
        for q in &self.survey {
            let outer = groups.last().copied().flatten();
            let own =
                (!q.relevant.is_empty() && !holds(&q.relevant, "")).then_some(q.relevant.as_str());
            let failing = outer.or(own);
            match q.kind {
                QuestionType::BeginGroup => {
                    groups.push(failing);
                    continue;
                }
                QuestionType::EndGroup => {
                    groups.pop();
                    continue;
                }
                QuestionType::Note => continue,
                _ => {}
            }
            let value = get(&q.name);
            let relevant = failing.is_none();
            let mut problem = |reason: String| {
                out.push(AnswerProblem {
                    question: q.name.clone(),
                    value: value.clone(),
                    reason,
                })
            };
            if value.is_empty() {
                if relevant && q.required {
                    problem("必答题未作答".into());
                }
                continue;
            }
            if !relevant {
                problem(format!(
                    "按跳转条件 {} 此题不应作答",
                    failing.unwrap_or_default()
                ));
                continue;
            }
            let ok = match &q.kind {
                QuestionType::Integer => {
                    value.parse::<i64>().is_ok() || {
                        problem("不是整数".into());
                        false
                    }
                }
                QuestionType::Decimal => {
                    value.parse::<f64>().is_ok_and(f64::is_finite) || {
                        problem("不是数字".into());
                        false
                    }
                }
                QuestionType::SelectOne(list) => {
                    self.list(list).any(|c| c.name == value) || {
                        problem(format!("不是列表“{list}”中的选项"));
                        false
                    }
                }
                QuestionType::SelectMultiple(list) => {
                    let mut ok = true;
                    let mut seen = BTreeSet::new();
                    for v in value.split_whitespace() {
                        if !self.list(list).any(|c| c.name == v) {
                            problem(format!("“{v}”不是列表“{list}”中的选项"));
                            ok = false;
                        } else if !seen.insert(v) {
                            problem(format!("选项“{v}”重复"));
                            ok = false;
                        }
                    }
                    ok
                }
                _ => true,
            };
            if ok && !q.constraint.is_empty() && !holds(&q.constraint, &value) {
                let message = q
                    .constraint_message
                    .get(&self.settings.default_language)
                    .or_else(|| q.constraint_message.values().next())
                    .cloned()
                    .unwrap_or_else(|| format!("不满足取值约束 {}", q.constraint));
                problem(message);
            }
        }
        out
    }
}

/// Parses an XLSForm `required` cell: `yes`/`true`/`true()`/`1`/`是` or blank/`no`/
/// `false`/`false()`/`0`/`否`.
pub fn parse_required(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "true()" | "1" | "是" | "y" => Some(true),
        "" | "no" | "false" | "false()" | "0" | "否" | "n" => Some(false),
        _ => None,
    }
}

/// The parsed expression of a `relevant` or `constraint` cell (for callers that evaluate
/// many answers).
pub fn parse_expr(text: &str) -> Option<Expr> {
    expr::parse(text).ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn domains() -> Vec<Domain> {
        [("YY", "幼有善育"), ("LY", "老有康养")]
            .iter()
            .map(|(c, n)| Domain {
                code: c.to_string(),
                name: n.to_string(),
                lead_unit: String::new(),
                name_en: String::new(),
            })
            .collect()
    }

    fn zh(text: &str) -> Texts {
        [("中文".to_string(), text.to_string())].into()
    }

    pub(crate) fn small_form() -> Form {
        let mut choices = Vec::new();
        for p in FIVE_POINTS {
            choices.push(Choice {
                list_name: "sat5".into(),
                name: p.into(),
                label: zh(p),
            });
        }
        choices.push(Choice {
            list_name: "sat5".into(),
            name: "9".into(),
            label: zh("不清楚"),
        });
        for n in ["tuoyu", "yiliao"] {
            choices.push(Choice {
                list_name: "needs".into(),
                name: n.into(),
                label: zh(n),
            });
        }
        let q = |kind: QuestionType, name: &str| {
            let mut q = Question::new(kind, name);
            q.label = zh(name);
            q
        };
        let mut age = q(QuestionType::Integer, "age");
        age.required = true;
        age.constraint = ". >= 18 and . <= 120".into();
        age.constraint_message = zh("年龄应在 18–120 岁");
        let mut yy1 = q(QuestionType::SelectOne("sat5".into()), "yy1");
        yy1.domain = "YY".into();
        let mut grp = Question::new(QuestionType::BeginGroup, "old");
        grp.relevant = "${age} >= 60".into();
        let mut ly1 = q(QuestionType::SelectOne("sat5".into()), "ly1");
        ly1.domain = "LY".into();
        let mut other = q(QuestionType::Text, "other");
        other.relevant = "selected(${needs}, 'yiliao')".into();
        Form {
            settings: FormSettings {
                form_id: "t".into(),
                ..FormSettings::default()
            },
            survey: vec![
                age,
                yy1,
                grp,
                ly1,
                Question::new(QuestionType::EndGroup, ""),
                q(QuestionType::SelectMultiple("needs".into()), "needs"),
                other,
            ],
            choices,
        }
    }

    #[test]
    fn types_read_and_print() {
        for (text, t) in [
            ("select_one sat5", QuestionType::SelectOne("sat5".into())),
            ("select one sat5", QuestionType::SelectOne("sat5".into())),
            (
                "select_multiple needs",
                QuestionType::SelectMultiple("needs".into()),
            ),
            ("begin group", QuestionType::BeginGroup),
            ("end_group", QuestionType::EndGroup),
            ("integer", QuestionType::Integer),
        ] {
            assert_eq!(text.parse::<QuestionType>(), Ok(t.clone()));
            assert_eq!(t.to_string().parse::<QuestionType>(), Ok(t));
        }
        for bad in ["select_one", "geopoint", "select_one a b", ""] {
            assert!(bad.parse::<QuestionType>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_clean_form_has_no_problem() {
        assert_eq!(small_form().check(&domains()), vec![]);
        let items = small_form().domain_items();
        assert_eq!(items["YY"], vec!["yy1"]);
    }

    #[test]
    fn every_problem_is_listed() {
        let mut f = small_form();
        f.survey[1].domain = "ZZ".into(); // unknown domain
        f.survey[3].name = "age".into(); // duplicate
        f.survey[6].relevant = "${nope} = 1".into(); // bad reference
        f.survey[5].kind = QuestionType::SelectMultiple("missing".into());
        f.survey.push(Question::new(QuestionType::EndGroup, "")); // unbalanced
        f.survey[0].constraint = ". >=".into();
        let p = f.check(&domains());
        let has = |item: usize, field: &str, word: &str| {
            p.iter()
                .any(|x| x.item == item && x.field == field && x.reason.contains(word))
        };
        assert!(has(1, "domain", "没有这个领域"), "{p:#?}");
        assert!(has(3, "name", "重复"), "{p:#?}");
        assert!(has(6, "relevant", "nope"), "{p:#?}");
        assert!(has(5, "type", "missing"), "{p:#?}");
        assert!(has(7, "type", "begin_group"), "{p:#?}");
        assert!(has(0, "constraint", "无法解析"), "{p:#?}");
        // selected() with a choice not in the list, on a non-select question
        let mut f = small_form();
        f.survey[6].relevant = "selected(${needs}, 'zz') or selected(${age}, 'a')".into();
        let p = f.check(&domains());
        assert!(
            p.iter().any(|x| x.reason.contains("没有选项“zz”")),
            "{p:#?}"
        );
        assert!(p.iter().any(|x| x.reason.contains("非选择题")), "{p:#?}");
        // a domain on an item that is not five-point
        let mut f = small_form();
        f.survey[5].domain = "YY".into();
        assert!(
            f.check(&domains())
                .iter()
                .any(|x| x.reason.contains("五级"))
        );
    }

    #[test]
    fn names_resolve_to_codes() {
        let mut f = small_form();
        f.survey[1].domain = "幼有善育".into();
        f.resolve_domains(&domains());
        assert_eq!(f.survey[1].domain, "YY");
    }

    #[test]
    fn answers_are_checked() {
        let f = small_form();
        let a = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(f.check_answer(&a(&[("age", "70"), ("ly1", "4")])), vec![]);
        let p = f.check_answer(&a(&[("age", "17")]));
        assert_eq!(p[0].reason, "年龄应在 18–120 岁");
        let p = f.check_answer(&a(&[("yy1", "6")]));
        assert!(
            p.iter()
                .any(|x| x.question == "age" && x.reason == "必答题未作答")
        );
        assert!(
            p.iter()
                .any(|x| x.question == "yy1" && x.reason.contains("sat5"))
        );
        // the group is not relevant under 60
        let p = f.check_answer(&a(&[("age", "30"), ("ly1", "4")]));
        assert_eq!(p.len(), 1);
        assert!(p[0].reason.contains("不应作答"));
        let p = f.check_answer(&a(&[("age", "x"), ("needs", "tuoyu tuoyu zz")]));
        assert_eq!(p.len(), 3, "{p:#?}");
        assert_eq!(
            f.check_answer(&a(&[("age", "30"), ("needs", "yiliao"), ("other", "药")])),
            vec![]
        );
    }
}
