//! The small expression language of a form's `relevant` and `constraint` cells: the part
//! of XLSForm's XPath that questionnaires of this kind use.
//!
//! ```text
//! expr   := and ("or" and)*
//! and    := unary ("and" unary)*
//! unary  := "not" "(" expr ")" | cmp
//! cmp    := atom (("=" | "!=" | "<" | "<=" | ">" | ">=") atom)?
//! atom   := "." | "${name}" | number | 'text' | "text" | "(" expr ")"
//!         | "selected(" atom "," text ")" | "count-selected(" atom ")"
//!         | "true()" | "false()"
//! ```
//!
//! `.` is the answer being checked, `${q}` another question's answer. Evaluation follows
//! ODK: a blank answer is the empty text; `=` and `!=` compare as numbers when both sides
//! read as numbers, else as text; `<`, `<=`, `>`, `>=` are false unless both sides are
//! numbers. Parsing never panics; nesting and length are bounded.

use std::fmt;

/// Longest expression read, in characters.
pub const MAX_CHARS: usize = 1000;
/// Deepest nesting of parentheses and operators.
const MAX_DEPTH: usize = 40;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `.`: the answer being checked.
    Dot,
    /// `${name}`.
    Ref(String),
    Num(f64),
    Str(String),
    Bool(bool),
    Cmp(Box<Expr>, CmpOp, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `selected(x, 'a')`.
    Selected(Box<Expr>, String),
    /// `count-selected(x)`.
    CountSelected(Box<Expr>),
}

/// Why an expression cannot be read: the reason and the character it was found at
/// (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub at: usize,
    pub reason: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}个字符处{}", self.at + 1, self.reason)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Dot,
    Ref(String),
    Num(f64),
    Str(String),
    Ident(String),
    Op(CmpOp),
    LParen,
    RParen,
    Comma,
}

fn err(at: usize, reason: impl Into<String>) -> ExprError {
    ExprError {
        at,
        reason: reason.into(),
    }
}

fn tokens(text: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_CHARS {
        return Err(err(
            MAX_CHARS,
            format!("表达式过长(最多 {MAX_CHARS} 个字符)"),
        ));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                out.push((i, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((i, Tok::RParen));
                i += 1;
            }
            ',' => {
                out.push((i, Tok::Comma));
                i += 1;
            }
            '=' => {
                out.push((i, Tok::Op(CmpOp::Eq)));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push((i, Tok::Op(CmpOp::Ne)));
                i += 2;
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, eq) {
                    ('<', true) => CmpOp::Le,
                    ('<', false) => CmpOp::Lt,
                    (_, true) => CmpOp::Ge,
                    _ => CmpOp::Gt,
                };
                out.push((i, Tok::Op(op)));
                i += if eq { 2 } else { 1 };
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return Err(err(i, "“$”后应为“{题目名}”"));
                }
                let Some(end) = chars[i + 2..].iter().position(|&c| c == '}') else {
                    return Err(err(i, "“${”缺少右花括号“}”"));
                };
                let name: String = chars[i + 2..i + 2 + end].iter().collect();
                let name = name.trim().to_string();
                if name.is_empty() {
                    return Err(err(i, "“${}”中缺少题目名"));
                }
                out.push((i, Tok::Ref(name)));
                i += end + 3;
            }
            '\'' | '"' => {
                let Some(end) = chars[i + 1..].iter().position(|&q| q == c) else {
                    return Err(err(i, "引号不成对"));
                };
                out.push((i, Tok::Str(chars[i + 1..i + 1 + end].iter().collect())));
                i += end + 2;
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let t: String = chars[start..i].iter().collect();
                match t.parse::<f64>() {
                    Ok(n) if n.is_finite() => out.push((start, Tok::Num(n))),
                    _ => return Err(err(start, format!("“{t}”不是数字"))),
                }
            }
            '.' => {
                out.push((i, Tok::Dot));
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-')
                {
                    i += 1;
                }
                out.push((start, Tok::Ident(chars[start..i].iter().collect())));
            }
            other => return Err(err(i, format!("不认识的字符“{other}”"))),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(a, _)| *a)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ExprError> {
        let at = self.at();
        match self.next() {
            Some(t) if t == want => Ok(()),
            _ => Err(err(at, format!("应为“{what}”"))),
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w == word)
    }

    fn deeper(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.at(), "嵌套过深"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        self.deeper()?;
        let mut left = self.and()?;
        while self.is_word("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        while self.is_word("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.is_word("not") {
            self.pos += 1;
            self.expect(Tok::LParen, "(")?;
            let inner = self.or()?;
            self.expect(Tok::RParen, ")")?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        let left = self.atom()?;
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            self.pos += 1;
            let right = self.atom()?;
            return Ok(Expr::Cmp(Box::new(left), op, Box::new(right)));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        let at = self.at();
        match self.next() {
            Some(Tok::Dot) => Ok(Expr::Dot),
            Some(Tok::Ref(n)) => Ok(Expr::Ref(n)),
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::LParen) => {
                let inner = self.or()?;
                self.expect(Tok::RParen, ")")?;
                Ok(inner)
            }
            Some(Tok::Ident(w)) => match w.as_str() {
                "selected" => {
                    self.expect(Tok::LParen, "(")?;
                    self.deeper()?;
                    let of = self.atom()?;
                    self.depth -= 1;
                    self.expect(Tok::Comma, ",")?;
                    let at = self.at();
                    let choice = match self.next() {
                        Some(Tok::Str(s)) => s,
                        Some(Tok::Num(n)) => format!("{n}"),
                        _ => return Err(err(at, "selected 的第二项应为选项名,如 'a'")),
                    };
                    self.expect(Tok::RParen, ")")?;
                    Ok(Expr::Selected(Box::new(of), choice))
                }
                "count-selected" => {
                    self.expect(Tok::LParen, "(")?;
                    self.deeper()?;
                    let of = self.atom()?;
                    self.depth -= 1;
                    self.expect(Tok::RParen, ")")?;
                    Ok(Expr::CountSelected(Box::new(of)))
                }
                "true" | "false" => {
                    self.expect(Tok::LParen, "(")?;
                    self.expect(Tok::RParen, ")")?;
                    Ok(Expr::Bool(w == "true"))
                }
                _ => Err(err(at, format!("不支持的函数或词“{w}”"))),
            },
            Some(_) => Err(err(at, "此处应为“.”、“${题目名}”、数字或文字")),
            None => Err(err(at, "表达式不完整")),
        }
    }
}

