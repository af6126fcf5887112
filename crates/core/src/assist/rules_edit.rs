//! Editing the eligibility rules as TOML (issue 16 point 5, the rules page and CLI): every
//! problem named by its line, in Chinese, before anything is saved.

use super::rules::{Clause, RuleSet};

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
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if set.rules.is_empty() {
        problems.push("至少要有一条规则([[rule]])".to_string());
    }
    for r in &set.rules {
        let at = rule_line(text, &r.code)
            .map(|n| format!("第{n}行:"))
            .unwrap_or_default();
        if r.code.trim().is_empty() {
            problems.push(format!("{at}规则编码不能为空"));
        }
        if !seen.insert(r.code.clone()) {
            problems.push(format!("{at}规则编码“{}”重复", r.code));
        }
        if r.name.trim().is_empty() {
            problems.push(format!("{at}规则“{}”没有名称", r.code));
        }
        if r.clauses.is_empty() {
            problems.push(format!("{at}规则“{}”没有条款", r.code));
        }
        for (n, c) in r.clauses.iter().enumerate() {
            let bad_times = match c {
                Clause::IncomeBelow { times, .. }
                | Clause::IncomeAtLeast { times, .. }
                | Clause::AssetsAtMost { times, .. } => !(times.is_finite() && *times >= 0.0),
                _ => false,
            };
            if bad_times {
                problems.push(format!(
                    "{at}规则“{}”第{}个条款:倍数应为不小于0的数",
                    r.code,
                    n + 1
                ));
            }
            if let Clause::CategoryAny { categories } = c
                && categories.is_empty()
            {
                problems.push(format!(
                    "{at}规则“{}”第{}个条款:至少列出一个困难类别",
                    r.code,
                    n + 1
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(problems)
    }
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
}
