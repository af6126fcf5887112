//! 需求分析 (issue 17, point 4): what respondents say they need.
//!
//! * Ranked needs from every `select_multiple` question: for each choice, how many of the
//!   question's respondents chose it, its share p = count / n and the 95 % margin
//!   1.96 · √(p (1 − p) / n) (a simple random sample's; percentage points), ranked by count.
//!   A question with n < 30 is marked 样本不足 like an index cell.
//! * Open answers (`text` questions) grouped into categories the office edits: each
//!   category a list of keywords, matched over the answer's words as a Chinese word
//!   segmentation cut them (the segmenter is passed in; this module stays pure). A keyword
//!   of one character matches only a whole word; from two characters on it matches inside
//!   a word (养老 in 养老院) or across the cuts (看病 from 看|病, 路灯 from 路|灯不亮,
//!   as jieba cuts 路灯不亮). An answer may fall in
//!   several categories; one in none is 未归类. Each category keeps a few example
//!   answers, the text only (never the stratum or any other field), long digit runs
//!   masked and the text cut short.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::form::{Answer, Form, QuestionType, Texts};
use super::index::{MIN_N, Z95};

/// At most this many example answers per category.
pub const MAX_EXAMPLES: usize = 3;
/// An example answer is cut to this many characters.
pub const EXAMPLE_CHARS: usize = 60;
/// The code of the answers no category matched.
pub const UNCATEGORIZED: &str = "";

/// One choice of a `select_multiple` question, ranked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedOption {
    pub choice: String,
    pub label: Texts,
    /// Respondents who chose it.
    pub count: usize,
    /// count / n, per cent.
    pub share: f64,
    /// The 95 % margin of the share, percentage points.
    pub moe: f64,
}

/// A `select_multiple` question's needs, most chosen first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedQuestion {
    pub question: String,
    pub label: Texts,
    /// Respondents who answered the question (chose at least one option).
    pub n: usize,
    /// n < 30: shown as 样本不足.
    pub suppressed: bool,
    pub options: Vec<NeedOption>,
}

/// One category of open answers (the office's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandCategory {
    /// A short code (a plan domain's code for the defaults).
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub keywords: Vec<String>,
}

/// The categories open answers are grouped into, in the order shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandCategories {
    pub categories: Vec<DemandCategory>,
}

impl Default for DemandCategories {
    /// The seven 七优享 domains with everyday words for each.
    fn default() -> DemandCategories {
        let c = |code: &str, name: &str, en: &str, words: &[&str]| DemandCategory {
            code: code.to_string(),
            name: name.to_string(),
            name_en: en.to_string(),
            keywords: words.iter().map(|w| w.to_string()).collect(),
        };
        DemandCategories {
            categories: vec![
                c(
                    "YY",
                    "幼有善育",
                    "Childcare",
                    &[
                        "托育",
                        "托儿所",
                        "幼儿园",
                        "婴幼儿",
                        "育儿",
                        "生育",
                        "带娃",
                        "宝宝",
                        "母婴",
                    ],
                ),
                c(
                    "XY",
                    "学有优教",
                    "Education",
                    &[
                        "学校", "上学", "教育", "老师", "教师", "学位", "入学", "课后", "读书",
                        "学生",
                    ],
                ),
                c(
                    "LD",
                    "劳有所得",
                    "Employment and income",
                    &[
                        "就业", "工作", "工资", "收入", "招聘", "培训", "技能", "失业", "创业",
                    ],
                ),
                c(
                    "BY",
                    "病有良医",
                    "Health care",
                    &[
                        "看病",
                        "医院",
                        "医生",
                        "医疗",
                        "挂号",
                        "卫生院",
                        "体检",
                        "门诊",
                        "医保",
                        "买药",
                    ],
                ),
                c(
                    "LY",
                    "老有康养",
                    "Elderly care",
                    &[
                        "养老",
                        "老人",
                        "老年",
                        "助餐",
                        "食堂",
                        "护理",
                        "照料",
                        "居家",
                        "敬老院",
                    ],
                ),
                c(
                    "ZY",
                    "住有宜居",
                    "Housing",
                    &[
                        "住房", "房子", "房租", "租房", "小区", "电梯", "物业", "停车", "旧改",
                        "改造",
                    ],
                ),
                c(
                    "RF",
                    "弱有众扶",
                    "Assistance",
                    &[
                        "救助",
                        "低保",
                        "残疾",
                        "困难",
                        "帮扶",
                        "特困",
                        "救济",
                        "残疾人",
                    ],
                ),
            ],
        }
    }
}

