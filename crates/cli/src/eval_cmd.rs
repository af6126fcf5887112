//! `youxiang eval progress`: the progress measure (Open SDG) and the UNSD ratio for one
//! series given on the command line, with the formula, or as JSON.

use anyhow::Result;
use serde_json::{Value, json};
use youxiang_core::Polarity;
use youxiang_core::eval::{Point, Progress, ProgressInput, UnsdRatio, progress, unsd_ratio};

/// Progress toward a target: Open SDG measure and score, and the UNSD ratio.
#[derive(clap::Args, Debug, Clone)]
pub struct ProgressArgs {
    /// Base value and year, e.g. 14.5@2015.
    #[arg(long, value_name = "V@YEAR", value_parser = parse_value_at_year)]
    pub base: Point,
    /// Current value and year, e.g. 10.2@2023.
    #[arg(long, value_name = "V@YEAR", value_parser = parse_value_at_year)]
    pub current: Point,
    /// Target value and year, e.g. 7.25@2030; without it the no-target method is used.
    #[arg(long, value_name = "V@YEAR", value_parser = parse_value_at_year)]
    pub target: Option<Point>,
    /// The indicator is lower-is-better (e.g. 失业率).
    #[arg(long)]
    pub lower_is_better: bool,
    /// A natural limit (e.g. 100 for a percentage); used only without a target.
    #[arg(long, value_name = "L", value_parser = parse_limit)]
    pub limit: Option<f64>,
    /// Print one JSON object instead of the Chinese summary.
    #[arg(long)]
    pub json: bool,
}

/// Reads `V@YEAR`: a finite number, `@`, a whole year. clap puts the flag's name in
/// front of the message.
pub fn parse_value_at_year(text: &str) -> Result<Point, String> {
    let (v, y) = text
        .trim()
        .split_once(['@', '＠'])
        .ok_or_else(|| format!("“{text}”应写作 值@年份,例如 14.5@2015"))?;
    let value: f64 = v
        .trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| format!("“{text}”中的值“{}”不是有效数字", v.trim()))?;
    let year: i32 = y
        .trim()
        .parse()
        .ok()
        .filter(|y| (0..=9999).contains(y))
        .ok_or_else(|| format!("“{text}”中的年份“{}”应为四位整数年份", y.trim()))?;
    Ok(Point::new(value, year))
}

fn parse_limit(text: &str) -> Result<f64, String> {
    text.trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| format!("“{text}”不是有效数字"))
}

/// The two results for the arguments: progress and (where a target is given) UNSD.
pub fn evaluate(args: &ProgressArgs) -> (Progress, UnsdRatio) {
    let polarity = polarity(args);
    let p = progress(&ProgressInput {
        base: Some(args.base),
        current: Some(args.current),
        target: args.target,
        polarity,
        limit: args.limit,
    });
    let u = unsd_ratio(Some(args.base), Some(args.current), args.target, polarity);
    (p, u)
}

fn polarity(args: &ProgressArgs) -> Polarity {
    if args.lower_is_better {
        Polarity::LowerIsBetter
    } else {
        Polarity::HigherIsBetter
    }
}

/// The JSON object of `--json`.
pub fn to_json(args: &ProgressArgs, p: &Progress, u: &UnsdRatio) -> Value {
    // Years come in whole from V@YEAR; print them as integers, not 2015.0.
    let point = |pt: &Point| json!({"value": pt.value, "year": pt.year as i64});
    json!({
        "p": p.p,
        "score": p.score,
        "status": p.status,
        "unsd_ratio": u.ratio,
        "unsd_status": u.status,
        "inputs": {
            "base": point(&args.base),
            "current": point(&args.current),
            "target": args.target.as_ref().map(point),
            "polarity": polarity(args),
            "limit": args.limit,
        },
    })
}

fn num(v: f64) -> String {
    youxiang_core::eval::explain::fmt_num(v)
}

fn at(pt: &Point) -> String {
    format!("{}({}年)", num(pt.value), num(pt.year))
}

/// The Chinese summary printed without `--json`.
pub fn summary(args: &ProgressArgs, p: &Progress, u: &UnsdRatio) -> String {
    let mut s = String::new();
    let target = match &args.target {
        Some(t) => format!("目标 {}", at(t)),
        None => match args.limit {
            Some(l) => format!("无目标,自然上限 {}", num(l)),
            None => "无目标".into(),
        },
    };
    s.push_str(&format!(
        "基期 {},当前 {},{target},{}\n",
        at(&args.base),
        at(&args.current),
        polarity(args).label_zh()
    ));
    s.push_str("\n进展评估(Open SDG / 加拿大统计局方法)\n");
    s.push_str(&format!(
        "  状态:{}  P = {}  得分 = {}\n",
        p.status.label_zh(),
        p.p.map(num).unwrap_or_else(|| "—".into()),
        p.score.map(num).unwrap_or_else(|| "—".into()),
    ));
    s.push_str(&format!("  公式:{}\n", p.explanation.formula));
    s.push_str("\n联合国统计司进展比值(UNSD)\n");
    if args.target.is_none() {
        s.push_str("  无目标,不计算\n");
    } else {
        s.push_str(&format!(
            "  状态:{}  r = {}\n",
            u.status.label_zh(),
            u.ratio
                .map(|r| format!("{r:.4}"))
                .unwrap_or_else(|| "—".into()),
        ));
        s.push_str(&format!("  公式:{}\n", u.explanation.formula));
    }
    s
}

