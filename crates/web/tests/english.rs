//! English mode (issue 24, point 3): the application's own text in English — the whole "why
//! this light" explanation included — the plan's own terms kept Chinese and marked
//! `lang="zh-CN"`, and the indicator page's chart data with the forecast beside its year.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_indicator_page_explains_its_light_in_english_and_marks_the_plans_chinese() {
    let s = start().await;
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "office").await;

    // Chinese first: the explanation in Chinese, the forecast column, nothing marked.
    let (st, zh) = b.get("/indicator/T10").await;
    assert_eq!(st, StatusCode::OK);
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("目标依据"), "the Chinese explanation");
    assert!(
        zh.contains("预测值"),
        "the targets table has the forecast column"
    );
    assert!(
        !zh.contains("<span lang=\"zh-CN\">"),
        "a Chinese page marks nothing"
    );

    let (st, _) = b.get("/lang?to=en&back=/indicator/T10").await;
    assert!(st.is_redirection(), "{st}");
    let (st, en) = b.get("/indicator/T10").await;
    assert_eq!(st, StatusCode::OK);
    assert!(en.contains("<html lang=\"en\">"));
    for line in ["Roll-up: ", "Target: ", "Year ", "Forecast"] {
        assert!(en.contains(line), "the English explanation says {line:?}");
    }
    for chinese in [
        "目标依据",
        "本级填报",
        "由下级汇总",
        "序时进度",
        "预测",
        "按年均",
    ] {
        assert!(!en.contains(chinese), "no {chinese:?} on the English page");
    }
    // The plan's own name stays Chinese, marked as Chinese for a screen reader.
    assert!(
        en.contains("T10 <span lang=\"zh-CN\">重大慢病过早死亡率</span>"),
        "the indicator's name is marked"
    );
}
