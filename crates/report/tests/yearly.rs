//! The yearly evaluation report (年度监测评估报告) through the same document model and
//! renderers as the quarterly one; and the quarterly report's key-task targets (重点任务目标,
//! 推算, 原目标).

use std::process::Command;

use youxiang_report::*;

use super::{has, sample, tmpdir};

fn year_row(code: &str, key_task: bool, light: Light, result: &str) -> YearRow {
    YearRow {
        code: code.into(),
        name: format!("指标{code}"),
        unit: "%".into(),
        key_task,
        target: if key_task {
            "≥75%(推算)".into()
        } else {
            "≥90".into()
        },
        original_target: key_task.then(|| "2027年90%以上,2025-06-01方案调整".into()),
        value: Some("80".into()),
        result: result.into(),
        light,
        comparison: format!("实际值 80 满足目标“≥75%(推算)” → {result}"),
        progress: "显著进展(得分4.2)".into(),
        pace: Some("还需年均提高3.3个百分点方能实现2027年目标".into()),
    }
}

pub fn yearly_sample() -> YearlyReport {
    let q = sample();
    YearlyReport {
        title: "定海区“七优享”工程2024年年度监测评估报告".into(),
        programme: q.programme.clone(),
        place: q.place.clone(),
        year: "2024年".into(),
        midterm: false,
        as_of: "2024年12月31日".into(),
        generated_at: q.generated_at.clone(),
        issuer: q.issuer.clone(),
        data_note: q.data_note.clone(),
        key_points: vec!["2024年,3项指标和重点任务目标中,达标2项、未达标1项。".into()],
        met: 2,
        not_met: 1,
        no_data: 0,
        domains: vec![YearDomain {
            name: "幼有善育".into(),
            lead_unit: "区卫健局".into(),
            rows: vec![
                year_row("T01", false, Light::Green, "达标"),
                year_row("T02", false, Light::Red, "未达标"),
                year_row("K0101", true, Light::Green, "达标"),
            ],
        }],
        work: WorkProgress {
            milestones: vec![MilestoneRow {
                task: "1.2 普惠托育".into(),
                title: "新建托育机构5家".into(),
                lead_unit: "区卫健局".into(),
                due: "2024-10-31".into(),
                state: "逾期未完成".into(),
                late: true,
            }],
            investment: Some("登记重大项目1个。".into()),
            projects: Vec::new(),
        },
        missed: vec![MissedTarget {
            code: "T02".into(),
            name: "指标T02".into(),
            key_task: false,
            lead_unit: "区卫健局".into(),
            comparison: "实际值 80 未满足目标“≥90” → 未达标".into(),
            cause: Some("托育机构建设滞后".into()),
            measures: None,
        }],
        measures: YearMeasures {
            next_year: "2025年".into(),
            deadline: "2025年2月1日".into(),
            units: vec![
                UnitMeasures {
                    unit: "区卫健局".into(),
                    leads: "领域:幼有善育;核心指标3项".into(),
                    text: Some("新增普惠托位300个".into()),
                    entered: Some("2025-01-20 10:00".into()),
                    late: false,
                },
                UnitMeasures {
                    unit: "区教育局".into(),
                    leads: "领域:学有优教".into(),
                    text: None,
                    entered: None,
                    late: false,
                },
            ],
        },
    }
}

#[test]
fn the_yearly_report_renders_every_section_in_three_formats() {
    let r = yearly_sample();
    let h = render_yearly_html(&r);
    for s in [
        "年度监测评估报告",
        "一、总体情况",
        "二、各领域目标完成情况",
        "三、重点任务与重大项目",
        "新建托育机构5家",
        "四、未达标指标及原因",
        "五、下一年度细化措施",
        "重点任务目标",
        "原目标2027年90%以上",
        "≥75%(推算)",
        "显著进展(得分4.2)",
        "托育机构建设滞后",
        "新增普惠托位300个",
        "未填报",
        "截止2025年2月1日",
    ] {
        assert!(h.contains(s), "HTML lacks {s}");
    }
    assert!(!h.to_lowercase().contains("<script"));
    let docx = render_yearly_docx(&r).unwrap();
    assert!(docx.starts_with(b"PK"));
    // Without key tasks and projects the sections are numbered on.
    let mut bare = r.clone();
    bare.work = WorkProgress::default();
    bare.midterm = true;
    let h = render_yearly_html(&bare);
    assert!(h.contains("三、未达标指标及原因") && h.contains("四、下一年度细化措施"));
    assert!(h.contains("中期评估报告"));

    let fonts = match find_cjk_font() {
        Ok(f) => f,
        Err(e) => {
            youxiang_testkit::skip("cjk-font", format!("the yearly PDF: {e}"));
            return;
        }
    };
    let pdf = render_yearly_pdf(&r, &fonts).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if !has("pdftotext") {
        youxiang_testkit::skip("poppler", "pdftotext not installed (poppler-utils)");
        return;
    }
    let dir = tmpdir("yearly");
    let f = dir.join("y.pdf");
    std::fs::write(&f, &pdf).unwrap();
    let out = Command::new("pdftotext").arg(&f).arg("-").output().unwrap();
    assert!(out.status.success());
    let text: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for s in [
        "年度监测评估报告",
        "下一年度细化措施",
        "未填报",
        "重点任务目标",
    ] {
        assert!(text.contains(s), "PDF text lacks {s}");
    }
}

#[test]
fn the_quarterly_report_lists_key_task_targets_with_derived_and_original_targets() {
    let r = sample();
    let h = render_html(&r);
    assert!(
        h.contains("幼有善育重点任务目标"),
        "the domain's task table"
    );
    assert!(h.contains("≥75%(推算)"));
    assert!(h.contains("原目标90%以上(2027年，2025-06-01调整)"));
    assert!(h.contains("K0102 儿童早期发展服务覆盖率（重点任务目标）"));
    assert!(h.contains("目标≥82%(推算)"));
    let docx = render_docx_with(&r, None).unwrap();
    let xml = super::document_xml(&docx);
    assert!(xml.contains("重点任务目标") && xml.contains("原目标"));
}
