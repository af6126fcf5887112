//! The human-editable plan file (TOML).
//!
//! Why TOML and not YAML: every target cell must stay exactly as the plan writes it
//! (`4.0`, `≥28.07`, `/`). In TOML a quoted string is a string, full stop; YAML's implicit
//! typing would silently turn `4.0` into `4` and `no` into `false`, and its indentation
//! makes a misplaced line change meaning without an error. TOML also has comments, needs
//! no indentation, and its parser reports line and column of every syntax error.
//!
//! In the file, baseline and targets are written once, as text; the parsed comparator and
//! number are derived on load, so they can never disagree with the text.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use youxiang_core::eval::Flow;
use youxiang_core::period::PeriodKind;
use youxiang_core::place::Level;
use youxiang_core::{
    Accumulation, Aggregation, Domain, Indicator, IndicatorSource, KeyTask, Plan, PlanProblem,
    Polarity, Project, Revision, Target,
};

/// Why a plan file could not be loaded: a syntax error, or every problem of its content.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("方案文件格式错误(TOML):{0}")]
    Syntax(String),
    #[error("方案文件有 {} 处问题:\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<PlanProblem>),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    plan: PlanHeader,
    domains: Vec<Domain>,
    indicators: Vec<IndicatorEntry>,
    #[serde(default)]
    tasks: Vec<KeyTask>,
    #[serde(default)]
    projects: Vec<Project>,
    #[serde(default)]
    revisions: Vec<Revision>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanHeader {
    code: String,
    name: String,
    issuer: String,
    #[serde(default)]
    place: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    published: String,
    baseline_year: i32,
    target_years: Vec<i32>,
    #[serde(default = "first_version")]
    version: u32,
}

fn yearly() -> PeriodKind {
    PeriodKind::Year
}

fn is_yearly(k: &PeriodKind) -> bool {
    *k == PeriodKind::Year
}

fn is_level(f: &Flow) -> bool {
    *f == Flow::Level
}

fn first_version() -> u32 {
    1
}

/// An indicator as written in the file: a table row has `seq`, a task target has `task`
/// and `sentence`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorEntry {
    code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    domain: String,
    name: String,
    unit: String,
    polarity: Polarity,
    aggregation: Aggregation,
    #[serde(default)]
    accumulation: Accumulation,
    #[serde(default = "yearly", skip_serializing_if = "is_yearly")]
    frequency: PeriodKind,
    #[serde(default, skip_serializing_if = "is_level")]
    flow: Flow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    report_level: Option<Level>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    milestone: bool,
    lead_unit: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    partner_units: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<f64>,
    /// The default 数据来源 of its figures.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    source: String,
    /// 统计口径.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    definition: String,
    #[serde(default)]
    baseline: String,
    targets: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    sentence: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note: String,
}

/// Reads a plan file; on success the plan is fully validated.
pub fn load(text: &str) -> Result<Plan, PlanFileError> {
    let file: PlanFile = toml::from_str(text).map_err(|e| PlanFileError::Syntax(e.to_string()))?;
    let mut problems = Vec::new();
    let indicators = file
        .indicators
        .into_iter()
        .map(|e| indicator_from_entry(e, &mut problems))
        .collect();
    let plan = Plan {
        code: file.plan.code,
        name: file.plan.name,
        issuer: file.plan.issuer,
        place: file.plan.place,
        published: file.plan.published,
        baseline_year: file.plan.baseline_year,
        target_years: file.plan.target_years,
        version: file.plan.version,
        domains: file.domains,
        indicators,
        tasks: file.tasks,
        projects: file.projects,
        revisions: file.revisions,
    };
    // Cells that did not parse were recorded above and replaced by "no target"; validate
    // the rest so the editor sees every problem in one pass.
    problems.extend(plan.validate());
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(PlanFileError::Invalid(problems))
    }
}

/// A cell that does not parse is kept as "no target" with its text, so that loading goes
/// on; `Plan::validate` re-reads every cell's text and reports it with the rest.
fn parse_cell(text: &str) -> Target {
    Target::parse(text).unwrap_or_else(|_| Target::none(text))
}