/// Reads an expression.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let toks = tokens(text)?;
    if toks.is_empty() {
        return Err(err(0, "表达式为空"));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end: text.chars().count(),
        depth: 0,
    };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return Err(err(p.at(), "多余的内容"));
    }
    Ok(e)
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Bool(bool),
    Num(f64),
    Str(String),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0.0 && !n.is_nan(),
            Val::Str(s) => !s.is_empty(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Val::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Val::Num(n) => Some(*n),
            Val::Str(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        }
    }

    fn text(&self) -> String {
        match self {
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => format!("{n}"),
            Val::Str(s) => s.clone(),
        }
    }
}

impl Expr {
    /// Every `${name}` the expression reads, in order (with repeats).
    pub fn refs(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Ref(n) = e {
                out.push(n.as_str());
            }
        });
        out
    }

    /// Whether it reads `.`.
    pub fn uses_dot(&self) -> bool {
        let mut dot = false;
        self.walk(&mut |e| dot |= matches!(e, Expr::Dot));
        dot
    }

    /// Every `selected(x, 'c')`: `x`'s question (`None` for `.`) and `c`.
    pub fn selections(&self) -> Vec<(Option<&str>, &str)> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Selected(of, c) = e {
                match of.as_ref() {
                    Expr::Ref(n) => out.push((Some(n.as_str()), c.as_str())),
                    Expr::Dot => out.push((None, c.as_str())),
                    _ => {}
                }
            }
        });
        out
    }

    fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Cmp(a, _, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Not(a) | Expr::Selected(a, _) | Expr::CountSelected(a) => a.walk(f),
            _ => {}
        }
    }

    /// Evaluates to true or false. `answer(None)` is `.`, `answer(Some(q))` is `${q}`;
    /// a blank answer is `""`.
    pub fn holds(&self, answer: &dyn Fn(Option<&str>) -> String) -> bool {
        self.eval(answer).truthy()
    }

    fn eval(&self, answer: &dyn Fn(Option<&str>) -> String) -> Val {
        match self {
            Expr::Dot => Val::Str(answer(None)),
            Expr::Ref(n) => Val::Str(answer(Some(n))),
            Expr::Num(n) => Val::Num(*n),
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Bool(b) => Val::Bool(*b),
            Expr::And(a, b) => Val::Bool(a.eval(answer).truthy() && b.eval(answer).truthy()),
            Expr::Or(a, b) => Val::Bool(a.eval(answer).truthy() || b.eval(answer).truthy()),
            Expr::Not(a) => Val::Bool(!a.eval(answer).truthy()),
            Expr::Selected(of, c) => Val::Bool(
                of.eval(answer)
                    .text()
                    .split_whitespace()
                    .any(|t| t == c.as_str()),
            ),
            Expr::CountSelected(of) => {
                Val::Num(of.eval(answer).text().split_whitespace().count() as f64)
            }
            Expr::Cmp(a, op, b) => {
                let (a, b) = (a.eval(answer), b.eval(answer));
                let nums = a.number().zip(b.number());
                Val::Bool(match op {
                    CmpOp::Eq | CmpOp::Ne => {
                        let same = match nums {
                            Some((x, y)) => x == y,
                            None => a.text() == b.text(),
                        };
                        (*op == CmpOp::Eq) == same
                    }
                    _ => match nums {
                        Some((x, y)) => match op {
                            CmpOp::Lt => x < y,
                            CmpOp::Le => x <= y,
                            CmpOp::Gt => x > y,
                            _ => x >= y,
                        },
                        None => false,
                    },
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(dot: &'a str, refs: &'a [(&'a str, &'a str)]) -> impl Fn(Option<&str>) -> String {
        move |n| match n {
            None => dot.to_string(),
            Some(n) => refs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default(),
        }
    }

    #[test]
    fn ranges_and_references() {
        let e = parse(". >= 0 and . <= 120").unwrap();
        assert!(e.uses_dot());
        assert!(e.holds(&env("35", &[])));
        assert!(!e.holds(&env("121", &[])));
        assert!(!e.holds(&env("-1", &[])));
        assert!(!e.holds(&env("abc", &[])));
        let e = parse("${q} = 'yes'").unwrap();
        assert_eq!(e.refs(), vec!["q"]);
        assert!(e.holds(&env("", &[("q", "yes")])));
        assert!(!e.holds(&env("", &[("q", "no")])));
        assert!(!e.holds(&env("", &[])));
        let e = parse("selected(${needs}, 'tuoyu') or not(${age} < 60)").unwrap();
        assert_eq!(e.selections(), vec![(Some("needs"), "tuoyu")]);
        assert!(e.holds(&env("", &[("needs", "yiliao tuoyu"), ("age", "30")])));
        assert!(!e.holds(&env("", &[("needs", "yiliao"), ("age", "30")])));
        assert!(e.holds(&env("", &[("needs", ""), ("age", "70")])));
        let e = parse("count-selected(.) <= 3").unwrap();
        assert!(e.holds(&env("a b c", &[])));
        assert!(!e.holds(&env("a b c d", &[])));
        assert!(parse("${a} != 1").unwrap().holds(&env("", &[("a", "2")])));
        assert!(parse("${a} = 1.0").unwrap().holds(&env("", &[("a", "1")])));
        assert!(parse("true()").unwrap().holds(&env("", &[])));
        assert!(parse("(. > 1) and (. < 3)").unwrap().holds(&env("2", &[])));
    }

    #[test]
    fn errors_say_where() {
        for (text, at) in [
            (". >=", 4),
            ("${q = 1", 0),
            ("'abc", 0),
            ("foo(.)", 0),
            (". > 1 2", 6),
            ("selected(${q})", 13),
            ("", 0),
            (". # 1", 2),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.at, at, "{text}: {e}");
        }
        let deep = format!("{}.{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&"not(".repeat(100)).is_err());
        assert!(parse(&deep).is_err());
        assert!(parse(&"a".repeat(2000)).is_err());
    }

    proptest::proptest! {
        /// Any text: an expression or an error, never a panic; what parses evaluates.
        #[test]
        fn never_panics(text in "[ .$\\{}()'\"a-z0-9=<>!,-]{0,60}") {
            if let Ok(e) = parse(&text) {
                let _ = e.holds(&|_| "1".to_string());
            }
        }
    }
}
