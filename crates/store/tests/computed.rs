//! `write_computed` on both backends: figures the system computes are written approved in
//! one transaction (one `value.compute` audit row each), replace an earlier computed
//! figure even when approved, never a figure of another source, skip unchanged ones, and
//! the audit chain and its replay still verify.

use youxiang_core::CheckedWrite;
use youxiang_core::value::{Transition, ValueState};
use youxiang_store::{AuditFilter, ValueWrite};

use super::{both, key, known_plan_and_tree};

const COMPUTED: &str = "系统计算";

fn computed(writes: &[(&str, &str, f64, &str)]) -> Vec<CheckedWrite> {
    static KNOWN: std::sync::OnceLock<(youxiang_core::Plan, youxiang_core::place::PlaceTree)> =
        std::sync::OnceLock::new();
    let (plan, tree) = KNOWN.get_or_init(|| known_plan_and_tree(&[]));
    writes
        .iter()
        .map(|(i, p, v, source)| {
            let w = ValueWrite {
                key: key(i, p, "2024"),
                value: *v,
                comment: "15分钟公共服务圈计算".into(),
                source: (*source).into(),
            };
            CheckedWrite::check_with_source(plan, tree, w.key, w.value, w.comment, w.source)
                .expect("a sound test write")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn computed_figures_are_written_approved_in_one_transaction() {
    both(
        "computed_figures_are_written_approved_in_one_transaction",
        |cx| async move {
            let db = &cx.db;
            // A person's figure at b (another source), submitted.
            db.write_values(&computed(&[("T01", "b", 7.0, "区统计局")]), "li", None)
                .await
                .expect("reported");
            let b = key("T01", "b", "2024");
            db.transition(std::slice::from_ref(&b), &Transition::Submit, "li")
                .await
                .expect("submit");
            let rows = cx.audit_rows().await;

            let first = db
                .write_computed(
                    &computed(&[("T01", "a", 50.0, COMPUTED), ("T01", "b", 60.0, COMPUTED)]),
                    "system",
                )
                .await
                .expect("computed");
            assert_eq!(first.changes.len(), 1);
            assert_eq!(first.kept, vec![b.clone()], "the person's figure stands");
            assert_eq!(cx.audit_rows().await, rows + 1, "one row per change");
            let a = key("T01", "a", "2024");
            let stored = db.values_at(std::slice::from_ref(&a)).await.expect("read");
            assert_eq!(stored.len(), 1);
            assert_eq!(stored[0].state, ValueState::Approved);
            assert_eq!(stored[0].source, COMPUTED);
            assert_eq!(stored[0].reporter, "system");
            let kept = db.values_at(std::slice::from_ref(&b)).await.expect("read");
            assert_eq!(kept[0].value, 7.0);
            assert_eq!(kept[0].state, ValueState::Submitted);

            // The same again: nothing written, no audit row.
            let same = db
                .write_computed(&computed(&[("T01", "a", 50.0, COMPUTED)]), "system")
                .await
                .expect("same");
            assert!(same.changes.is_empty());
            assert_eq!(same.unchanged, 1);
            assert_eq!(cx.audit_rows().await, rows + 1);

            // A new figure replaces the approved one, approved again.
            let second = db
                .write_computed(&computed(&[("T01", "a", 55.5, COMPUTED)]), "system")
                .await
                .expect("replaced");
            assert_eq!(second.changes.len(), 1);
            let change = &second.changes[0];
            assert_eq!(change.old.as_ref().map(|o| o.value), Some(50.0));
            assert_eq!(
                change.old.as_ref().map(|o| o.state),
                Some(ValueState::Approved)
            );
            let now = db.values_at(std::slice::from_ref(&a)).await.expect("read");
            assert_eq!(now[0].value, 55.5);
            assert_eq!(now[0].state, ValueState::Approved);

            // Audited under its own action, and the chain with its replay verifies.
            let trail = db
                .audit_query(&AuditFilter {
                    action: Some("value.compute".into()),
                    ..Default::default()
                })
                .await
                .expect("audit");
            assert_eq!(trail.len(), 2);
            let report = db.audit_verify().await.expect("verify");
            assert!(report.ok, "{:?}", report.problems);
        },
    )
    .await;
}