impl DemandCategories {
    /// Every problem of the list at once (empty: fine).
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.categories.is_empty() {
            out.push("至少需要一个类别".to_string());
        }
        if self.categories.len() > 30 {
            out.push("类别最多 30 个".to_string());
        }
        let mut codes = BTreeSet::new();
        for (i, c) in self.categories.iter().enumerate() {
            let at = format!("第{}个类别", i + 1);
            let code = c.code.trim();
            if code.is_empty()
                || code.chars().count() > 20
                || !code
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
            {
                out.push(format!("{at}:编码“{code}”无效(1–20 个字母、数字、_ 或 -)"));
            } else if !codes.insert(code.to_string()) {
                out.push(format!("{at}:编码“{code}”重复"));
            }
            let name = c.name.trim();
            if name.is_empty() || name.chars().count() > 30 {
                out.push(format!("{at}:名称不能为空,最多 30 个字"));
            }
            if c.keywords.is_empty() {
                out.push(format!("{at}“{name}”:至少需要一个关键词"));
            }
            if c.keywords.len() > 100 {
                out.push(format!("{at}“{name}”:关键词最多 100 个"));
            }
            let mut seen = BTreeSet::new();
            for k in &c.keywords {
                let k = k.trim();
                if k.is_empty() || k.chars().count() > 20 {
                    out.push(format!("{at}“{name}”:关键词“{k}”应为 1–20 个字"));
                } else if !seen.insert(k.to_string()) {
                    out.push(format!("{at}“{name}”:关键词“{k}”重复"));
                }
            }
        }
        out
    }

    /// The list with codes, names and keywords trimmed (what is kept).
    pub fn trimmed(&self) -> DemandCategories {
        DemandCategories {
            categories: self
                .categories
                .iter()
                .map(|c| DemandCategory {
                    code: c.code.trim().to_string(),
                    name: c.name.trim().to_string(),
                    name_en: c.name_en.trim().to_string(),
                    keywords: c
                        .keywords
                        .iter()
                        .map(|k| k.trim().to_string())
                        .filter(|k| !k.is_empty())
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One category of a text question's answers, with a few examples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextCategory {
    /// The category's code; [`UNCATEGORIZED`] (`""`) for the answers no category matched.
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// Answers in the category.
    pub count: usize,
    /// count / n, per cent (an answer may fall in several categories).
    pub share: f64,
    /// At most [`MAX_EXAMPLES`] answers, the text only, digits masked, cut short.
    pub examples: Vec<String>,
}

/// A `text` question's answers grouped, most frequent category first, 未归类 last.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextQuestion {
    pub question: String,
    pub label: Texts,
    /// Non-empty answers.
    pub n: usize,
    pub categories: Vec<TextCategory>,
}

/// The demand analysis of a set of answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    pub needs: Vec<NeedQuestion>,
    pub texts: Vec<TextQuestion>,
}

/// A label in the reader's language: English when `english` and the form has it, else
/// Chinese (`中文`, `zh…`, `Chinese…`), else the bare label, else `fallback` (the name).
pub fn label_for(texts: &Texts, english: bool, fallback: &str) -> String {
    let find = |pred: &dyn Fn(&str) -> bool| {
        texts
            .iter()
            .find(|(k, v)| pred(k) && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
    };
    let en = || find(&|k: &str| k.to_ascii_lowercase().starts_with("en"));
    let zh = || {
        find(&|k: &str| {
            k == "中文" || k.to_ascii_lowercase().starts_with("zh") || k.starts_with("Chinese")
        })
    };
    let picked = if english { en().or_else(zh) } else { zh() };
    picked
        .or_else(|| find(&|k: &str| k.is_empty()))
        .unwrap_or_else(|| fallback.to_string())
}

/// The share (per cent) and its 95 % margin (percentage points) of `count` out of `n`.
pub fn share_moe(count: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let p = count as f64 / n as f64;
    (p * 100.0, Z95 * (p * (1.0 - p) / n as f64).sqrt() * 100.0)
}

/// Ranked needs from every `select_multiple` question of the form.
pub fn ranked_needs(form: &Form, answers: &[&Answer]) -> Vec<NeedQuestion> {
    let mut out = Vec::new();
    for q in &form.survey {
        let QuestionType::SelectMultiple(list) = &q.kind else {
            continue;
        };
        let chosen: Vec<BTreeSet<&str>> = answers
            .iter()
            .filter_map(|a| a.values.get(&q.name))
            .map(|v| v.split_whitespace().collect::<BTreeSet<&str>>())
            .filter(|s| !s.is_empty())
            .collect();
        let n = chosen.len();
        let mut options: Vec<(usize, NeedOption)> = form
            .list(list)
            .enumerate()
            .map(|(order, c)| {
                let count = chosen
                    .iter()
                    .filter(|s| s.contains(c.name.as_str()))
                    .count();
                let (share, moe) = share_moe(count, n);
                (
                    order,
                    NeedOption {
                        choice: c.name.clone(),
                        label: c.label.clone(),
                        count,
                        share,
                        moe,
                    },
                )
            })
            .collect();
        options.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(&b.0)));
        out.push(NeedQuestion {
            question: q.name.clone(),
            label: q.label.clone(),
            n,
            suppressed: n < MIN_N,
            options: options.into_iter().map(|(_, o)| o).collect(),
        });
    }
    out
}