pub fn run_progress(args: ProgressArgs) -> Result<()> {
    let (p, u) = evaluate(&args);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&args, &p, &u))?);
    } else {
        print!("{}", summary(&args, &p, &u));
    }
    // A not-available status is an answer, not a failure: exit 0.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        args: ProgressArgs,
    }

    fn args(argv: &[&str]) -> Result<ProgressArgs, clap::Error> {
        let mut v = vec!["youxiang"];
        v.extend_from_slice(argv);
        Cli::try_parse_from(v).map(|c| c.args)
    }

    #[test]
    fn parses_value_at_year() {
        assert_eq!(parse_value_at_year("14.5@2015"), Ok(Point::new(14.5, 2015)));
        assert_eq!(
            parse_value_at_year(" -3 @ 2020 "),
            Ok(Point::new(-3.0, 2020))
        );
        assert_eq!(
            parse_value_at_year("7.25＠2030"),
            Ok(Point::new(7.25, 2030))
        );
        for bad in [
            "14.5",
            "@2015",
            "x@2015",
            "14.5@",
            "14.5@20.5",
            "14.5@abc",
            "NaN@2015",
            "inf@2015",
            "1@99999",
            "",
        ] {
            assert!(parse_value_at_year(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_value_names_the_flag() {
        let err = args(&["--base", "14.5", "--current", "10.2@2023"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--base"), "{err}");
        assert!(err.contains("值@年份"), "{err}");
        let err = args(&[
            "--base",
            "14.5@2015",
            "--current",
            "10.2@2023",
            "--target",
            "x@2030",
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("--target"), "{err}");
    }

    #[test]
    fn case_a_json() {
        let a = args(&[
            "--base",
            "14.5@2015",
            "--current",
            "10.2@2023",
            "--target",
            "7.25@2030",
            "--lower-is-better",
            "--json",
        ])
        .unwrap();
        let (p, u) = evaluate(&a);
        let j = to_json(&a, &p, &u);
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        let mut want = vec![
            "inputs",
            "p",
            "score",
            "status",
            "unsd_ratio",
            "unsd_status",
        ];
        want.sort();
        let mut got: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        got.sort();
        assert_eq!(got, want);
        assert_eq!(j["p"], 0.9525901792032172);
        assert_eq!(j["score"], 2.5185563910306596);
        assert_eq!(j["status"], "substantial_progress");
        assert_eq!(j["unsd_status"], "on_track");
        assert_eq!(j["inputs"]["polarity"], "lower_is_better");
        assert_eq!(j["inputs"]["base"], json!({"value": 14.5, "year": 2015}));
    }

    #[test]
    fn case_b_and_c() {
        let b = args(&[
            "--base",
            "90@2015",
            "--current",
            "93.2@2021",
            "--limit",
            "100",
        ])
        .unwrap();
        let (p, u) = evaluate(&b);
        let j = to_json(&b, &p, &u);
        assert_eq!(j["p"], 0.005839995229728112);
        assert_eq!(j["score"], 2.815386645395768);
        assert_eq!(j["unsd_ratio"], Value::Null);
        assert_eq!(j["unsd_status"], "not_available");
        let text = summary(&b, &p, &u);
        assert!(text.contains("显著进展") && text.contains("公式"), "{text}");

        let c = args(&[
            "--base",
            "100@2015",
            "--current",
            "100@2022",
            "--target",
            "100@2030",
        ])
        .unwrap();
        let (p, u) = evaluate(&c);
        let j = to_json(&c, &p, &u);
        assert_eq!(
            (j["p"].clone(), j["score"].clone(), j["status"].clone()),
            (Value::Null, json!(5.0), json!("target_achieved"))
        );
        assert_eq!(j["unsd_status"], "target_met");
    }

    #[test]
    fn unsd_example_summary() {
        let a = args(&[
            "--base",
            "60@2022",
            "--current",
            "66@2024",
            "--target",
            "80@2027",
        ])
        .unwrap();
        let (p, u) = evaluate(&a);
        let text = summary(&a, &p, &u);
        assert!(text.contains("r = 0.8072"), "{text}");
        assert!(text.contains("P = 0.8241"), "{text}");
    }
}
