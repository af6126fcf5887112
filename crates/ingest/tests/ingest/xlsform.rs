//! Questionnaires (XLSForm), sampling frames and answers files.

use youxiang_core::survey::form::Form;
use youxiang_ingest::xlsform::{read_answers, read_form, read_frame, sample_form, write_form};

use crate::common::plan;

/// A workbook of the given sheets, each a list of rows of text cells.
fn book(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn sample() -> Form {
    sample_form().expect("the sample reads")
}

#[test]
fn the_sample_is_clean_and_round_trips() {
    let form = sample();
    let domains = plan().domains;
    assert_eq!(form.check(&domains), vec![]);
    let items = form.domain_items();
    for d in &domains {
        assert_eq!(items.get(&d.code).map(Vec::len), Some(3), "{}", d.code);
    }
    let bytes = write_form(&form).unwrap();
    let back = read_form(&bytes, "sample.xlsx", &domains).expect("reads back");
    assert_eq!(back, form);
    // and once more: import(export(import(export(f)))) == f
    let again = read_form(&write_form(&back).unwrap(), "again.xlsx", &domains).unwrap();
    assert_eq!(again, form);
}

#[test]
fn domains_by_name_and_chinese_language_columns() {
    let bytes = book(&[
        (
            "survey",
            &[
                &["type", "name", "label::Chinese (zh)", "domain", "$kuid"],
                &["select_one s", "a", "托育满意吗", "幼有善育", "x1"],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label::Chinese (zh)"],
                &["s", "1", "很不满意"],
                &["s", "2", "不太满意"],
                &["s", "3", "一般"],
                &["s", "4", "比较满意"],
                &["s", "5", "很满意"],
            ],
        ),
        ("settings", &[&["form_id"], &["f1"]]),
    ]);
    let form = read_form(&bytes, "f.xlsx", &plan().domains).expect("clean");
    assert_eq!(form.survey[0].domain, "YY");
    assert_eq!(form.survey[0].label["Chinese (zh)"], "托育满意吗");
}

#[test]
fn every_problem_of_a_form_is_listed_with_sheet_row_and_column() {
    let bytes = book(&[
        (
            "survey",
            &[
                &[
                    "type",
                    "name",
                    "label::中文",
                    "relevant",
                    "domain",
                    "calculation",
                ],
                &["geopoint", "where", "位置", "", "", ""],
                &["select_one nolist", "q1", "题一", "", "", ""],
                &["integer", "q1", "题二", "", "", ""],
                &["text", "q3", "题三", "${nope} = 1", "", ""],
                &["begin_group", "g", "", "", "", ""],
                &["select_one s", "q4", "题四", "", "ZZ", ""],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label::中文"],
                &["s", "1", "一"],
                &["s", "1", "一"],
            ],
        ),
        ("settings", &[&["form_id"], &["bad id"]]),
    ]);
    let errors = read_form(&bytes, "form.xlsx", &plan().domains).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let has = |want: &str| {
        assert!(
            text.iter().any(|t| t.contains(want)),
            "missing “{want}” in:\n{}",
            text.join("\n")
        )
    };
    has("form.xlsx 工作表“survey” 第1行 F列(calculation):“calculation”不支持的列");
    has("form.xlsx 工作表“survey” 第2行 A列(type):“geopoint”不支持的题型");
    has(
        "form.xlsx 工作表“survey” 第3行 A列(type):“select_one nolist”choices 表中没有选项列表“nolist”",
    );
    has("form.xlsx 工作表“survey” 第4行 B列(name):“q1”题目名重复");
    has("form.xlsx 工作表“survey” 第5行 D列(relevant):“${nope} = 1”引用了不存在的题目“nope”");
    has("form.xlsx 工作表“survey” 第6行 A列(type):“begin_group”begin_group 没有对应的 end_group");
    has("form.xlsx 工作表“survey” 第7行 E列(domain):“ZZ”方案中没有这个领域");
    has("form.xlsx 工作表“survey” 第7行 E列(domain):“ZZ”领域满意度题应为五级评分单选题");
    has("form.xlsx 工作表“choices” 第3行 B列(name):“1”列表“s”中选项名重复");
    has("form.xlsx 工作表“settings” 第2行 A列(form_id):“bad id”表单编号只能用");
}

#[test]
fn a_form_must_be_a_workbook_with_its_sheets() {
    let errors = read_form(b"type,name\ntext,a\n", "f.csv", &plan().domains).unwrap_err();
    assert!(errors[0].to_string().contains(".xlsx"));
    let bytes = book(&[("other", &[&["x"]])]);
    let errors = read_form(&bytes, "f.xlsx", &plan().domains).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|t| t.contains("缺少工作表“survey”")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.contains("缺少工作表“settings”")),
        "{text:?}"
    );
}