/// The indexes of the categories whose keywords match an answer cut into `words`.
pub fn categorize(words: &[String], categories: &DemandCategories) -> Vec<usize> {
    let words: Vec<String> = words
        .iter()
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.concat();
    categories
        .categories
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.keywords
                .iter()
                .any(|k| keyword_matches(&words, &joined, k))
        })
        .map(|(i, _)| i)
        .collect()
}

/// One character must be a whole word; from two characters on, a keyword may lie inside a
/// word or across the segmenter's cuts (`joined`: the words run together).
fn keyword_matches(words: &[String], joined: &str, keyword: &str) -> bool {
    let k = keyword.trim().to_lowercase();
    if k.is_empty() {
        false
    } else if k.chars().count() >= 2 {
        joined.contains(&k)
    } else {
        words.contains(&k)
    }
}

/// An answer as an example: digit runs of five or more masked (a telephone, an identity
/// number), cut to [`EXAMPLE_CHARS`] characters.
pub fn example_text(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 5 {
            out.push_str("＊＊＊");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for ch in text.trim().chars() {
        if ch.is_ascii_digit() || ('０'..='９').contains(&ch) {
            run.push(ch);
        } else {
            flush(&mut run, &mut out);
            out.push(if ch.is_whitespace() { ' ' } else { ch });
        }
    }
    flush(&mut run, &mut out);
    if out.chars().count() > EXAMPLE_CHARS {
        let mut cut: String = out.chars().take(EXAMPLE_CHARS).collect();
        cut.push('…');
        cut
    } else {
        out
    }
}

/// Every `text` question's answers grouped into `categories`; `segment` cuts an answer
/// into words.
pub fn group_texts(
    form: &Form,
    answers: &[&Answer],
    categories: &DemandCategories,
    segment: &dyn Fn(&str) -> Vec<String>,
) -> Vec<TextQuestion> {
    let mut out = Vec::new();
    for q in &form.survey {
        if q.kind != QuestionType::Text {
            continue;
        }
        let texts: Vec<&str> = answers
            .iter()
            .filter_map(|a| a.values.get(&q.name))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        let n = texts.len();
        let slots = categories.categories.len() + 1;
        let mut counts = vec![0usize; slots];
        let mut examples: Vec<Vec<String>> = vec![Vec::new(); slots];
        for t in &texts {
            let mut hit = categorize(&segment(t), categories);
            if hit.is_empty() {
                hit.push(slots - 1);
            }
            for i in hit {
                counts[i] += 1;
                let e = example_text(t);
                if examples[i].len() < MAX_EXAMPLES && !examples[i].contains(&e) {
                    examples[i].push(e);
                }
            }
        }
        let mut cats: Vec<TextCategory> = categories
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), c.name.clone(), c.name_en.clone(), i))
            .chain(std::iter::once((
                UNCATEGORIZED.to_string(),
                "未归类".to_string(),
                "Not categorized".to_string(),
                slots - 1,
            )))
            .filter(|(_, _, _, i)| counts[*i] > 0)
            .map(|(code, name, name_en, i)| TextCategory {
                code,
                name,
                name_en,
                count: counts[i],
                share: share_moe(counts[i], n).0,
                examples: std::mem::take(&mut examples[i]),
            })
            .collect();
        cats.sort_by(|a, b| {
            (a.code == UNCATEGORIZED)
                .cmp(&(b.code == UNCATEGORIZED))
                .then(b.count.cmp(&a.count))
        });
        out.push(TextQuestion {
            question: q.name.clone(),
            label: q.label.clone(),
            n,
            categories: cats,
        });
    }
    out
}

