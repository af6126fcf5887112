//! The key-task targets (`K…`) on the demo: every row of `status --all` has a light, a
//! milestone's dated plan or 待首次报送; the derived targets are marked 推算; the
//! department ranking judges them.

use youxiang_app::manage::RankBy;
use youxiang_app::{AWAITING_FIRST, Reader, StatusFilter, mark_milestone_tracks, status_rows};
use youxiang_core::eval::Light;

use super::{demo, month};

#[tokio::test(flavor = "multi_thread")]
async fn every_task_target_is_tracked_on_the_demo() {
    let (app, _dir) = demo("tasktargets").await;
    youxiang_demo::load_demo_management(&app)
        .await
        .expect("management");
    let tracks = app.milestone_tracks().await.expect("tracks");
    {
        let state = app.read();
        let filter = StatusFilter {
            year: Some(2025),
            all: true,
            ..Default::default()
        };
        let mut rows = status_rows(&state, Reader::Official, &filter).expect("rows");
        mark_milestone_tracks(&state.plan, &mut rows, &tracks);
        let task_rows: Vec<_> = rows
            .iter()
            .filter(|r| r.indicator.starts_with('K'))
            .collect();
        assert_eq!(task_rows.len(), 62);
        let unexplained: Vec<_> = task_rows
            .iter()
            .filter(|r| {
                r.light == Light::Grey
                    && r.year_label != AWAITING_FIRST
                    && !r.year_label.starts_with("里程碑")
            })
            .map(|r| format!("{} {} {}", r.indicator, r.target, r.year_label))
            .collect();
        assert!(unexplained.len() <= 3, "{unexplained:#?}");
        // Derived targets are marked; the lights are mixed, as the table's are.
        assert!(
            task_rows
                .iter()
                .filter(|r| r.target.ends_with("(推算)"))
                .count()
                >= 20,
            "{:#?}",
            task_rows.iter().map(|r| &r.target).collect::<Vec<_>>()
        );
        for light in [Light::Green, Light::Red] {
            assert!(task_rows.iter().any(|r| r.light == light), "{light:?}");
        }
        // Milestone targets are judged against the dated plans: on track and late both occur.
        assert!(
            task_rows
                .iter()
                .any(|r| r.year_label == "里程碑:按计划推进")
        );
        assert!(
            task_rows
                .iter()
                .any(|r| r.year_label == "里程碑:计划节点滞后")
        );
    }

    // The department ranking judges a department on its task targets too: 区卫健局 leads
    // K1.1a … and they are scored.
    let inputs = app
        .rank_inputs(RankBy::Department, month("2025-09"))
        .await
        .expect("inputs");
    let health = inputs
        .iter()
        .find(|u| u.unit == "区卫健局")
        .expect("区卫健局 ranked");
    assert!(
        health
            .indicators
            .iter()
            .any(|i| i.indicator.starts_with('K') && i.judged.is_some()),
        "{:#?}",
        health.indicators
    );

    // Its ranking input moves with its task targets: the office sets one of 区卫健局's
    // judged task targets for 2025 out of reach (方案调整, in force for 2025), and the
    // department's input for it changes.
    let judged = health
        .indicators
        .iter()
        .find(|i| i.indicator.starts_with('K') && i.judged.is_some())
        .expect("a judged task target")
        .clone();
    let input_of = |inputs: &[youxiang_core::manage::UnitInput]| {
        let unit = inputs
            .iter()
            .find(|u| u.unit == "区卫健局")
            .expect("ranked");
        format!(
            "{:?}",
            unit.indicators
                .iter()
                .find(|i| i.indicator == judged.indicator)
        )
    };
    let before = input_of(&inputs);
    let revision = youxiang_app::revisions::TargetRevisionInput {
        indicator: judged.indicator.clone(),
        year: 2025,
        text: if judged.lower_is_better {
            "≤0.000001"
        } else {
            "≥999999"
        }
        .into(),
        reason: "测试:调整目标".into(),
        document: "测试文号".into(),
        date: Some("2025-06-30".parse().expect("date")),
    };
    assert!(
        app.revise_target("wjj", &revision).await.is_err(),
        "a department may not"
    );
    app.revise_target("office", &revision)
        .await
        .expect("revise");
    let after = app
        .rank_inputs(RankBy::Department, month("2025-09"))
        .await
        .expect("inputs");
    assert_ne!(
        input_of(&after),
        before,
        "judged against the revised target"
    );
}
