//! Editing the eligibility rules (issue 16 point 5, the rules page and CLI): the kinds of
//! clause as a closed labelled set, the rules written back as TOML, and every problem found
//! at once — located by rule, clause and field ([`problems`], what the web form shows next
//! to the field) or by line for the TOML text ([`read_rules`]), in Chinese, before anything
//! is saved.

use super::register::Category;
use super::rules::{Basis, Clause, Rule, RuleSet};

/// What a clause tests: the closed set the form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClauseKind {
    IncomeBelow,
    IncomeAtLeast,
    AssetsAtMost,
    SizeAtLeast,
    SizeAtMost,
    CategoryAny,
    CategoryNone,
}

impl ClauseKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ClauseKind::IncomeBelow => "人均年收入低于",
            ClauseKind::IncomeAtLeast => "人均年收入不低于",
            ClauseKind::AssetsAtMost => "人均金融资产不高于",
            ClauseKind::SizeAtLeast => "家庭人口不少于",
            ClauseKind::SizeAtMost => "家庭人口不多于",
            ClauseKind::CategoryAny => "困难类别包含其中之一",
            ClauseKind::CategoryNone => "困难类别均不包含",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ClauseKind::IncomeBelow => "income per head below",
            ClauseKind::IncomeAtLeast => "income per head at least",
            ClauseKind::AssetsAtMost => "assets per head at most",
            ClauseKind::SizeAtLeast => "household size at least",
            ClauseKind::SizeAtMost => "household size at most",
            ClauseKind::CategoryAny => "one of the categories",
            ClauseKind::CategoryNone => "none of the categories",
        }
    }

    /// Which field the clause's value is in.
    pub fn takes(self) -> ClauseValue {
        match self {
            ClauseKind::IncomeBelow | ClauseKind::IncomeAtLeast | ClauseKind::AssetsAtMost => {
                ClauseValue::Line
            }
            ClauseKind::SizeAtLeast | ClauseKind::SizeAtMost => ClauseValue::Count,
            ClauseKind::CategoryAny | ClauseKind::CategoryNone => ClauseValue::Categories,
        }
    }

    /// The clause of this kind from its parts (those the kind does not take are ignored).
    pub fn clause(self, basis: Basis, times: f64, n: usize, categories: Vec<Category>) -> Clause {
        match self {
            ClauseKind::IncomeBelow => Clause::IncomeBelow { basis, times },
            ClauseKind::IncomeAtLeast => Clause::IncomeAtLeast { basis, times },
            ClauseKind::AssetsAtMost => Clause::AssetsAtMost { basis, times },
            ClauseKind::SizeAtLeast => Clause::SizeAtLeast { n },
            ClauseKind::SizeAtMost => Clause::SizeAtMost { n },
            ClauseKind::CategoryAny => Clause::CategoryAny { categories },
            ClauseKind::CategoryNone => Clause::CategoryNone { categories },
        }
    }
}

crate::labelled!(ClauseKind, "条件类别", {
    IncomeBelow => "income_below",
    IncomeAtLeast => "income_at_least",
    AssetsAtMost => "assets_at_most",
    SizeAtLeast => "size_at_least",
    SizeAtMost => "size_at_most",
    CategoryAny => "category_any",
    CategoryNone => "category_none",
});

/// The value a kind of clause takes: a line of the standard and a multiple, a number of
/// people, or categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseValue {
    Line,
    Count,
    Categories,
}

/// A clause's parts: its kind, the line and multiple, the number, the categories (the
/// defaults where the kind takes none).
pub fn parts(c: &Clause) -> (ClauseKind, Basis, f64, usize, &[Category]) {
    match c {
        Clause::IncomeBelow { basis, times } => (ClauseKind::IncomeBelow, *basis, *times, 1, &[]),
        Clause::IncomeAtLeast { basis, times } => {
            (ClauseKind::IncomeAtLeast, *basis, *times, 1, &[])
        }
        Clause::AssetsAtMost { basis, times } => (ClauseKind::AssetsAtMost, *basis, *times, 1, &[]),
        Clause::SizeAtLeast { n } => (ClauseKind::SizeAtLeast, Basis::Dibao, 1.0, *n, &[]),
        Clause::SizeAtMost { n } => (ClauseKind::SizeAtMost, Basis::Dibao, 1.0, *n, &[]),
        Clause::CategoryAny { categories } => {
            (ClauseKind::CategoryAny, Basis::Dibao, 1.0, 1, categories)
        }
        Clause::CategoryNone { categories } => {
            (ClauseKind::CategoryNone, Basis::Dibao, 1.0, 1, categories)
        }
    }
}

/// The field of a rule or clause a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleField {
    Code,
    Name,
    Clauses,
    Kind,
    Basis,
    Times,
    Count,
    Categories,
}

impl RuleField {
    /// The field's name on the form.
    pub fn label_zh(self) -> &'static str {
        match self {
            RuleField::Code => "规则编码",
            RuleField::Name => "救助项目名称",
            RuleField::Clauses => "条件",
            RuleField::Kind => "条件类别",
            RuleField::Basis => "比较依据",
            RuleField::Times => "倍数",
            RuleField::Count => "人数",
            RuleField::Categories => "困难类别",
        }
    }
}

