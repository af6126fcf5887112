//! Validation against the real Dinghai plan, a small place tree and reporters' scopes.

use youxiang_core::scope::Role;
use youxiang_core::value::{Component, ValueKey};
use youxiang_ingest::{read_values, validate};

use crate::common::{fixture, messages, plan, reporter, town_reporter, tree};

const HEAD: &str = "指标编码,地点编码,期间,分项,数值,备注\n";

fn check(body: &str, who: &youxiang_core::scope::Reporter) -> youxiang_ingest::Validated {
    let rows = read_values(format!("{HEAD}{body}").as_bytes(), "values.csv").expect("reads");
    validate(&rows, &plan(), &tree(), who, |_| Vec::new())
}

#[test]
fn a_good_file_passes_whole() {
    let rows = read_values(&fixture("values-ok.csv"), "values-ok.csv").unwrap();
    let v = validate(&rows, &plan(), &tree(), &town_reporter(), |_| Vec::new());
    assert!(v.is_ok(), "{:#?}", messages(&v.errors));
    assert!(v.warnings.is_empty(), "{:#?}", messages(&v.warnings));
    assert_eq!(v.rows.len(), 4);
    let (key, value, comment, row) = &v.rows[1];
    assert_eq!(key.to_string(), "T01@330902002001@2024-03#denominator");
    assert_eq!((*value, comment.as_str(), *row), (2910.0, "按2023年末", 3));
}

#[test]
fn every_kind_of_error_is_named_with_its_cell() {
    let body = "\
T99,330902002001,2024-03,分子,1,
T01,999,2024-03,分子,1,
T01,330902002001,2024-13,分子,1,
T01,330902002001,2024,分子,1,
T01,330902002001,2031-01,分子,1,
T01,330902002001,2024-03,,1,
T08,330902002,2024-03,分子,1,
T08,330902002,2024-04,,-3,
T08,330902002,2024-05,,5%,
T01,330902003001,2024-03,分子,1,
T08,330902002,2024-06,,1,
T08,330902002,2024-06,数值,2,
";
    let v = check(body, &town_reporter());
    let all = messages(&v.errors);
    let expect = [
        "values.csv 第2行 A列(指标编码):“T99”不是本方案(",
        "values.csv 第3行 B列(地点编码):“999”不是已登记的地点编码",
        "values.csv 第4行 C列(期间):“2024-13”不是有效的期间:期间“2024-13”:月份须为两位数字 01–12",
        "values.csv 第5行 C列(期间):“2024”是年度期间,但指标 T01 按月度填报,期间应写作 2024-03 这样的格式",
        "values.csv 第6行 C列(期间):“2031-01”不在方案年份 2022–2027 之内",
        "values.csv 第7行 D列(分项):分项不对:指标 T01 按比率汇总,须分两行填报 分子(3岁以下婴幼儿托位数)和 分母(常住人口),不能填空分项(即数值)",
        "values.csv 第8行 D列(分项):“分子”分项不对:指标 T08 只填报 数值,不分 分子/分母",
        "values.csv 第9行 E列(数值):“-3”为负数,但指标 T08 的数值是计数或数量,不能为负",
        "values.csv 第10行 E列(数值):“5%”带百分号,但指标 T08 的单位是“万人次”,请去掉百分号",
        "values.csv 第11行 B列(地点编码):“330902003001”超出张三(昌国街道,镇(街道)填报员)的填报范围:地点 定海区 / 环南街道 / 环南第1社区 不在其负责的 330902002 昌国街道 之内",
        "values.csv 第13行:与第12行重复:同一指标 T08、地点 330902002、期间 2024-06 在文件中出现两次(第12行和第13行),请只保留一行",
    ];
    for e in expect {
        assert!(
            all.iter().any(|m| m.starts_with(e)),
            "missing {e}\nin {all:#?}"
        );
    }
    assert_eq!(all.len(), expect.len(), "{all:#?}");
    // All-or-nothing: the caller stores nothing when there are errors.
    assert!(!v.is_ok());
}

