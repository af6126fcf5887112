//! From what was read to a `youxiang_core::Plan` with inferred defaults.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use youxiang_core::{
    Accumulation, Aggregation, Domain, Indicator, IndicatorSource, KeyTask, Op, Plan, Target,
};

use super::ImportedPlan;
use super::table::polarity_by_name;

/// The seven standard domains of a 七优享 plan: name, code, English name.
pub const STANDARD_DOMAINS: &[(&str, &str, &str)] = &[
    ("幼有善育", "YY", "Early childhood care"),
    ("学有优教", "XY", "Education"),
    ("劳有所得", "LD", "Employment and income"),
    ("病有良医", "BY", "Health care"),
    ("老有康养", "LY", "Elderly care"),
    ("住有宜居", "ZY", "Housing"),
    ("弱有众扶", "RF", "Social assistance"),
];

/// The note every imported indicator carries: its defaults were not decided by a person.
pub const IMPORT_NOTE: &str = "导入时未定,请核对";

/// Fallback when no lead unit was found for a domain.
const NO_LEAD: &str = "待定(导入时未找到牵头单位)";

/// Splits `区卫健局、区教育局` into the lead and the partners.
fn split_units(s: &str) -> (String, Vec<String>) {
    let mut parts = s
        .split(['、', ',', '，', ';', '；'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    let lead = parts.next().unwrap_or_default();
    (lead, parts.collect())
}

fn letters(mut n: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push((b'a' + (n % 26) as u8) as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s.iter().rev().collect()
}

/// A plan cannot judge 全覆盖 on a count (`万人`, `个`): such an indicator becomes a
/// 达标类 (milestone) one when every target it sets is 全覆盖 or 100, and is left out
/// otherwise (`Err` with the reason). Shares (`%`, `‰`) judge it as 100 %.
fn full_coverage_judgeable(ind: &mut Indicator) -> Result<(), String> {
    let set: Vec<&Target> = ind.targets.values().filter(|t| t.is_set()).collect();
    if ind.milestone
        || youxiang_core::plan::is_share_unit(&ind.unit)
        || !set.iter().any(|t| t.op == Op::Full)
    {
        return Ok(());
    }
    if set
        .iter()
        .all(|t| t.op == Op::Full || t.value == Some(100.0))
    {
        ind.milestone = true;
        ind.note
            .push_str(";目标为“全覆盖”而单位不是占比:按达标类导入,请核对(或改为覆盖率)");
        Ok(())
    } else {
        Err(format!(
            "“{}”的目标有“全覆盖”也有数值,而单位“{}”不是占比,无法判断",
            ind.name, ind.unit
        ))
    }
}

fn join_notes(notes: &[String]) -> String {
    let mut all = vec![IMPORT_NOTE.to_string()];
    all.extend(notes.iter().filter(|n| !n.is_empty()).cloned());
    all.join(";")
}

impl ImportedPlan {
    /// A full plan with inferred defaults, for a person to check:
    /// * domains in order of appearance (table, then task sections); codes from
    ///   [`STANDARD_DOMAINS`], else `D1`, `D2`, …; a section without a recognised domain
    ///   becomes its own domain named by the section title;
    /// * table rows → `T01`, `T02`, … (by 序号); task targets → `K<section>.<task><letter>`;
    /// * polarity from the name (失业率, 死亡率, 发生率 … lower is better), aggregation
    ///   `NotAggregable` with the note "导入时未定,请核对", cumulative for names with 累计,
    ///   milestone for 评估率 rows whose targets are all 100;
    /// * key tasks with title, text and the section's lead unit (the first unit named;
    ///   the others become partner units).
    ///
    /// The target years are the table's, plus any year a task target names.
    pub fn into_plan(&self, code: &str, name: &str, issuer: &str) -> Plan {
        self.into_plan_noting(code, name, issuer).0
    }

    /// [`ImportedPlan::into_plan`], with what was left out or renumbered so that the plan
    /// loads: a row or task target without any target in a plan year is left out (a plan
    /// indicator must have one), a repeated 序号 or task number gets the next free one, a
    /// sub-indicator (`其中`) of 序号 N is `TNN.k` with 序号 N×100+k. With target years
    /// (the table's, the text's, or set by the caller) the plan always validates.
    pub fn into_plan_noting(&self, code: &str, name: &str, issuer: &str) -> (Plan, Vec<String>) {
        let mut left_out: Vec<String> = Vec::new();
        // Domains.
        let mut domain_names: Vec<String> = Vec::new();
        for r in &self.indicators {
            if !r.domain.is_empty() && !domain_names.contains(&r.domain) {
                domain_names.push(r.domain.clone());
            }
        }
        let mut section_domain: HashMap<u32, String> = HashMap::new();
        for s in &self.sections {
            let d = if s.domain.is_empty() {
                if s.title.is_empty() {
                    format!("第{}部分", s.number)
                } else {
                    s.title.clone()
                }
            } else {
                s.domain.clone()
            };
            section_domain.entry(s.number).or_insert_with(|| d.clone());
            if !domain_names.contains(&d) {
                domain_names.push(d);
            }
        }
        let needs_default = self.indicators.iter().any(|r| r.domain.is_empty())
            || self
                .tasks
                .iter()
                .any(|t| !section_domain.contains_key(&t.section));
        if needs_default && !domain_names.iter().any(|d| d == "未分领域") {
            domain_names.push("未分领域".into());
        }
        let mut codes: HashMap<String, String> = HashMap::new();
        let mut domains = Vec::new();
        let mut next_d = 1;
        for d in &domain_names {
            let (code, en) = match STANDARD_DOMAINS.iter().find(|s| s.0 == d) {
                Some((_, c, en)) => (c.to_string(), en.to_string()),
                None => {
                    let c = format!("D{next_d}");
                    next_d += 1;
                    (c, String::new())
                }
            };
            let lead = self
                .sections
                .iter()
                .filter(|s| section_domain.get(&s.number) == Some(d))
                .map(|s| split_units(&s.lead_unit).0)
                .find(|l| !l.is_empty())
                .or_else(|| {
                    self.indicators
                        .iter()
                        .filter(|r| &r.domain == d)
                        .filter_map(|r| r.lead_unit.as_deref())
                        .map(|l| split_units(l).0)
                        .find(|l| !l.is_empty())
                })
                .unwrap_or_else(|| NO_LEAD.to_string());
            codes.insert(d.clone(), code.clone());
            domains.push(Domain {
                code,
                name: d.clone(),
                lead_unit: lead,
                name_en: en,
            });
        }
        let domain_code = |name: &str| -> String {
            let key = if name.is_empty() {
                "未分领域"
            } else {
                name
            };
            codes.get(key).cloned().unwrap_or_default()
        };
        let domain_lead = |code: &str| -> String {
            domains
                .iter()
                .find(|d| d.code == code)
                .map(|d| d.lead_unit.clone())
                .unwrap_or_else(|| NO_LEAD.to_string())
        };

        // Years.
        let mut years: BTreeSet<i32> = self.target_years.iter().copied().collect();
        let first_year = years.iter().next().copied();
        let baseline_year = self
            .baseline_year
            .filter(|b| first_year.is_none_or(|f| *b < f))
            .or_else(|| years.iter().next().map(|y| y - 1))
            .or_else(|| {
                self.task_targets
                    .iter()
                    .flat_map(|t| t.years.iter())
                    .min()
                    .map(|y| y - 1)
            })
            .unwrap_or(0);
        for t in &self.task_targets {
            years.extend(t.years.iter().copied().filter(|y| *y > baseline_year));
        }

        let mut indicators = Vec::new();
        let mut used_seqs: BTreeSet<u32> = BTreeSet::new();
        let max_seq = self
            .indicators
            .iter()
            .map(|r| r.seq.saturating_mul(100).saturating_add(r.sub))
            .max()
            .unwrap_or(0);
        let mut next_free = max_seq;
        for r in &self.indicators {
            let dcode = domain_code(&r.domain);
            let mut notes = r.notes.clone();
            let label = if r.sub > 0 {
                format!("序号 {} 的子指标 {}“{}”", r.seq, r.sub, r.name)
            } else {
                format!("序号 {}“{}”", r.seq, r.name)
            };
            if !r
                .targets
                .iter()
                .any(|(y, t)| t.is_set() && years.contains(y))
            {
                left_out.push(format!(
                    "{label}(第 {} 行)没有读到任何一年的目标,未写入方案文件",
                    r.line
                ));
                continue;
            }
            let (mut code, mut seq) = if r.sub > 0 {
                (
                    format!("T{:02}.{}", r.seq, r.sub),
                    r.seq.saturating_mul(100).saturating_add(r.sub),
                )
            } else {
                (format!("T{:02}", r.seq), r.seq)
            };
            if !used_seqs.insert(seq) {
                next_free = next_free.saturating_add(1);
                left_out.push(format!("{label}的序号重复,改记为序号 {next_free}"));
                notes.push(format!("原表序号 {seq} 重复"));
                seq = next_free;
                used_seqs.insert(seq);
                code = format!("T{seq:02}");
            }
            let milestone_like = r.name.contains("评估率");
            let all_100 = r
                .targets
                .values()
                .filter(|t| t.is_set())
                .all(|t| t.op == Op::Full || t.value == Some(100.0));
            if milestone_like && !all_100 {
                notes.push("名称含“评估率”但目标不全为 100,未设为达标类".into());
            }
            if r.starred {
                notes.push("原文标有☆".into());
            }
            if !r.starred_years.is_empty() {
                let ys: Vec<String> = r.starred_years.iter().map(|y| format!("{y}年")).collect();
                notes.push(format!("单元格标有☆:{}", ys.join("、")));
            }
            let (lead, partners) = match &r.lead_unit {
                Some(l) => split_units(l),
                None => (domain_lead(&dcode), Vec::new()),
            };
            let mut ind = Indicator {
                frequency: youxiang_core::period::PeriodKind::Year,
                flow: Default::default(),
                report_level: None,
                code,
                name: r.name.clone(),
                unit: r.unit.clone(),
                domain: dcode,
                polarity: r.polarity,
                aggregation: Aggregation::NotAggregable,
                accumulation: if r.name.contains("累计") {
                    Accumulation::Cumulative
                } else {
                    Accumulation::Annual
                },
                milestone: milestone_like && all_100,
                lead_unit: if lead.is_empty() {
                    NO_LEAD.to_string()
                } else {
                    lead
                },
                partner_units: partners,
                limit: (r.unit == "%").then_some(100.0),
                source: IndicatorSource::Table { seq },
                data_source: String::new(),
                definition: String::new(),
                baseline: r.baseline.clone(),
                targets: r.targets.clone(),
                note: join_notes(&notes),
            };
            if let Err(why) = full_coverage_judgeable(&mut ind) {
                left_out.push(format!("{label}(第 {} 行):{why},未写入方案文件", r.line));
                continue;
            }
            indicators.push(ind);
        }

        let task_codes: BTreeSet<String> = self.tasks.iter().map(|t| t.code.clone()).collect();
        let mut per_task: HashMap<String, usize> = HashMap::new();
        for t in &self.task_targets {
            let section = t.task.split('.').next().unwrap_or("0");
            let dname = section
                .parse::<u32>()
                .ok()
                .and_then(|s| section_domain.get(&s).cloned())
                .unwrap_or_default();
            let dcode = domain_code(&dname);
            let n = per_task.entry(t.task.clone()).or_insert(0);
            let code = format!("K{}{}", t.task, letters(*n));
            *n += 1;
            let (lead, partners) = split_units(&t.lead_unit);
            let targets: BTreeMap<i32, Target> = t
                .years
                .iter()
                .filter(|y| years.contains(y))
                .map(|y| (*y, t.target.clone()))
                .collect();
            if !task_codes.contains(&t.task) || !targets.values().any(Target::is_set) {
                left_out.push(format!(
                    "任务 {} 的目标“{} {}”(第 {} 行)不在方案的目标年份内,未写入方案文件",
                    t.task, t.name, t.target.text, t.line
                ));
                continue;
            }
            let mut ind = Indicator {
                frequency: youxiang_core::period::PeriodKind::Year,
                flow: Default::default(),
                report_level: None,
                code,
                name: t.name.clone(),
                unit: t.unit.clone(),
                domain: dcode.clone(),
                polarity: polarity_by_name(&t.name),
                aggregation: Aggregation::NotAggregable,
                accumulation: if t.cumulative {
                    Accumulation::Cumulative
                } else {
                    Accumulation::Annual
                },
                milestone: false,
                lead_unit: if lead.is_empty() {
                    domain_lead(&dcode)
                } else {
                    lead
                },
                partner_units: partners,
                limit: (t.unit == "%").then_some(100.0),
                source: IndicatorSource::Task {
                    task: t.task.clone(),
                    sentence: t.sentence.clone(),
                },
                data_source: String::new(),
                definition: String::new(),
                baseline: Target::none(""),
                targets,
                note: join_notes(std::slice::from_ref(&t.note)),
            };
            if let Err(why) = full_coverage_judgeable(&mut ind) {
                left_out.push(format!(
                    "任务 {} 的目标(第 {} 行):{why},未写入方案文件",
                    t.task, t.line
                ));
                continue;
            }
            indicators.push(ind);
        }

        let mut seen_tasks: BTreeSet<String> = BTreeSet::new();
        let tasks = self
            .tasks
            .iter()
            .filter(|t| {
                // A number used twice: the first task keeps it (task targets refer to it).
                let fresh = seen_tasks.insert(t.code.clone());
                if !fresh {
                    left_out.push(format!(
                        "任务编号 {} 重复(第 {} 行),后一项未写入方案文件",
                        t.code, t.line
                    ));
                }
                fresh
            })
            .map(|t| {
                let dname = section_domain.get(&t.section).cloned().unwrap_or_default();
                let dcode = domain_code(&dname);
                let (lead, partners) = split_units(&t.lead_unit);
                KeyTask {
                    code: t.code.clone(),
                    domain: dcode.clone(),
                    title: if !t.title.is_empty() {
                        t.title.clone()
                    } else if !t.text.trim().is_empty() {
                        t.text.chars().take(30).collect()
                    } else {
                        format!("任务 {}", t.code)
                    },
                    lead_unit: if lead.is_empty() {
                        domain_lead(&dcode)
                    } else {
                        lead
                    },
                    partner_units: partners,
                    text: t.text.clone(),
                }
            })
            .collect();

        let plan = Plan {
            code: code.to_string(),
            name: name.to_string(),
            issuer: issuer.to_string(),
            place: String::new(),
            published: String::new(),
            baseline_year,
            target_years: years.into_iter().collect(),
            version: 1,
            domains,
            indicators,
            tasks,
            projects: Vec::new(),
            revisions: Vec::new(),
        };
        (plan, left_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_codes() {
        assert_eq!(letters(0), "a");
        assert_eq!(letters(25), "z");
        assert_eq!(letters(26), "aa");
        assert_eq!(letters(27), "ab");
    }
}