/// One problem of the rules, where it lies: the rule and clause (0-based) and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    /// `None`: the rules as a whole (none at all).
    pub rule: Option<usize>,
    pub clause: Option<usize>,
    pub field: Option<RuleField>,
    /// What is wrong, e.g. `应为不小于0的数`.
    pub text: String,
}

impl RuleProblem {
    /// The problem in words, naming the rule (its number and name), the clause and the
    /// field: `第1条规则“最低生活保障”第2个条件的“倍数”:应为不小于0的数`.
    pub fn describe(&self, rules: &[Rule]) -> String {
        let mut at = String::new();
        if let Some(r) = self.rule {
            at.push_str(&format!("第{}条规则", r + 1));
            if let Some(name) = rules
                .get(r)
                .map(|x| x.name.trim())
                .filter(|n| !n.is_empty())
            {
                at.push_str(&format!("“{name}”"));
            }
        }
        if let Some(c) = self.clause {
            at.push_str(&format!("第{}个条件", c + 1));
        }
        if let Some(f) = self.field {
            if !at.is_empty() {
                at.push('的');
            }
            at.push_str(&format!("“{}”", f.label_zh()));
        }
        if at.is_empty() {
            self.text.clone()
        } else {
            format!("{at}:{}", self.text)
        }
    }
}