#[test]
fn scope_by_indicator_and_role() {
    let only_t08 = reporter(Role::TownReporter, &["330902002"], &["T08"]);
    let v = check("T01,330902002001,2024-03,分子,1,\n", &only_t08);
    assert_eq!(
        messages(&v.errors),
        vec![
            "values.csv 第2行 A列(指标编码):“T01”超出张三(昌国街道,镇(街道)填报员)的填报范围:该填报员负责的指标为 T08"
        ]
    );
    let viewer = reporter(Role::Viewer, &["330902"], &[]);
    let v = check("T08,330902002,2024-03,,1,\n", &viewer);
    assert_eq!(
        messages(&v.errors),
        vec!["values.csv 第2行:张三(昌国街道,查看者)无填报权限"]
    );
}

#[test]
fn percentages_and_levels_warn_without_refusing() {
    let v = check(
        "T06,330902,2024Q1,,100%,\nT06,330902,2024Q2,,0.95,\nT08,330902002001,2024-03,,1,\n",
        &reporter(Role::Office, &["330902"], &[]),
    );
    assert!(v.is_ok(), "{:#?}", messages(&v.errors));
    let all = messages(&v.warnings);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(all[0].contains("35% 应填 35 而不是 0.35"), "{all:#?}");
    assert!(
        all[1].contains("是村(社区)一级,但指标 T08 规定由镇(街道)填报"),
        "{all:#?}"
    );
    assert_eq!(v.rows[0].1, 100.0);
}

/// Issue 24 point 4: values outside an indicator's natural range are refused with the
/// reason, by the same check the write path makes (`core::write`).
#[test]
fn values_outside_the_natural_range_are_refused() {
    let v = check(
        "\
T06,330902,2024Q1,,101.5%,
T10,330902002,2024,,-1,
T01,330902002001,2024-03,分子,3,
T01,330902002001,2024-03,分母,0,
T02,330902002001,2024-03,分子,60,
T02,330902002001,2024-03,分母,50,
T02,330902002001,2024-04,分子,0,
T02,330902002001,2024-04,分母,0,
",
        &reporter(Role::Office, &["330902"], &[]),
    );
    let all = messages(&v.errors);
    let expect = [
        "values.csv 第2行 E列(数值):“101.5%”超过指标 T06 的自然上限 100%",
        "values.csv 第3行 E列(数值):“-1”为负数,但指标 T10 的数值是比率或占比,不能为负",
        "values.csv 第4行 E列(数值):“3”指标 T01 的分母为 0 而分子为 3:分母为 0 时分子也只能为 0(分母见第5行)",
        "values.csv 第6行 E列(数值):“60”指标 T02 的分子 60 与分母 50 之比为 120%,超过自然上限 100%(分母见第7行)",
    ];
    for e in expect {
        assert!(
            all.iter().any(|m| m.starts_with(e)),
            "missing {e}\nin {all:#?}"
        );
    }
    assert_eq!(all.len(), expect.len(), "{all:#?}");
    assert!(!v.is_ok());
}

#[test]
fn robust_outliers_are_warnings_naming_row_value_median_and_z() {
    let peers = |k: &ValueKey| {
        if k.indicator == "T08" {
            vec![10.0, 11.0, 9.5, 10.2, 10.8, 9.9]
        } else {
            Vec::new()
        }
    };
    let rows = read_values(
        format!("{HEAD}T08,330902002,2024-03,,100,\nT08,330902002,2024-04,,10.4,\n").as_bytes(),
        "values.csv",
    )
    .unwrap();
    let v = validate(&rows, &plan(), &tree(), &town_reporter(), peers);
    assert!(v.is_ok());
    assert_eq!(v.warnings.len(), 1, "{:#?}", messages(&v.warnings));
    let w = v.warnings[0].to_string();
    assert!(w.contains("第2行 数值 100"), "{w}");
    assert!(w.contains("中位数 10.1"), "{w}");
    assert!(w.contains("稳健 z 值"), "{w}");
    assert_eq!(v.rows.len(), 2);
    assert_eq!(v.rows[0].0.component, Component::Value);
}
