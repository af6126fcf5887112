//! The satisfaction index, exactly as methods §6 defines it, so that anyone can recompute
//! it from the exported answers:
//!
//! * a respondent's score in a domain = the mean, over the domain's five-point items they
//!   answered with 1–5 (skipped and “不清楚” excluded), of (x − 1) / 4 × 100;
//! * a stratum h: ȳ_h = mean of the scores, n_h, s_h (divisor n_h − 1), margin
//!   1.96 · s_h / √n_h · √(1 − n_h / N_h) (no correction without the frame's N_h);
//! * the district: with a frame, the stratified estimate over the strata with n_h ≥ 2,
//!   W_h = N_h / Σ N_h, index Σ W_h ȳ_h, variance Σ W_h² (1 − n_h/N_h) s_h² / n_h,
//!   margin 1.96 √variance, n = Σ n_h; without a frame, the plain mean of all scores with
//!   1.96 · s / √n;
//! * a cell with n < 30 is suppressed (样本不足): its figures stay, marked;
//! * round-to-round change: significant at 95 % when |Δ| > √(moe₁² + moe₂²).

use std::collections::BTreeMap;

use serde::Serialize;

use super::form::{Answer, Form};

/// The z of a two-sided 95 % interval.
pub const Z95: f64 = 1.96;
/// Below this many scores a cell shows 样本不足.
pub const MIN_N: usize = 30;

/// One cell of the index: a domain at a place (a stratum or the district).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexCell {
    pub domain: String,
    pub place: String,
    /// 0–100; `None` without a score.
    pub index: Option<f64>,
    pub n: usize,
    /// The 95 % margin of error, index points; `None` below two scores.
    pub moe: Option<f64>,
    /// n < 30: shown as 样本不足.
    pub suppressed: bool,
    /// The scores' sample standard deviation (a stratum, or the district without a frame).
    pub sd: Option<f64>,
    /// N_h from the frame (a stratum), or Σ N_h over the strata used (the district).
    pub population: Option<u64>,
    /// The district: the stratified estimate (`true`) or the plain mean (`false`).
    pub stratified: bool,
    /// A stratum: its weight W_h in the district's estimate (`None`: not used, n_h < 2 or
    /// no frame).
    pub weight: Option<f64>,
}

/// A respondent's score per domain (domain code → 0–100), from the form's five-point
/// items ([`Form::domain_items`]).
pub fn respondent_scores(
    items: &BTreeMap<String, Vec<String>>,
    answer: &Answer,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (domain, names) in items {
        let points: Vec<f64> = names
            .iter()
            .filter_map(|n| answer.values.get(n))
            .filter_map(|v| match v.trim() {
                "1" => Some(1.0),
                "2" => Some(2.0),
                "3" => Some(3.0),
                "4" => Some(4.0),
                "5" => Some(5.0),
                _ => None,
            })
            .collect();
        if !points.is_empty() {
            let mean =
                points.iter().map(|x| (x - 1.0) / 4.0 * 100.0).sum::<f64>() / points.len() as f64;
            out.insert(domain.clone(), mean);
        }
    }
    out
}

