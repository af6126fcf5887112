//! What every evaluation result carries: the formula in plain Chinese words with the
//! numbers filled in, and the inputs it used, so any status on a screen can be opened.

use serde::Serialize;
use std::fmt;

/// One input value: a number or a text (a target as written, a polarity, a period).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum InputValue {
    Number(f64),
    Text(String),
}

impl fmt::Display for InputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputValue::Number(v) => write!(f, "{}", fmt_num(*v)),
            InputValue::Text(s) => f.write_str(s),
        }
    }
}

/// The formula and inputs of one result. `inputs` keeps the order in which they were
/// used; serialized as `[["基期值", 14.5], ["指标方向", "越低越好"], …]`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Explanation {
    pub formula: String,
    pub inputs: Vec<(String, InputValue)>,
}

impl Explanation {
    pub fn new(formula: impl Into<String>) -> Self {
        Explanation {
            formula: formula.into(),
            inputs: Vec::new(),
        }
    }

    pub fn num(mut self, name: impl Into<String>, value: f64) -> Self {
        self.inputs.push((name.into(), InputValue::Number(value)));
        self
    }

    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.inputs
            .push((name.into(), InputValue::Text(value.into())));
        self
    }

    /// Adds a number only when it is known.
    pub fn opt(self, name: impl Into<String>, value: Option<f64>) -> Self {
        match value {
            Some(v) => self.num(name, v),
            None => self.text(name, "无"),
        }
    }

    /// The input named `name`, if present.
    pub fn input(&self, name: &str) -> Option<&InputValue> {
        self.inputs.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formula)?;
        if !self.inputs.is_empty() {
            f.write_str("(")?;
            for (i, (n, v)) in self.inputs.iter().enumerate() {
                if i > 0 {
                    f.write_str(";")?;
                }
                write!(f, "{n}={v}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A number for a sentence: up to 4 decimals, trailing zeros dropped.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_inputs_as_pairs() {
        let e = Explanation::new("式")
            .num("基期值", 14.5)
            .text("方向", "越低越好");
        let j = serde_json::to_value(&e).unwrap();
        assert_eq!(j["formula"], "式");
        assert_eq!(j["inputs"][0][0], "基期值");
        assert_eq!(j["inputs"][0][1], 14.5);
        assert_eq!(j["inputs"][1][1], "越低越好");
        assert_eq!(e.to_string(), "式(基期值=14.5;方向=越低越好)");
    }

    #[test]
    fn formats_numbers_for_sentences() {
        assert_eq!(fmt_num(2.0), "2");
        assert_eq!(fmt_num(0.80717), "0.8072");
        assert_eq!(fmt_num(-0.00001), "0");
        assert_eq!(fmt_num(f64::NAN), "—");
    }
}