fn indicator_from_entry(e: IndicatorEntry, problems: &mut Vec<PlanProblem>) -> Indicator {
    let at = format!("指标 {}({})", e.code, e.name);
    let baseline = parse_cell(&e.baseline);
    let mut targets = BTreeMap::new();
    for (year, text) in &e.targets {
        match year.trim().parse::<i32>() {
            Ok(y) => {
                targets.insert(y, parse_cell(text));
            }
            Err(_) => problems.push(PlanProblem {
                at: at.clone(),
                message: format!("目标年份“{year}”不是年份"),
            }),
        }
    }
    let source = match (e.seq, e.task) {
        (Some(seq), None) => IndicatorSource::Table { seq },
        (None, Some(task)) => IndicatorSource::Task {
            task,
            sentence: e.sentence,
        },
        (Some(seq), Some(task)) => {
            problems.push(PlanProblem {
                at: at.clone(),
                message: "seq(表格行)与 task(任务目标)只能写一个".into(),
            });
            IndicatorSource::Task {
                task: format!("{task}/{seq}"),
                sentence: e.sentence,
            }
        }
        (None, None) => {
            problems.push(PlanProblem {
                at: at.clone(),
                message: "须写 seq(表格行序号)或 task(所属重点任务)".into(),
            });
            IndicatorSource::Table { seq: 0 }
        }
    };
    Indicator {
        code: e.code,
        name: e.name,
        unit: e.unit,
        domain: e.domain,
        polarity: e.polarity,
        aggregation: e.aggregation,
        accumulation: e.accumulation,
        frequency: e.frequency,
        flow: e.flow,
        report_level: e.report_level,
        milestone: e.milestone,
        lead_unit: e.lead_unit,
        partner_units: e.partner_units,
        limit: e.limit,
        source,
        data_source: e.source,
        definition: e.definition,
        baseline,
        targets,
        note: e.note,
    }
}

/// Writes a plan as a plan file that `load` reads back to the same plan.
pub fn to_toml(plan: &Plan) -> String {
    let file = PlanFile {
        plan: PlanHeader {
            code: plan.code.clone(),
            name: plan.name.clone(),
            issuer: plan.issuer.clone(),
            place: plan.place.clone(),
            published: plan.published.clone(),
            baseline_year: plan.baseline_year,
            target_years: plan.target_years.clone(),
            version: plan.version,
        },
        domains: plan.domains.clone(),
        indicators: plan.indicators.iter().map(entry_from_indicator).collect(),
        tasks: plan.tasks.clone(),
        projects: plan.projects.clone(),
        revisions: plan.revisions.clone(),
    };
    toml::to_string(&file).unwrap_or_else(|e| format!("# 无法写出方案:{e}\n"))
}

fn entry_from_indicator(i: &Indicator) -> IndicatorEntry {
    let (seq, task, sentence) = match &i.source {
        IndicatorSource::Table { seq } => (Some(*seq), None, String::new()),
        IndicatorSource::Task { task, sentence } => (None, Some(task.clone()), sentence.clone()),
    };
    IndicatorEntry {
        code: i.code.clone(),
        seq,
        task,
        domain: i.domain.clone(),
        name: i.name.clone(),
        unit: i.unit.clone(),
        polarity: i.polarity,
        aggregation: i.aggregation.clone(),
        accumulation: i.accumulation,
        frequency: i.frequency,
        flow: i.flow,
        report_level: i.report_level,
        milestone: i.milestone,
        lead_unit: i.lead_unit.clone(),
        partner_units: i.partner_units.clone(),
        limit: i.limit,
        source: i.data_source.clone(),
        definition: i.definition.clone(),
        baseline: i.baseline.text.clone(),
        targets: i
            .targets
            .iter()
            .map(|(y, t)| (y.to_string(), t.text.clone()))
            .collect(),
        sentence,
        note: i.note.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[plan]
code = "t"
name = "测试方案"
issuer = "测试"
baseline_year = 2022
target_years = [2023, 2024]

[[domains]]
code = "YY"
name = "幼有善育"
lead_unit = "区卫健局"

[[indicators]]
code = "T01"
seq = 1
domain = "YY"
name = "普惠托位占比"
unit = "%"
polarity = "higher_is_better"
aggregation = { rule = "ratio_of_sums", numerator = "普惠托位数", denominator = "托位数", scale = 100 }
lead_unit = "区卫健局"
baseline = "50"
targets = { 2023 = "60", 2024 = "≥62" }
"#;

    #[test]
    fn loads_a_minimal_plan_and_round_trips() {
        let plan = load(MINIMAL).unwrap();
        assert_eq!(plan.indicators[0].targets[&2024].text, "≥62");
        let again = load(&to_toml(&plan)).unwrap();
        assert_eq!(plan, again);
    }

    #[test]
    fn lists_every_problem_at_once() {
        let bad = MINIMAL.replace("2024 = \"≥62\"", "2024 = \"约62\", 2030 = \"70\"")
            + r#"
[[indicators]]
code = "T01"
seq = 1
domain = "XX"
name = "重复"
unit = "%"
polarity = "higher_is_better"
aggregation = { rule = "sum" }
lead_unit = ""
baseline = "/"
targets = { 2023 = "/" }
"#;
        let Err(PlanFileError::Invalid(problems)) = load(&bad) else {
            panic!("expected problems")
        };
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let all = text.join("\n");
        assert!(all.contains("2024年") && all.contains("约62"), "{all}");
        assert!(all.contains("2030"), "{all}");
        assert!(all.contains("指标编码重复"), "{all}");
        assert!(all.contains("未知领域“XX”"), "{all}");
        assert!(all.contains("缺少牵头单位"), "{all}");
        assert!(all.contains("序号 1 重复"), "{all}");
        assert!(all.contains("没有任何一年设定目标"), "{all}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = load("[plan]\ncode = \n").unwrap_err().to_string();
        assert!(err.contains("line 2") || err.contains("2:"), "{err}");
    }
}