/// Mean and sample standard deviation (divisor n − 1; `None` below two values).
pub fn mean_sd(xs: &[f64]) -> (Option<f64>, Option<f64>) {
    if xs.is_empty() {
        return (None, None);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.len() >= 2)
        .then(|| (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    (Some(mean), sd)
}

/// The finite-population correction √… is taken of 1 − n/N, never below 0 (a census).
fn fpc(n: usize, population: Option<u64>) -> f64 {
    match population {
        Some(big) if big > 0 => (1.0 - n as f64 / big as f64).max(0.0),
        _ => 1.0,
    }
}

/// A stratum's cell from its scores and the frame's N_h.
pub fn stratum_cell(
    domain: &str,
    place: &str,
    scores: &[f64],
    population: Option<u64>,
) -> IndexCell {
    let (index, sd) = mean_sd(scores);
    let n = scores.len();
    let moe = sd.map(|s| Z95 * s / (n as f64).sqrt() * fpc(n, population).sqrt());
    IndexCell {
        domain: domain.to_string(),
        place: place.to_string(),
        index,
        n,
        moe,
        suppressed: n < MIN_N,
        sd,
        population,
        stratified: false,
        weight: None,
    }
}

/// The district's stratified estimate over `strata` (their cells, with the frame's N_h):
/// the strata with n_h ≥ 2 and a population are used, their weights renormalized. Sets
/// each used stratum's `weight`.
pub fn stratified_cell(domain: &str, place: &str, strata: &mut [IndexCell]) -> IndexCell {
    let used: Vec<usize> = strata
        .iter()
        .enumerate()
        .filter(|(_, c)| c.n >= 2 && c.population.is_some_and(|p| p > 0) && c.sd.is_some())
        .map(|(i, _)| i)
        .collect();
    let total: u64 = used
        .iter()
        .map(|&i| strata[i].population.unwrap_or(0))
        .sum();
    let n: usize = used.iter().map(|&i| strata[i].n).sum();
    let mut index = 0.0;
    let mut variance = 0.0;
    for &i in &used {
        let c = &mut strata[i];
        let w = c.population.unwrap_or(0) as f64 / total as f64;
        c.weight = Some(w);
        let (mean, sd) = (c.index.unwrap_or(0.0), c.sd.unwrap_or(0.0));
        index += w * mean;
        variance += w * w * fpc(c.n, c.population) * sd * sd / c.n as f64;
    }
    let some = !used.is_empty();
    IndexCell {
        domain: domain.to_string(),
        place: place.to_string(),
        index: some.then_some(index),
        n,
        moe: some.then(|| Z95 * variance.sqrt()),
        suppressed: n < MIN_N,
        sd: None,
        population: some.then_some(total),
        stratified: true,
        weight: None,
    }
}

/// Every cell of a round: for each domain in `domains` (in order), each stratum (the
/// frame's, in its order, then any other stratum answered; without a frame, the strata
/// answered, by code) and the district (`district`, last).
pub fn round_index(
    form: &Form,
    answers: &[Answer],
    frame: Option<&[(String, u64)]>,
    domains: &[String],
    district: &str,
) -> Vec<IndexCell> {
    let items = form.domain_items();
    let mut strata: Vec<String> = frame
        .map(|f| f.iter().map(|(s, _)| s.clone()).collect())
        .unwrap_or_default();
    let mut answered: Vec<String> = answers.iter().map(|a| a.stratum.clone()).collect();
    answered.sort();
    answered.dedup();
    for s in answered {
        if !strata.contains(&s) {
            strata.push(s);
        }
    }
    let population = |s: &str| frame.and_then(|f| f.iter().find(|(k, _)| k == s).map(|(_, n)| *n));
    // scores[domain][stratum]
    let mut scores: BTreeMap<&str, BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
    for a in answers {
        for (d, s) in respondent_scores(&items, a) {
            if let Some(d) = domains.iter().find(|x| **x == d) {
                scores
                    .entry(d.as_str())
                    .or_default()
                    .entry(a.stratum.as_str())
                    .or_default()
                    .push(s);
            }
        }
    }
    let mut out = Vec::new();
    for d in domains {
        let by = scores.get(d.as_str());
        let mut cells: Vec<IndexCell> = strata
            .iter()
            .map(|s| {
                let xs = by
                    .and_then(|b| b.get(s.as_str()))
                    .map_or(&[][..], |v| &v[..]);
                stratum_cell(d, s, xs, population(s))
            })
            .collect();
        let top = if frame.is_some() {
            stratified_cell(d, district, &mut cells)
        } else {
            let all: Vec<f64> = by
                .map(|b| b.values().flatten().copied().collect())
                .unwrap_or_default();
            stratum_cell(d, district, &all, None)
        };
        out.extend(cells);
        out.push(top);
    }
    out
}

/// The change of one cell between two rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexChange {
    pub domain: String,
    pub place: String,
    /// now − before, index points.
    pub delta: Option<f64>,
    /// √(moe₁² + moe₂²).
    pub margin: Option<f64>,
    /// |Δ| > margin, and neither cell suppressed.
    pub significant: bool,
}

/// The change from `before` to `now` (the same domain and place).
pub fn change(now: &IndexCell, before: &IndexCell) -> IndexChange {
    let delta = now.index.zip(before.index).map(|(a, b)| a - b);
    let margin = now.moe.zip(before.moe).map(|(a, b)| (a * a + b * b).sqrt());
    let significant = !now.suppressed
        && !before.suppressed
        && matches!((delta, margin), (Some(d), Some(m)) if d.abs() > m);
    IndexChange {
        domain: now.domain.clone(),
        place: now.place.clone(),
        delta,
        margin,
        significant,
    }
}

/// The changes of every cell of `now` that `before` also has.
pub fn changes(now: &[IndexCell], before: &[IndexCell]) -> Vec<IndexChange> {
    now.iter()
        .filter_map(|c| {
            before
                .iter()
                .find(|b| b.domain == c.domain && b.place == c.place)
                .map(|b| change(c, b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::form::tests::small_form;

    fn answer(stratum: &str, yy: &[&str]) -> Vec<Answer> {
        yy.iter()
            .map(|v| Answer {
                stratum: stratum.into(),
                values: [
                    ("age".to_string(), "30".to_string()),
                    ("yy1".into(), v.to_string()),
                ]
                .into(),
            })
            .collect()
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a number");
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn scores_skip_dont_know_and_blank() {
        let items: BTreeMap<String, Vec<String>> = [(
            "D".to_string(),
            vec!["a".to_string(), "b".into(), "c".into()],
        )]
        .into();
        let a = |pairs: &[(&str, &str)]| Answer {
            stratum: "s".into(),
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        // (5−1)/4·100 = 100, (2−1)/4·100 = 25; “9” (不清楚) excluded
        let s = respondent_scores(&items, &a(&[("a", "5"), ("b", "2"), ("c", "9")]));
        assert_eq!(s["D"], 62.5);
        assert!(respondent_scores(&items, &a(&[("c", "9")])).is_empty());
    }

    /// The hand-computed example of the report (methods §6):
    /// stratum A: scores 0, 50, 100 (items 1, 3, 5), N = 300 → ȳ = 50, s = 50,
    ///   moe = 1.96 · 50/√3 · √(1 − 3/300);
    /// stratum B: scores 75, 100, 100, 75 (items 4, 5, 5, 4), N = 100 → ȳ = 87.5,
    ///   s² = 4 · 12.5² / 3 = 208.33…;
    /// stratum C: one score, N = 100 → not in the district's estimate.
    /// District: W = 0.75, 0.25; index = 0.75 · 50 + 0.25 · 87.5 = 59.375;
    ///   variance = 0.75² · 0.99 · 2500/3 + 0.25² · 0.96 · (625/3)/4 = 464.0625 + 3.125
    ///   = 467.1875; moe = 1.96 · √467.1875; n = 7.
    #[test]
    fn a_hand_computed_stratified_example() {
        let form = small_form();
        let mut answers = answer("A", &["1", "3", "5"]);
        answers.extend(answer("B", &["4", "5", "5", "4"]));
        answers.extend(answer("C", &["5"]));
        let frame = vec![
            ("A".to_string(), 300),
            ("B".to_string(), 100),
            ("C".to_string(), 100),
        ];
        let cells = round_index(&form, &answers, Some(&frame), &["YY".to_string()], "D0");
        assert_eq!(cells.len(), 4);
        let (a, b, c, d) = (&cells[0], &cells[1], &cells[2], &cells[3]);
        close(a.index, 50.0);
        close(a.sd, 50.0);
        close(a.moe, 1.96 * 50.0 / 3f64.sqrt() * 0.99f64.sqrt());
        assert_eq!(a.n, 3);
        assert!(a.suppressed);
        close(b.index, 87.5);
        close(b.sd, (625.0f64 / 3.0).sqrt());
        close(b.moe, 1.96 * (625.0f64 / 3.0).sqrt() / 2.0 * 0.96f64.sqrt());
        close(c.index, 100.0);
        assert_eq!((c.n, c.moe, c.weight), (1, None, None));
        close(a.weight, 0.75);
        close(b.weight, 0.25);
        assert_eq!(d.place, "D0");
        close(d.index, 59.375);
        close(d.moe, 1.96 * 467.1875f64.sqrt());
        assert_eq!(d.n, 7);
        assert_eq!(d.population, Some(400));
        assert!(d.stratified && d.suppressed);
    }

    #[test]
    fn without_a_frame_the_plain_mean() {
        let form = small_form();
        let mut answers = answer("A", &["1", "3", "5"]);
        answers.extend(answer("B", &["5"]));
        let cells = round_index(
            &form,
            &answers,
            None,
            &["YY".to_string(), "LY".into()],
            "D0",
        );
        // YY: A, B, district; LY: A, B, district (no scores)
        assert_eq!(cells.len(), 6);
        let d = &cells[2];
        close(d.index, 62.5);
        let (_, sd) = mean_sd(&[0.0, 50.0, 100.0, 100.0]);
        close(d.moe, 1.96 * sd.unwrap() / 2.0);
        close(cells[0].moe, 1.96 * 50.0 / 3f64.sqrt());
        assert!(!d.stratified);
        assert_eq!(
            (cells[5].index, cells[5].n, cells[5].suppressed),
            (None, 0, true)
        );
    }

    #[test]
    fn thirty_scores_are_shown() {
        let form = small_form();
        let v: Vec<&str> = (0..30)
            .map(|i| if i % 2 == 0 { "4" } else { "5" })
            .collect();
        let cells = round_index(&form, &answer("A", &v), None, &["YY".to_string()], "D0");
        assert!(!cells[0].suppressed);
        assert_eq!(cells[0].n, 30);
        close(cells[0].index, 87.5);
    }

    #[test]
    fn change_is_significant_beyond_the_combined_margin() {
        let cell = |index: f64, moe: f64| IndexCell {
            domain: "YY".into(),
            place: "D0".into(),
            index: Some(index),
            n: 100,
            moe: Some(moe),
            suppressed: false,
            sd: None,
            population: None,
            stratified: false,
            weight: None,
        };
        // √(3² + 4²) = 5
        let c = change(&cell(80.0, 3.0), &cell(74.9, 4.0));
        assert!(c.significant);
        close(c.margin, 5.0);
        assert!(!change(&cell(80.0, 3.0), &cell(75.0, 4.0)).significant);
        let mut small = cell(50.0, 3.0);
        small.suppressed = true;
        assert!(!change(&cell(80.0, 3.0), &small).significant);
    }
}
