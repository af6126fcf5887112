//! Per-reporter templates: an `.xlsx` in Chinese (sheet 填报 with one prefilled row per
//! value to report, sheet 说明 with instructions) and a CSV variant (UTF-8 with BOM).
//!
//! Which rows: every indicator in the reporter's scope whose frequency matches a requested
//! period, × every place the reporter reports for, × every period of that kind, × every
//! component (分子 and 分母 for a ratio of sums, else 数值).
//!
//! Which places (the reporting-level rule): each indicator is reported by the places its
//! `report_level` names under the plan's place — exactly the reports that
//! `youxiang_core::completeness` expects — restricted to the reporter's scope. So a town
//! reporter gets one row per village for an indicator villages report, and one row for its
//! own town for an indicator towns report. When the plan's place is not in the tree (a
//! custom hierarchy), the role decides instead: a town or village reporter reports for the
//! **leaves** of its scope's subtrees; a department reporter, the programme office and an
//! administrator for the scope's **own roots**. A viewer gets no template.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatAlign,
    FormatBorder, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use youxiang_core::period::Period;
use youxiang_core::place::{PlaceId, PlaceTree};
use youxiang_core::plan::{Aggregation, Indicator, Plan};
use youxiang_core::scope::{Reporter, Role};
use youxiang_core::value::Component;

use crate::error::IngestError;
use crate::validate::{default_deadline, period_example};
use crate::values::VALUES_SHEET;
use youxiang_core::completeness::{DEFAULT_DUE_DAYS, required_components};

/// The template's columns, in order.
pub const TEMPLATE_HEADERS: [&str; 10] = [
    "指标编码",
    "指标名称",
    "单位",
    "地点编码",
    "地点名称",
    "期间",
    "分项",
    "数值",
    "备注",
    "数据来源",
];

/// The instructions sheet.
pub const INSTRUCTIONS_SHEET: &str = "说明";

const TEMPLATE_FILE: &str = "填报模板";

/// The places a reporter reports an indicator for (see the module documentation).
pub fn reporter_places(
    plan: &Plan,
    tree: &PlaceTree,
    reporter: &Reporter,
    ind: &Indicator,
) -> Vec<PlaceId> {
    if tree.id(&plan.place).is_none() {
        return places_by_role(tree, reporter);
    }
    youxiang_core::completeness::reporting_places(plan, tree, ind)
        .into_iter()
        .filter(|p| reporter.scope.covers_place(tree, *p))
        .collect()
}

/// The fallback rule when the plan's place is not in the tree: leaves of the scope's
/// subtrees for town and village reporters, the scope's roots for everyone else.
pub fn places_by_role(tree: &PlaceTree, reporter: &Reporter) -> Vec<PlaceId> {
    let roots: Vec<PlaceId> = reporter
        .scope
        .places
        .iter()
        .filter_map(|c| tree.id(c))
        .collect();
    let mut out = Vec::new();
    for root in roots {
        match reporter.role {
            Role::TownReporter | Role::VillageReporter => out.extend(
                tree.subtree(root)
                    .into_iter()
                    .filter(|id| tree.is_leaf(*id)),
            ),
            Role::Viewer | Role::SecurityAdmin | Role::Auditor => {}
            Role::DepartmentReporter | Role::Office | Role::Admin => out.push(root),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|id| seen.insert(*id));
    out
}

/// The prefilled rows of a template, as the ten column texts (数值 and 备注 empty; 数据来源
/// the indicator's default source in the plan, to keep or overwrite).
pub fn template_rows(
    plan: &Plan,
    tree: &PlaceTree,
    reporter: &Reporter,
    periods: &[Period],
) -> Result<Vec<[String; 10]>, IngestError> {
    let fail = |reason: String| IngestError::file(TEMPLATE_FILE, reason);
    if !reporter.role.can_report() {
        return Err(fail(format!(
            "{}({})无填报权限,不生成填报模板",
            reporter.name,
            reporter.role.label_zh()
        )));
    }
    if periods.is_empty() {
        return Err(fail("没有选择期间".into()));
    }
    let (y0, y1) = (plan.baseline_year, plan.final_year());
    let outside: Vec<String> = periods
        .iter()
        .filter(|p| !(y0..=y1).contains(&p.year()))
        .map(|p| p.to_string())
        .collect();
    if !outside.is_empty() {
        return Err(fail(format!(
            "期间 {} 不在方案年份 {y0}–{y1} 之内",
            outside.join("、")
        )));
    }
    let mut periods: Vec<Period> = periods.to_vec();
    periods.sort();
    periods.dedup();
    // Places in tree order (parents before children, siblings together).
    let mut rank = vec![usize::MAX; tree.len()];
    let mut order = 0;
    for root in tree.roots() {
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            rank[id.index()] = order;
            order += 1;
            stack.extend(tree.children(id).iter().rev());
        }
    }
    let mut cells: Vec<(Period, usize, usize, PlaceId, &Indicator, Component)> = Vec::new();
    for period in &periods {
        for (i, ind) in plan.indicators.iter().enumerate().filter(|(_, i)| {
            reporter.scope.covers_indicator(&i.code) && i.frequency == period.kind()
        }) {
            for pid in reporter_places(plan, tree, reporter, ind) {
                for &comp in required_components(ind) {
                    cells.push((*period, rank[pid.index()], i, pid, ind, comp));
                }
            }
        }
    }
    cells.sort_by_key(|c| (c.0, c.1, c.2, c.5));
    let mut rows = Vec::with_capacity(cells.len());
    for (period, _, _, pid, ind, comp) in cells {
        let place = tree.get(pid);
        let (name, unit) = match (&ind.aggregation, comp) {
            (Aggregation::RatioOfSums { numerator, .. }, Component::Numerator) => {
                (format!("{}(分子:{numerator})", ind.name), String::new())
            }
            (Aggregation::RatioOfSums { denominator, .. }, Component::Denominator) => {
                (format!("{}(分母:{denominator})", ind.name), String::new())
            }
            _ => (ind.name.clone(), ind.unit.clone()),
        };
        rows.push([
            ind.code.clone(),
            name,
            unit,
            place.code.clone(),
            place.name.clone(),
            period.to_string(),
            comp.label_zh().to_string(),
            String::new(),
            String::new(),
            ind.data_source.clone(),
        ]);
    }
    if rows.is_empty() {
        let kinds: Vec<&str> = periods.iter().map(|p| p.kind().label_zh()).collect();
        return Err(fail(format!(
            "填报员 {} 的范围内没有按{}填报的指标和地点(指标由其规定的层级填报)",
            reporter.name,
            kinds.join("/")
        )));
    }
    Ok(rows)
}