/// The whole demand analysis of `answers`.
pub fn demand(
    form: &Form,
    answers: &[&Answer],
    categories: &DemandCategories,
    segment: &dyn Fn(&str) -> Vec<String>,
) -> Demand {
    Demand {
        needs: ranked_needs(form, answers),
        texts: group_texts(form, answers, categories, segment),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::survey::form::{Choice, FormSettings, Question};

    fn form() -> Form {
        let choice = |name: &str, zh: &str| Choice {
            list_name: "needs".into(),
            name: name.into(),
            label: [("中文".to_string(), zh.to_string())].into(),
        };
        Form {
            settings: FormSettings {
                form_id: "f".into(),
                ..FormSettings::default()
            },
            survey: vec![
                Question::new(QuestionType::SelectMultiple("needs".into()), "needs"),
                Question::new(QuestionType::Text, "say"),
            ],
            choices: vec![
                choice("a", "托育"),
                choice("b", "看病"),
                choice("c", "养老"),
            ],
        }
    }

    fn answer(needs: &str, say: &str) -> Answer {
        let mut values = BTreeMap::new();
        if !needs.is_empty() {
            values.insert("needs".to_string(), needs.to_string());
        }
        if !say.is_empty() {
            values.insert("say".to_string(), say.to_string());
        }
        Answer {
            stratum: "t1".into(),
            values,
        }
    }

    /// Splits on spaces: the tests' segmenter.
    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn needs_ranked_with_hand_computed_margins() {
        // 4 respondents answered: b by 3, a by 2, c by 0; one did not answer.
        let all = [
            answer("a b", ""),
            answer("b", ""),
            answer("b a", ""),
            answer("", ""),
            answer("c_unknown", ""),
        ];
        let refs: Vec<&Answer> = all.iter().collect();
        let needs = ranked_needs(&form(), &refs);
        assert_eq!(needs.len(), 1);
        let q = &needs[0];
        assert_eq!(q.n, 4);
        assert!(q.suppressed);
        let order: Vec<&str> = q.options.iter().map(|o| o.choice.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"]);
        // b: p = 3/4 = 75 %, moe = 1.96·√(0.75·0.25/4) = 1.96·0.216506… = 42.435 %.
        assert_eq!(q.options[0].count, 3);
        assert!((q.options[0].share - 75.0).abs() < 1e-9);
        assert!((q.options[0].moe - 42.4352447854375).abs() < 1e-9);
        // a: p = 1/2, moe = 1.96·√(0.25/4) = 1.96·0.25 = 49 %.
        assert!((q.options[1].share - 50.0).abs() < 1e-9);
        assert!((q.options[1].moe - 49.0).abs() < 1e-9);
        // c: nobody, share and margin 0.
        assert_eq!(q.options[2].count, 0);
        assert_eq!(q.options[2].moe, 0.0);
    }

    #[test]
    fn thirty_respondents_are_not_suppressed() {
        let all: Vec<Answer> = (0..30).map(|_| answer("a", "")).collect();
        let refs: Vec<&Answer> = all.iter().collect();
        let q = &ranked_needs(&form(), &refs)[0];
        assert!(!q.suppressed);
        assert_eq!(q.options[0].moe, 0.0);
    }

    #[test]
    fn keywords_match_words_joined_words_and_parts_of_words() {
        let cats = DemandCategories::default();
        let code = |text: &str| -> Vec<String> {
            categorize(&words(text), &cats)
                .into_iter()
                .map(|i| cats.categories[i].code.clone())
                .collect()
        };
        assert_eq!(code("希望 多 建 养老院"), ["LY"]);
        assert_eq!(code("看 病 太 难"), ["BY"]); // 看病 from two words
        assert_eq!(code("小区 加装 电梯 , 孩子 上学 远"), ["XY", "ZY"]);
        assert!(code("路灯 不 亮").is_empty());
        let lamp = DemandCategories {
            categories: vec![DemandCategory {
                code: "LAMP".into(),
                name: "路灯照明".into(),
                name_en: String::new(),
                keywords: vec!["路灯".into()],
            }],
        };
        assert_eq!(categorize(&words("路 灯不亮"), &lamp), [0]);
        // One character inside a longer word does not match.
        let one = DemandCategories {
            categories: vec![DemandCategory {
                code: "X".into(),
                name: "药".into(),
                name_en: String::new(),
                keywords: vec!["药".into()],
            }],
        };
        assert!(categorize(&words("买药 难"), &one).is_empty());
        assert_eq!(categorize(&words("买 药 难"), &one), [0]);
    }

    #[test]
    fn texts_grouped_with_examples_masked() {
        let all = [
            answer("", "养老院 太 少"),
            answer("", "希望 增加 养老 助餐 点"),
            answer("", "医院 挂号 难 电话 13800138000"),
            answer("", "路灯 不 亮"),
            answer("", "  "),
        ];
        let refs: Vec<&Answer> = all.iter().collect();
        let cats = DemandCategories::default();
        let t = &group_texts(&form(), &refs, &cats, &words)[0];
        assert_eq!(t.n, 4);
        let got: Vec<(&str, usize)> = t
            .categories
            .iter()
            .map(|c| (c.code.as_str(), c.count))
            .collect();
        assert_eq!(got, [("LY", 2), ("BY", 1), ("", 1)]);
        assert_eq!(t.categories[0].share, 50.0);
        assert_eq!(t.categories[1].examples, ["医院 挂号 难 电话 ＊＊＊"]);
        assert_eq!(t.categories[2].name, "未归类");
    }

    #[test]
    fn examples_are_cut_and_at_most_three() {
        let long = "很".repeat(100);
        assert_eq!(example_text(&long).chars().count(), EXAMPLE_CHARS + 1);
        assert_eq!(example_text("门牌 12 号"), "门牌 12 号");
        let all: Vec<Answer> = (0..5)
            .map(|i| answer("", &format!("养老 {}", "很".repeat(i + 1))))
            .collect();
        let refs: Vec<&Answer> = all.iter().collect();
        let t = &group_texts(&form(), &refs, &DemandCategories::default(), &words)[0];
        assert_eq!(t.categories[0].count, 5);
        assert_eq!(t.categories[0].examples.len(), MAX_EXAMPLES);
    }

    #[test]
    fn defaults_are_valid_and_problems_are_listed() {
        assert!(DemandCategories::default().validate().is_empty());
        let bad = DemandCategories {
            categories: vec![
                DemandCategory {
                    code: "A".into(),
                    name: "".into(),
                    name_en: String::new(),
                    keywords: vec![],
                },
                DemandCategory {
                    code: "A".into(),
                    name: "乙".into(),
                    name_en: String::new(),
                    keywords: vec!["x".into(), "x".into()],
                },
            ],
        };
        let p = bad.validate();
        assert_eq!(p.len(), 4, "{p:?}");
    }
}