/// Every problem of `set` at once, each located by rule, clause and field.
pub fn problems(set: &RuleSet) -> Vec<RuleProblem> {
    let mut out = Vec::new();
    let at = |rule, clause, field, text: &str| RuleProblem {
        rule: Some(rule),
        clause,
        field,
        text: text.to_string(),
    };
    if set.rules.is_empty() {
        out.push(RuleProblem {
            rule: None,
            clause: None,
            field: None,
            text: "至少要有一条规则".to_string(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for (i, r) in set.rules.iter().enumerate() {
        if r.code.trim().is_empty() {
            out.push(at(i, None, Some(RuleField::Code), "不能为空"));
        } else if !seen.insert(r.code.trim()) {
            out.push(at(
                i,
                None,
                Some(RuleField::Code),
                &format!("“{}”与前面的规则重复", r.code),
            ));
        }
        if r.name.trim().is_empty() {
            out.push(at(i, None, Some(RuleField::Name), "不能为空"));
        }
        if r.clauses.is_empty() {
            out.push(at(i, None, Some(RuleField::Clauses), "至少要有一个条件"));
        }
        for (j, c) in r.clauses.iter().enumerate() {
            match c {
                Clause::IncomeBelow { times, .. }
                | Clause::IncomeAtLeast { times, .. }
                | Clause::AssetsAtMost { times, .. }
                    if !(times.is_finite() && *times >= 0.0 && *times <= 100.0) =>
                {
                    out.push(at(i, Some(j), Some(RuleField::Times), "应为0到100之间的数"));
                }
                Clause::SizeAtLeast { n } | Clause::SizeAtMost { n } if *n > 100 => {
                    out.push(at(
                        i,
                        Some(j),
                        Some(RuleField::Count),
                        "应为0到100之间的整数",
                    ));
                }
                Clause::CategoryAny { categories } | Clause::CategoryNone { categories }
                    if categories.is_empty() =>
                {
                    out.push(at(
                        i,
                        Some(j),
                        Some(RuleField::Categories),
                        "至少选择一个困难类别",
                    ));
                }
                _ => {}
            }
        }
    }
    out
}

/// A TOML string or float as written (quoted and escaped; a float with its point).
fn toml_value(v: toml::Value) -> String {
    v.to_string()
}

/// The rules as TOML in the shipped file's shape (one `[[rule]]` table each, one inline
/// table a clause): what the CLI shows and what is stored, read back equal.
pub fn to_toml(set: &RuleSet) -> String {
    let mut out =
        String::from("# 救助资格规则(可修改)。收入、资产均按人均、年计;标准见“低保标准”。\n");
    for r in &set.rules {
        out.push_str("\n[[rule]]\n");
        out.push_str(&format!(
            "code = {}\n",
            toml_value(toml::Value::String(r.code.clone()))
        ));
        out.push_str(&format!(
            "name = {}\n",
            toml_value(toml::Value::String(r.name.clone()))
        ));
        out.push_str("clauses = [\n");
        for c in &r.clauses {
            let (kind, basis, times, n, categories) = parts(c);
            let rest = match kind.takes() {
                ClauseValue::Line => format!(
                    ", basis = \"{}\", times = {}",
                    crate::labels::Labelled::code(basis),
                    toml_value(toml::Value::Float(times))
                ),
                ClauseValue::Count => format!(", n = {n}"),
                ClauseValue::Categories => format!(
                    ", categories = [{}]",
                    categories
                        .iter()
                        .map(|c| format!("\"{}\"", crate::labels::Labelled::code(*c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push_str(&format!(
                "  {{ kind = \"{}\"{rest} }},\n",
                crate::labels::Labelled::code(kind)
            ));
        }
        out.push_str("]\n");
    }
    out
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where the rule `code` is declared (`code = "…"`), if found.
fn rule_line(text: &str, code: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim();
            l.starts_with("code") && l.contains(&format!("\"{code}\""))
        })
        .map(|n| n + 1)
}

/// The rules read from `text`, or every problem, each with its line (`第3行:…`).
pub fn read_rules(text: &str) -> Result<RuleSet, Vec<String>> {
    let set: RuleSet = match toml::from_str(text) {
        Ok(s) => s,
        Err(e) => {
            let at = e
                .span()
                .map(|s| format!("第{}行:", line_of(text, s.start)))
                .unwrap_or_default();
            let msg = e.message().trim().to_string();
            let words = if msg.contains("unknown variant") {
                "条款类别(kind)或依据(basis)不是可用的取值".to_string()
            } else if msg.contains("missing field") {
                format!("缺少必填项({})", msg.replace("missing field", "").trim())
            } else if msg.contains("invalid type") {
                "取值的类型不对(数字、文字或列表)".to_string()
            } else {
                format!("格式有误({msg})")
            };
            return Err(vec![format!("{at}{words}")]);
        }
    };
    let located = problems(&set);
    if located.is_empty() {
        return Ok(set);
    }
    Err(located
        .iter()
        .map(|p| {
            let Some(i) = p.rule else {
                return format!("{}([[rule]])", p.text);
            };
            let code = &set.rules[i].code;
            let at = rule_line(text, code)
                .map(|n| format!("第{n}行:"))
                .unwrap_or_default();
            let what = match (p.clause, p.field) {
                (_, Some(RuleField::Code)) if code.trim().is_empty() => {
                    "规则编码不能为空".to_string()
                }
                (_, Some(RuleField::Code)) => format!("规则编码“{code}”重复"),
                (_, Some(RuleField::Name)) => format!("规则“{code}”没有名称"),
                (_, Some(RuleField::Clauses)) => format!("规则“{code}”没有条款"),
                (Some(j), Some(f)) => {
                    format!("规则“{code}”第{}个条款:{}{}", j + 1, f.label_zh(), p.text)
                }
                _ => format!("规则“{code}”:{}", p.text),
            };
            format!("{at}{what}")
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assist::rules::DEFAULT_RULES;

    #[test]
    fn the_shipped_rules_read_and_problems_name_their_line() {
        assert_eq!(read_rules(DEFAULT_RULES).unwrap().rules.len(), 3);
        let broken = "[[rule]]\ncode = \"a\"\nname = \"甲\"\nclauses = [ { kind = \"nope\" } ]\n";
        let p = read_rules(broken).unwrap_err();
        assert!(p[0].starts_with("第4行"), "{p:?}");
        let dup = format!("{DEFAULT_RULES}\n[[rule]]\ncode = \"x\"\nname = \"\"\nclauses = []\n");
        let p = read_rules(&dup).unwrap_err();
        assert!(p.iter().any(|x| x.contains("没有名称")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("没有条款")), "{p:?}");
        assert!(p.iter().all(|x| x.starts_with('第')), "{p:?}");
    }

    #[test]
    fn rules_written_as_toml_read_back_equal() {
        let set = RuleSet::defaults();
        let text = to_toml(&set);
        assert_eq!(read_rules(&text).unwrap(), set);
        assert!(text.contains("{ kind = \"income_below\", basis = \"dibao\", times = 1.0 }"));
        let mut odd = set.clone();
        odd.rules[0].name = "引号\"与\\斜杠".into();
        odd.rules[0].clauses.push(Clause::CategoryNone {
            categories: vec![Category::Child, Category::ElderAlone],
        });
        assert_eq!(read_rules(&to_toml(&odd)).unwrap(), odd);
    }

    #[test]
    fn problems_name_the_rule_the_clause_and_the_field() {
        let mut set = RuleSet::defaults();
        set.rules[0].clauses[1] = Clause::IncomeBelow {
            basis: Basis::Dibao,
            times: -1.0,
        };
        set.rules[2].clauses[0] = Clause::CategoryAny { categories: vec![] };
        set.rules[1].name = " ".into();
        let p = problems(&set);
        let words: Vec<String> = p.iter().map(|x| x.describe(&set.rules)).collect();
        assert_eq!(
            words,
            vec![
                "第1条规则“最低生活保障”第2个条件的“倍数”:应为0到100之间的数",
                "第2条规则的“救助项目名称”:不能为空",
                "第3条规则“特困供养”第1个条件的“困难类别”:至少选择一个困难类别",
            ]
        );
        assert_eq!((p[0].rule, p[0].clause), (Some(0), Some(1)));
        for k in <ClauseKind as crate::labels::Labelled>::all() {
            let (kind, ..) = parts(&k.clause(Basis::Edge, 1.5, 2, vec![Category::Dibao]));
            assert_eq!(kind, *k);
        }
    }
}