/// Display width in Excel's column units: CJK and full-width characters count 2.
pub fn display_width(text: &str) -> usize {
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

fn xlsx_err(e: XlsxError) -> IngestError {
    IngestError::file(TEMPLATE_FILE, format!("生成 Excel 文件失败:{e}"))
}

/// Writes the reporter's template as an `.xlsx` (see the module documentation).
pub fn write_template(
    plan: &Plan,
    tree: &PlaceTree,
    reporter: &Reporter,
    periods: &[Period],
) -> Result<Vec<u8>, IngestError> {
    let rows = template_rows(plan, tree, reporter, periods)?;
    let mut book = Workbook::new();
    let font = "等线";
    let header = Format::new()
        .set_bold()
        .set_font_name(font)
        .set_background_color(0xD9E1F2)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let given = Format::new()
        .set_font_name(font)
        .set_num_format("@")
        .set_background_color(0xF2F2F2);
    let input = Format::new()
        .set_font_name(font)
        .set_background_color(0xFFF2CC);
    let comment = Format::new().set_font_name(font).set_num_format("@");
    {
        let ws = book.add_worksheet();
        ws.set_name(VALUES_SHEET).map_err(xlsx_err)?;
        fill_values_sheet(ws, &rows, &header, &given, &input, &comment).map_err(xlsx_err)?;
    }
    {
        let ws = book.add_worksheet();
        ws.set_name(INSTRUCTIONS_SHEET).map_err(xlsx_err)?;
        fill_instructions(ws, plan, tree, reporter, periods, rows.len(), font).map_err(xlsx_err)?;
    }
    book.save_to_buffer().map_err(xlsx_err)
}

fn fill_values_sheet(
    ws: &mut Worksheet,
    rows: &[[String; 10]],
    header: &Format,
    given: &Format,
    input: &Format,
    comment: &Format,
) -> Result<(), XlsxError> {
    const VALUE_COL: u16 = 7;
    const COMMENT_COL: u16 = 8;
    const SOURCE_COL: u16 = 9;
    for (c, h) in TEMPLATE_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, header)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, text) in row.iter().enumerate() {
            let c = c as u16;
            match c {
                VALUE_COL => ws.write_blank(r, c, input)?,
                COMMENT_COL => ws.write_blank(r, c, comment)?,
                SOURCE_COL if text.is_empty() => ws.write_blank(r, c, comment)?,
                SOURCE_COL => ws.write_string_with_format(r, c, text, comment)?,
                _ => ws.write_string_with_format(r, c, text, given)?,
            };
        }
    }
    // Widths counted by hand: CJK characters are two units wide, which autofit undercounts.
    for c in 0..TEMPLATE_HEADERS.len() {
        let widest = rows
            .iter()
            .map(|r| display_width(&r[c]))
            .chain([display_width(TEMPLATE_HEADERS[c])])
            .max()
            .unwrap_or(4);
        let min = match c as u16 {
            VALUE_COL => 14,
            COMMENT_COL | SOURCE_COL => 24,
            _ => 8,
        };
        ws.set_column_width(c as u16, (widest + 2).clamp(min, 60) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last = rows.len() as u32;
    if last > 0 {
        let dv = DataValidation::new()
            .allow_decimal_number(DataValidationRule::Between(-1.0e15, 1.0e15))
            .set_input_title("填写数值")?
            .set_input_message("请填写数字,不带单位。单位为 % 的指标填百分数,如 35.5 表示 35.5%。")?
            .set_error_title("数值无效")?
            .set_error_message("这里只能填写数字(可带小数),不要填写文字或单位。")?
            .set_error_style(DataValidationErrorStyle::Stop);
        ws.add_data_validation(1, VALUE_COL, last, VALUE_COL, &dv)?;
    }
    Ok(())
}

fn fill_instructions(
    ws: &mut Worksheet,
    plan: &Plan,
    tree: &PlaceTree,
    reporter: &Reporter,
    periods: &[Period],
    row_count: usize,
    font: &str,
) -> Result<(), XlsxError> {
    let title = Format::new()
        .set_bold()
        .set_font_name(font)
        .set_font_size(14);
    let bold = Format::new().set_bold().set_font_name(font);
    let text = Format::new().set_font_name(font).set_text_wrap();
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut push = |a: &str, b: String| lines.push((a.to_string(), b));
    push("方案", plan.name.clone());
    push(
        "填报人",
        format!(
            "{}({}{})",
            reporter.name,
            if reporter.unit.is_empty() {
                String::new()
            } else {
                format!("{},", reporter.unit)
            },
            reporter.role.label_zh()
        ),
    );
    let scope_places: Vec<String> = reporter
        .scope
        .places
        .iter()
        .map(|c| match tree.by_code(c) {
            Some(p) => format!("{} {}", p.code, p.name),
            None => c.clone(),
        })
        .collect();
    push("负责地点", scope_places.join("、"));
    push(
        "填报地点",
        "每个指标由方案规定的层级填报(见下方各指标的“填报层级”),本表只列出您负责范围内的地点,每个地点各填一行".into(),
    );
    push(
        "负责指标",
        if reporter.scope.indicators.is_empty() {
            "方案中的全部指标(按所选期间的填报频次筛选)".into()
        } else {
            reporter.scope.indicators.join("、")
        },
    );
    let mut sorted = periods.to_vec();
    sorted.sort();
    sorted.dedup();
    for p in &sorted {
        let d = default_deadline(p);
        push(
            "期间",
            format!(
                "{}({}):{} 前报送",
                p.label_zh(),
                p,
                d.format("%Y年%-m月%-d日")
            ),
        );
    }
    push("行数", format!("“{VALUES_SHEET}”表共 {row_count} 行待填"));
    push("", String::new());
    let columns: [(&str, &str); 10] = [
        ("指标编码", "系统识别指标的编码,请勿修改。"),
        (
            "指标名称",
            "仅供阅读,上传时不读取。比率类指标分“分子”“分母”两行,括号内为其口径。",
        ),
        (
            "单位",
            "数值的单位。填写数字时不要带单位;单位为 % 的指标填百分数(35.5 表示 35.5%),也可写“35.5%”。",
        ),
        ("地点编码", "统计用区划代码或系统分配的地点编码,请勿修改。"),
        ("地点名称", "仅供阅读,上传时不读取。"),
        (
            "期间",
            "2024 表示年度,2024H1 上半年,2024Q1 第一季度,2024-03 为 3 月,2024W05 为第 5 周;也可写 2024年3月、2024年第1季度。",
        ),
        (
            "分项",
            "数值、分子或分母。比率类指标(如每千人口托位数)分别填报分子和分母,比率由系统汇总计算。",
        ),
        (
            "数值",
            "填写数字,可带千分位逗号(1,234.5)或小数;计数类指标不能为负数。必填。",
        ),
        ("备注", "可选,说明口径变化等。"),
        (
            "数据来源",
            "可选,数据取自何处(如 浙里健康、统计年鉴、抽样调查、本单位统计),不超过 100 个字;已预填方案规定的默认来源,与实际不同时请改写,留空则按默认来源。",
        ),
    ];
    for (c, what) in columns {
        push(&format!("列:{c}"), what.to_string());
    }
    push("", String::new());
    let rules = [
        "上传:可直接上传本 Excel 文件,也可另存为 CSV(UTF-8 或 GBK 编码均可)后上传。列的顺序可以调整,但不要修改列名;不认识的列名会报错,以免数据被漏读。",
        "整批校验:上传时逐行逐列检查,所有错误一次列出(如“第12行 H列(数值):“abc”不是数字”)。只要有一处错误,整个文件都不会写入,请改正后重新上传全部内容。",
        "空行:完全空白的行会被跳过;已填写指标、地点、期间但数值为空的行视为错误,本期不报送的行请整行删除。",
        "重复:同一指标、地点、期间、分项在一个文件中只能出现一次。",
        "范围:只能填报本人负责的地点和指标,超出范围的行会被拒绝。",
        "提醒:与同类地点相比明显偏大或偏小的数值、超过 100% 的占比会给出提醒,但不影响上传,请核对。",
        "状态:上传后数据为“草稿”,报送后由上级审核;审核通过即锁定,如需修改须退回。",
    ];
    for r in rules {
        push("规则", r.to_string());
    }
    push(
        "报送期限",
        format!(
            "每期数据应在该期结束后 {DEFAULT_DUE_DAYS} 日内报送(见上方各期间的截止日期;工作专班另有通知的以通知为准)。逾期仍可上传,但计入报送及时率。"
        ),
    );
    push("", String::new());
    let mut seen = std::collections::HashSet::new();
    for ind in plan
        .indicators
        .iter()
        .filter(|i| reporter.scope.covers_indicator(&i.code))
        .filter(|i| sorted.iter().any(|p| p.kind() == i.frequency))
    {
        if !seen.insert(ind.code.as_str()) {
            continue;
        }
        let how = match &ind.aggregation {
            Aggregation::RatioOfSums {
                numerator,
                denominator,
                scale,
            } => format!(
                "比率 = 分子({numerator})÷ 分母({denominator})× {}",
                crate::validate::fmt_num(*scale)
            ),
            other => other.label_zh(),
        };
        push(
            &format!("指标 {}", ind.code),
            format!(
                "{}(单位:{};{}填报,期间写作 {};填报层级:{};{};牵头单位:{})",
                ind.name,
                ind.unit,
                ind.frequency.label_zh(),
                period_example(ind.frequency),
                ind.report_level
                    .map(|l| l.label_zh())
                    .unwrap_or("方案所属地区本级"),
                how,
                ind.lead_unit
            ),
        );
    }

    ws.write_string_with_format(0, 0, "填报模板说明", &title)?;
    for (i, (a, b)) in lines.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_string_with_format(r, 0, a, &bold)?;
        ws.write_string_with_format(r, 1, b, &text)?;
    }
    let a_width = lines
        .iter()
        .map(|(a, _)| display_width(a))
        .max()
        .unwrap_or(8);
    ws.set_column_width(0, (a_width + 2).clamp(10, 24) as f64)?;
    ws.set_column_width(1, 90)?;
    Ok(())
}

