//! Places: the real national divisions, the fixture places file, the repository's Dinghai
//! places file, and errors.

use std::path::PathBuf;

use youxiang_core::place::{Level, PlaceTree};
use youxiang_ingest::{read_divisions, read_places};

use crate::common::{fixture, messages, repo_root};

fn divisions_dir() -> Option<PathBuf> {
    youxiang_testkit::shared("data/divisions/streets.csv")?;
    Some(repo_root().join("../shared/data/divisions"))
}

#[test]
fn zhejiang_from_the_real_divisions() {
    let Some(dir) = divisions_dir() else { return };
    let places = read_divisions(&dir, Some("33")).unwrap_or_else(|e| panic!("{:#?}", messages(&e)));
    let count = |l: Level| places.iter().filter(|p| p.level == l).count();
    assert_eq!(count(Level::Province), 1);
    assert_eq!(count(Level::City), 11);
    assert_eq!(count(Level::County), 90);
    let towns = count(Level::Town);
    assert!((1300..1450).contains(&towns), "{towns} towns");
    let tree = PlaceTree::build(places).expect("a tree");
    let dinghai = tree.id("330902").expect("Dinghai");
    assert_eq!(tree.get(dinghai).name, "定海区");
    assert_eq!(tree.get(dinghai).level, Level::County);
    let kids = tree.children(dinghai);
    assert_eq!(kids.len(), 13);
    assert!(kids.iter().all(|k| tree.get(*k).level == Level::Town));
    assert_eq!(tree.path_names(dinghai), "浙江省 / 舟山市 / 定海区");
    assert_eq!(tree.get(tree.id("330902100").unwrap()).name, "金塘镇");
}

#[test]
fn all_of_china_forms_one_forest() {
    let Some(dir) = divisions_dir() else { return };
    let places = read_divisions(&dir, None).unwrap_or_else(|e| panic!("{:#?}", messages(&e)));
    assert!(places.len() > 40_000);
    let tree = PlaceTree::build(places).expect("a forest");
    assert_eq!(tree.roots().count(), 31);
}

#[test]
fn divisions_errors_name_file_row_and_column() {
    let dir = std::env::temp_dir().join(format!("ingest-div-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("provinces.csv"), "code,name\n33,\"浙江省\"\n").unwrap();
    std::fs::write(
        dir.join("cities.csv"),
        "code,name,provinceCode\n3309,\"舟山市\",33\n3399,,33\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("areas.csv"),
        "code,name,cityCode,provinceCode\n330902,\"定海区\",3309,33\n330999,\"某区\",3398,33\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("streets.csv"),
        "code,name,areaCode,provinceCode,cityCode\n330902002,\"昌国街道\",330902,33,3309\n33090200x,\"坏\",330902,33,3309\n",
    )
    .unwrap();
    let e = read_divisions(&dir, Some("33")).unwrap_err();
    assert_eq!(
        messages(&e),
        vec![
            "cities.csv 第3行 B列(name):缺少名称",
            "areas.csv 第3行 C列(cityCode):“3398”上级地点不存在(上一级文件中没有这个编码)",
            "streets.csv 第3行 A列(code):“33090200x”不是数字编码",
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fixture_places_with_population_and_coordinates() {
    let places = read_places(&fixture("places.csv"), "places.csv").unwrap();
    assert_eq!(places.len(), 8);
    let d = &places[0];
    assert_eq!(
        (d.code.as_str(), d.level, d.parent.as_deref()),
        ("330902", Level::County, None)
    );
    assert_eq!(d.population.get(&2024), Some(&496845.0));
    assert_eq!(d.lon, Some(122.10278));
    let v = &places[6];
    assert_eq!(v.level, Level::Village);
    assert_eq!(v.parent.as_deref(), Some("330902003"));
    assert_eq!(v.population.get(&2024), None, "blank = unknown");
    assert_eq!(v.lon, None);
}

#[test]
fn the_repository_dinghai_places_file_reads_and_joins_the_divisions() {
    let path = repo_root().join("data/dinghai-places.csv");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let places =
        read_places(&bytes, "dinghai-places.csv").unwrap_or_else(|e| panic!("{:#?}", messages(&e)));
    assert!(places.len() > 200);
    let tree = PlaceTree::build(places).expect("a tree");
    let d = tree.id("330902").unwrap();
    assert_eq!(tree.children(d).len(), 13);
}

#[test]
fn places_errors_are_exact_and_complete() {
    let csv = "code,name,level,parent,lon,lat,population_2023,人口2023\n";
    let e = read_places(csv.as_bytes(), "p.csv").unwrap_err();
    assert_eq!(
        messages(&e),
        vec!["p.csv 第1行 H列(人口2023):“人口2023”列名重复:与G列(population_2023)是同一列"]
    );
    let xlsx = crate::common::xlsx(
        "地点",
        &[
            vec![
                "编码",
                "名称",
                "层级",
                "上级编码",
                "经度",
                "纬度",
                "人口2023",
            ],
            vec!["a", "甲", "乡镇", "", "200", "30", "-5"],
            vec!["b", "", "村", "b", "122", "", "1,000"],
            vec!["a", "乙", "村", "a", "x", "y", "10人"],
        ],
    );
    let e = read_places(&xlsx, "p.xlsx").unwrap_err();
    assert_eq!(
        messages(&e),
        vec![
            "p.xlsx 第2行 C列(层级):“乡镇”不是可识别的层级,应为 省、市、县、区、镇、街道、村、社区、其他(或 province、city、county、town、village、other)",
            "p.xlsx 第2行 E列(经度):“200”超出范围,应在 -180 到 180 度之间",
            "p.xlsx 第2行 G列(人口2023):“-5”是负数,人口不能为负",
            "p.xlsx 第3行 B列(名称):缺少名称",
            "p.xlsx 第3行 D列(上级编码):“b”上级编码不能是自己的编码",
            "p.xlsx 第3行 F列(纬度):经度和纬度须同时填写或同时留空",
            "p.xlsx 第4行 A列(编码):“a”编码重复:与第2行相同(第2行和第4行)",
            "p.xlsx 第4行 D列(上级编码):“a”上级编码不能是自己的编码",
            "p.xlsx 第4行 E列(经度):“x”不是数字",
            "p.xlsx 第4行 F列(纬度):“y”不是数字",
            "p.xlsx 第4行 G列(人口2023):“10人”不是数字",
        ]
    );
}