fn known(code: &str) -> Option<String> {
    ["330902002", "330902003"]
        .contains(&code)
        .then_some(())
        .map_or_else(|| Some("不是抽样框中的地点".to_string()), |_| None)
}

#[test]
fn answers_with_group_prefixes_and_export_columns_are_read() {
    let csv = "start,_uuid,stratum,about/age,about/has_young_child,g_yy/yy1,g_ly/ly1,g_ly/ly2,demand/needs,demand/needs/tuoyu,demand/needs/yanglao,demand/suggestion\n\
               2025-10-01,u1,330902002,35,yes,4,5,9,tuoyu yanglao,1,1,多建托育点\n\
               2025-10-01,u2,330902003,70,no,,3,2,,0,0,\n";
    let rows = read_answers(csv.as_bytes(), "a.csv", &sample(), &known).expect("good");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].uuid.as_deref(), Some("u1"));
    assert_eq!(rows[0].answer.stratum, "330902002");
    assert_eq!(rows[0].answer.values["needs"], "tuoyu yanglao");
    assert_eq!(rows[0].answer.values["yy1"], "4");
    assert!(!rows[1].answer.values.contains_key("yy1"));
}

#[test]
fn every_problem_of_an_answers_file_is_listed() {
    let csv = "_uuid,stratum,about/age,about/has_young_child,g_yy/yy1,g_ly/ly1,demand/needs,color\n\
               u1,330902002,15,yes,4,5,tuoyu,\n\
               u1,999,40,no,3,6,tuoyu jiuye yanglao kanbing,\n\
               u3,,,yes,,,zz,\n";
    let errors = read_answers(csv.as_bytes(), "a.csv", &sample(), &known).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let has = |want: &str| {
        assert!(
            text.iter().any(|t| t.contains(want)),
            "missing “{want}” in:\n{}",
            text.join("\n")
        )
    };
    has("a.csv 第1行 H列(color):“color”问卷中没有这道题");
    has("a.csv 第2行 C列(about/age):“15”年龄应在18至120岁之间");
    has("a.csv 第3行 B列(stratum):“999”不是抽样框中的地点");
    has("a.csv 第3行:同一份答卷“u1”出现两次");
    has("a.csv 第3行 E列(g_yy/yy1):“3”按跳转条件");
    has("a.csv 第3行 F列(g_ly/ly1):“6”不是列表“sat5”中的选项");
    has("a.csv 第3行 G列(demand/needs):“tuoyu jiuye yanglao kanbing”最多选三项");
    has("a.csv 第4行 B列(stratum):缺少地点编码");
    has("a.csv 第4行 C列(about/age):必答题未作答");
    has("a.csv 第4行 G列(demand/needs):“zz”“zz”不是列表“needs”中的选项");
    let errors = read_answers(b"age\n30\n", "b.csv", &sample(), &known).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("缺少 stratum 列"))
    );
}

#[test]
fn a_frame_is_read_and_checked() {
    let frame = read_frame(
        b"stratum,population\n330902002,51000\n330902003,42000\n",
        "frame.csv",
        &known,
    )
    .unwrap();
    assert_eq!(
        frame,
        vec![("330902002".into(), 51000), ("330902003".into(), 42000)]
    );
    let errors = read_frame(
        b"stratum,population\n330902002,0\n330902002,5\n1,x\n",
        "frame.csv",
        &known,
    )
    .unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("第2行 B列(population):“0”人口应为正整数")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("第3行 A列(stratum):“330902002”地点重复")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("第4行 A列(stratum):“1”不是抽样框中的地点")),
        "{text:?}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// The sample's workbook with bytes flipped, and answers files of arbitrary text: an
    /// answer or errors naming the file, never a panic.
    #[test]
    fn damaged_files_never_panic(
        at in 0usize..100_000,
        byte in proptest::prelude::any::<u8>(),
        text in "[a-z0-9_/,\\n ]{0,200}",
    ) {
        let mut bytes = write_form(&sample()).unwrap();
        let i = at % bytes.len();
        bytes[i] ^= byte | 1;
        if let Err(errors) = read_form(&bytes, "f.xlsx", &plan().domains) {
            for e in errors {
                proptest::prop_assert!(e.to_string().starts_with("f.xlsx"), "{e}");
            }
        }
        let csv = format!("stratum,about/age,g_ly/ly1\n{text}");
        if let Err(errors) = read_answers(csv.as_bytes(), "a.csv", &sample(), &known) {
            for e in errors {
                proptest::prop_assert!(e.to_string().starts_with("a.csv"), "{e}");
            }
        }
    }
}
