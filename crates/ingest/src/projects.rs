//! The register of major projects from a file (重大项目表, xlsx or CSV): one row per
//! project, a planned and a completed column per year (`2025年计划投资(万元)`,
//! `2025年完成投资(万元)`). The cells are checked here, each fault named by row and column;
//! whether the domain, task and place exist is the caller's check.

use chrono::{Datelike, NaiveDate};
use youxiang_core::manage::projects::{
    MajorProject, ProjectStatus, ProjectYear, parse_milestones, split_units,
};

use crate::error::IngestError;
use crate::headers::{Field, resolve};
use crate::limits::{ReadLimits, omitted_errors_line};
use crate::parse::parse_number;
use crate::table::{Cell, read_table};

/// The sheet of an xlsx register that is read when present (else the first sheet).
pub const PROJECTS_SHEET: &str = "重大项目";

const PROJECT_FIELDS: &[Field] = &[
    Field {
        key: "code",
        names: &["项目编号", "code"],
        required: true,
    },
    Field {
        key: "name",
        names: &["项目名称", "name"],
        required: true,
    },
    Field {
        key: "domain",
        names: &["领域", "domain", "领域编码"],
        required: true,
    },
    Field {
        key: "task",
        names: &["重点任务", "key_task", "任务编号"],
        required: false,
    },
    Field {
        key: "place",
        names: &["所在地编码", "place", "地点编码"],
        required: false,
    },
    Field {
        key: "lead",
        names: &["牵头单位", "lead_unit"],
        required: true,
    },
    Field {
        key: "partners",
        names: &["配合单位", "partner_units"],
        required: false,
    },
    Field {
        key: "total",
        names: &["总投资(万元)", "总投资", "total_wan"],
        required: true,
    },
    Field {
        key: "start",
        names: &["开工日期", "start"],
        required: true,
    },
    Field {
        key: "end",
        names: &["竣工日期", "end", "计划竣工日期"],
        required: true,
    },
    Field {
        key: "status",
        names: &["状态", "status"],
        required: true,
    },
    Field {
        key: "milestones",
        names: &["形象进度节点", "milestones", "里程碑"],
        required: false,
    },
    Field {
        key: "closing",
        names: &["关闭说明", "closing_note"],
        required: false,
    },
];

const IGNORED: &[&str] = &["序号", "所在地", "灯号"];

const HINT: &str = "可用列名:项目编号、项目名称、领域、重点任务、所在地编码、牵头单位、配合单位、总投资(万元)、开工日期、竣工日期、状态、形象进度节点、关闭说明,以及每年的“2025年计划投资(万元)”“2025年完成投资(万元)”";

/// A yearly column: year × 2 (+1 for completed).
fn year_column(text: &str) -> Option<i32> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let year: i32 = t.get(..4)?.parse().ok()?;
    let rest = t.get(4..)?.trim_start_matches('年');
    let rest = rest.trim_end_matches("(万元)").trim_end_matches("(万元)");
    let done = match rest {
        "计划投资" => 0,
        "完成投资" => 1,
        _ => return None,
    };
    (1990..=2100).contains(&year).then_some(year * 2 + done)
}

/// One row of the register file.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRow {
    /// The Excel row number (or CSV line).
    pub row: usize,
    pub project: MajorProject,
}

fn read_date(cell: &Cell) -> Result<NaiveDate, String> {
    let t = cell.text.trim();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(d);
        }
    }
    // An Excel date cell is a day count from 1899-12-30.
    if let Some(n) = cell.number.filter(|n| (20_000.0..80_000.0).contains(n))
        && let Some(d) = NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_days(chrono::Days::new(n as u64)))
    {
        return Ok(d);
    }
    Err(if t.is_empty() {
        "缺少日期".into()
    } else {
        "不是日期,应写作 2025-06-30".into()
    })
}

fn read_amount(cell: &Cell) -> Result<Option<f64>, String> {
    let v = match cell.number {
        Some(x) => x,
        None if cell.text.trim().is_empty() => return Ok(None),
        None => parse_number(&cell.text)?.value,
    };
    if v.is_finite() && v >= 0.0 {
        Ok(Some(v))
    } else {
        Err("金额不能为负数".into())
    }
}