/// A text cell as a spreadsheet will not run it: a cell that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return and is not a number gets a leading `'` (a place or unit
/// named `=HYPERLINK(…)` would otherwise be a formula when the CSV is opened in Excel or
/// WPS). Numbers such as `-5` stay as they are.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes the same rows as a CSV in UTF-8 with a byte-order mark (so Excel opens it
/// correctly), without the instructions sheet.
pub fn write_template_csv(
    plan: &Plan,
    tree: &PlaceTree,
    reporter: &Reporter,
    periods: &[Period],
) -> Result<Vec<u8>, IngestError> {
    let rows = template_rows(plan, tree, reporter, periods)?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let fail = |e: csv::Error| IngestError::file(TEMPLATE_FILE, format!("生成 CSV 失败:{e}"));
        w.write_record(TEMPLATE_HEADERS).map_err(fail)?;
        for r in &rows {
            w.write_record(r.iter().map(|cell| csv_safe(cell).into_owned()))
                .map_err(fail)?;
        }
        w.flush()
            .map_err(|e| IngestError::file(TEMPLATE_FILE, format!("生成 CSV 失败:{e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::csv_safe;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for bad in [
            "=1+1",
            "+SUM(A1)",
            "-cmd|' /C calc'!A0",
            "@SUM(1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(csv_safe(bad), format!("'{bad}"), "{bad:?}");
        }
        for ok in ["-5", "+3.5", "环南街道", "T01", "", "2025-09"] {
            assert_eq!(csv_safe(ok), ok);
        }
    }
}
