//! Where a figure comes from (数据来源): what a figure names itself, else the default its
//! indicator names in the plan (`Indicator::data_source`). The length rule of a figure's
//! own source is the write check's (`write::source_problem`).

use serde::Serialize;

/// The source shown beside a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceShown {
    /// The source's text: the figure's own (a ratio's parts joined with 、 when they name
    /// different ones), else the plan's default.
    pub text: String,
    /// Whether the text is the plan's default (no part of the figure named one).
    pub by_default: bool,
}

impl SourceShown {
    /// The text with its provenance in Chinese: `浙里健康` or `统计年鉴(方案默认来源)`.
    pub fn label_zh(&self) -> String {
        if self.by_default {
            format!("{}(方案默认来源)", self.text)
        } else {
            self.text.clone()
        }
    }

    /// The same in English.
    pub fn label_en(&self) -> String {
        if self.by_default {
            format!("{} (the plan's default source)", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// The source to show for a figure whose stored parts name `own` (empty: none named) and
/// whose indicator's default is `default`; `None` when neither names one. Distinct names
/// are kept in their first order.
pub fn shown_source<'a>(
    own: impl IntoIterator<Item = &'a str>,
    default: &str,
) -> Option<SourceShown> {
    let mut named: Vec<&str> = Vec::new();
    for s in own.into_iter().map(str::trim).filter(|s| !s.is_empty()) {
        if !named.contains(&s) {
            named.push(s);
        }
    }
    if !named.is_empty() {
        return Some(SourceShown {
            text: named.join("、"),
            by_default: false,
        });
    }
    let default = default.trim();
    (!default.is_empty()).then(|| SourceShown {
        text: default.to_string(),
        by_default: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figures_own_source_wins_and_the_default_fills_in() {
        let own = shown_source(["浙里健康", "", "浙里健康", "统计年鉴"], "抽样调查").unwrap();
        assert_eq!(own.text, "浙里健康、统计年鉴");
        assert!(!own.by_default);
        assert_eq!(own.label_zh(), "浙里健康、统计年鉴");
        let default = shown_source(["", " "], " 抽样调查 ").unwrap();
        assert_eq!(default.label_zh(), "抽样调查(方案默认来源)");
        assert_eq!(default.label_en(), "抽样调查 (the plan's default source)");
        assert_eq!(shown_source([], ""), None);
    }
}