/// Reads a register file within the default limits. Nothing is returned unless every row
/// is good.
pub fn read_project_rows(bytes: &[u8], file: &str) -> Result<Vec<ProjectRow>, Vec<IngestError>> {
    let limits = ReadLimits::default();
    let table = read_table(bytes, file, PROJECTS_SHEET, &limits).map_err(|e| vec![e])?;
    let (layout, first) = resolve(
        file,
        &table.rows,
        PROJECT_FIELDS,
        IGNORED,
        &year_column,
        HINT,
    )?;
    let col = |k: &str| layout.get(k).cloned();
    let mut errors = Vec::new();
    let mut omitted = 0usize;
    let mut rows = Vec::new();
    for r in &table.rows[first..] {
        if r.is_empty() {
            continue;
        }
        let before = errors.len();
        let text = |k: &str| {
            col(k)
                .map(|c| r.cell(c.0).text.trim().to_string())
                .unwrap_or_default()
        };
        let fault = |errors: &mut Vec<IngestError>, k: &str, reason: String| {
            if let Some((i, c)) = col(k) {
                errors.push(IngestError::cell(file, r.row, &c, &r.cell(i).text, reason));
            }
        };
        for (k, what) in [
            ("code", "项目编号"),
            ("name", "项目名称"),
            ("domain", "领域"),
            ("lead", "牵头单位"),
        ] {
            if text(k).is_empty() {
                fault(&mut errors, k, format!("缺少{what}"));
            }
        }
        let total = col("total").and_then(|(i, _)| match read_amount(r.cell(i)) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                fault(&mut errors, "total", "缺少总投资".into());
                None
            }
            Err(e) => {
                fault(&mut errors, "total", e);
                None
            }
        });
        let mut date = |k: &str| {
            col(k).and_then(|(i, _)| match read_date(r.cell(i)) {
                Ok(d) => Some(d),
                Err(e) => {
                    fault(&mut errors, k, e);
                    None
                }
            })
        };
        let start = date("start");
        let end = date("end");
        let status = match text("status").parse::<ProjectStatus>() {
            Ok(s) => Some(s),
            Err(e) => {
                fault(&mut errors, "status", e);
                None
            }
        };
        let milestones = match parse_milestones(&text("milestones")) {
            Ok(m) => m,
            Err(e) => {
                fault(&mut errors, "milestones", e);
                Vec::new()
            }
        };
        let mut years: Vec<ProjectYear> = Vec::new();
        for (i, c, n) in &layout.dynamic {
            let (year, done) = (n / 2, n % 2 == 1);
            match read_amount(r.cell(*i)) {
                Ok(None) => {}
                Ok(Some(v)) => {
                    let line = match years.iter_mut().find(|y| y.year == year) {
                        Some(l) => l,
                        None => {
                            years.push(ProjectYear {
                                year,
                                planned_wan: 0.0,
                                completed_wan: None,
                                as_of: None,
                                reports: Vec::new(),
                            });
                            years.last_mut().expect("just pushed")
                        }
                    };
                    if done {
                        line.completed_wan = Some(v);
                    } else {
                        line.planned_wan = v;
                    }
                }
                Err(e) => errors.push(IngestError::cell(file, r.row, c, &r.cell(*i).text, e)),
            }
        }
        years.sort_by_key(|y| y.year);
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            fault(&mut errors, "end", format!("竣工日期早于开工日期 {s}"));
        }
        if errors.len() == before
            && let (Some(total_wan), Some(start), Some(end), Some(status)) =
                (total, start, end, status)
        {
            let task = text("task");
            let place = text("place");
            rows.push(ProjectRow {
                row: r.row,
                project: MajorProject {
                    code: text("code"),
                    name: text("name"),
                    domain: text("domain"),
                    key_task: (!task.is_empty()).then_some(task),
                    place: (!place.is_empty()).then_some(place),
                    lead_unit: text("lead"),
                    partner_units: split_units(&text("partners")),
                    total_wan,
                    start,
                    end,
                    years: years
                        .into_iter()
                        .filter(|y| y.year >= start.year() - 1)
                        .collect(),
                    milestones,
                    status,
                    closing_note: text("closing"),
                    synthetic: false,
                },
            });
        }
        if errors.len() > limits.max_errors {
            omitted += errors.len() - limits.max_errors;
            errors.truncate(limits.max_errors);
        }
    }
    if omitted > 0 {
        let listed = errors.len();
        errors.push(omitted_errors_line(file, omitted, listed));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![IngestError::file(file, "文件中没有重大项目数据行")]);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_csv_is_read_with_its_yearly_columns() {
        let csv = "项目编号,项目名称,领域,重点任务,所在地编码,牵头单位,配合单位,总投资(万元),开工日期,竣工日期,状态,形象进度节点,2024年计划投资(万元),2024年完成投资(万元),2025年计划投资(万元)\n\
                   XM01,区妇幼保健院迁建,BY,2.1,330902001,区卫健局,区住建局、区财政局,30000,2024-03-01,2026-12-31,在建,主体封顶@2025-06-30,10000,9000,12000\n";
        let rows = read_project_rows(csv.as_bytes(), "p.csv").unwrap();
        assert_eq!(rows.len(), 1);
        let p = &rows[0].project;
        assert_eq!(p.code, "XM01");
        assert_eq!(p.partner_units, vec!["区住建局", "区财政局"]);
        assert_eq!(p.status, ProjectStatus::Building);
        assert_eq!(p.years.len(), 2);
        assert_eq!(p.years[0].completed_wan, Some(9000.0));
        assert_eq!(p.years[1].planned_wan, 12000.0);
        assert_eq!(p.milestones.len(), 1);
    }

    #[test]
    fn bad_cells_are_named_by_row_and_column() {
        let csv = "项目编号,项目名称,领域,牵头单位,总投资(万元),开工日期,竣工日期,状态,2025年完成投资(万元)\n\
                   XM01,甲,BY,区卫健局,abc,2024-13-01,2026-12-31,停工,-5\n\
                   ,乙,BY,区卫健局,100,2024-01-01,2023-12-31,在建,\n";
        let errors = read_project_rows(csv.as_bytes(), "p.csv").unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        let all = text.join("\n");
        assert_eq!(errors.len(), 6, "{all}");
        assert!(all.contains("第2行"), "{all}");
        assert!(all.contains("缺少项目编号"), "{all}");
        assert!(all.contains("停工"), "{all}");
        assert!(all.contains("竣工日期早于开工日期"), "{all}");
    }

    #[test]
    fn an_unknown_column_is_refused() {
        let csv = "项目编号,项目名称,领域,牵头单位,总投资(万元),开工日期,竣工日期,状态,投资来源\nXM01,甲,BY,区卫健局,1,2024-01-01,2024-12-31,在建,财政\n";
        let errors = read_project_rows(csv.as_bytes(), "p.csv").unwrap_err();
        assert!(errors[0].to_string().contains("投资来源"));
    }
}
