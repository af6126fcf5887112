//! The survey answers' pool on both backends (issue 17): an answer is held back with its
//! invitation's use in one transaction, released only in whole groups under new random
//! ids with the release's time, audited by a salted commitment and one row per batch; the
//! replay of `audit verify` checks the pool and the batches, and finds them changed.

use serde_json::json;
use youxiang_store::pool::{
    BATCH_ACTION, PENDING_ACTION, PENDING_KIND, PendingAnswer, RELEASED_KIND, Release,
};
use youxiang_store::{AuditFilter, RecordFilter, RecordWrite, StoreError};

use super::{Ctx, both};

const ROUND: &str = "2025秋";

fn answer(stratum: &str, age: u32) -> PendingAnswer {
    PendingAnswer {
        round: ROUND.into(),
        stratum: stratum.into(),
        mode: "token".into(),
        body: json!({"round": ROUND, "mode": "token", "stratum": stratum,
            "values": {"age": age.to_string(), "xy1": "4"}}),
    }
}

/// Issues a token record and returns the write that marks it used.
async fn token(cx: &Ctx, n: u32) -> RecordWrite {
    let id = format!("{:064x}", n);
    let body = json!({"round": ROUND, "stratum": "a"});
    let w = RecordWrite::of("survey_token", &id, &body, None, "survey_token.issue")
        .expect("write")
        .state("unused");
    cx.db.put_records(&[w], "office").await.expect("issue");
    RecordWrite::of("survey_token", &id, &body, Some(1), "survey_token.use")
        .expect("write")
        .state("used")
}

async fn submit(cx: &Ctx, n: u32, a: PendingAnswer) -> usize {
    let w = token(cx, n).await;
    let batches = cx
        .db
        .put_pooled(&[w], Some(&a), ROUND, Release::WhenFull(5), "公众答卷")
        .await
        .expect("pooled");
    batches.iter().map(|b| b.count).sum()
}

async fn kind(cx: &Ctx, kind: &str) -> Vec<youxiang_store::Record> {
    cx.db
        .list_records(&RecordFilter::kind(kind))
        .await
        .expect("list")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_released_only_in_whole_batches_and_verify() {
    both(
        "answers_are_released_only_in_whole_batches_and_verify",
        |cx| async move {
            for n in 1..=4 {
                assert_eq!(submit(&cx, n, answer("a", 30 + n)).await, 0);
            }
            // Another stratum's answers wait in their own group.
            assert_eq!(submit(&cx, 20, answer("b", 70)).await, 0);
            assert!(
                kind(&cx, RELEASED_KIND).await.is_empty(),
                "nothing released"
            );
            let pending = kind(&cx, PENDING_KIND).await;
            assert_eq!(pending.len(), 5);
            assert!(
                pending
                    .iter()
                    .all(|r| r.created_at.time() == chrono::NaiveTime::MIN),
                "the pool keeps the day only"
            );
            let rows = cx
                .db
                .audit_query(&AuditFilter {
                    limit: Some(10_000),
                    ..Default::default()
                })
                .await
                .expect("audit");
            for r in rows.iter().filter(|r| r.action == PENDING_ACTION) {
                let new = r.new.as_deref().unwrap_or_default();
                assert!(!new.contains("age") && !new.contains("values"), "{new}");
                assert!(new.contains("commitment"), "{new}");
            }
            let report = cx.db.audit_verify().await.expect("verify");
            assert!(report.ok, "{:?}", report.problems);

            // The fifth of stratum a releases a's five, not b's one.
            assert_eq!(submit(&cx, 5, answer("a", 35)).await, 5);
            let released = kind(&cx, RELEASED_KIND).await;
            assert_eq!(released.len(), 5);
            assert_eq!(kind(&cx, PENDING_KIND).await.len(), 1);
            let first = &released[0];
            for r in &released {
                assert_eq!(
                    (r.created_at, r.updated_at, r.created_by.as_str(), r.version),
                    (first.created_at, first.created_at, "公众答卷", 1),
                    "one time and author for the whole batch"
                );
                assert!(r.id.starts_with(&format!("{ROUND}/")) && r.id.len() == ROUND.len() + 17);
                assert!(r.body.get("nonce").is_none() && r.body.get("by").is_none());
            }
            let batch = cx
                .db
                .audit_query(&AuditFilter {
                    action: Some(BATCH_ACTION.into()),
                    ..Default::default()
                })
                .await
                .expect("audit");
            assert_eq!(batch.len(), 1);
            let b: serde_json::Value =
                serde_json::from_str(batch[0].new.as_deref().unwrap_or("{}")).expect("json");
            assert_eq!(b["count"], 5);
            assert_eq!(b["stratum"], "a");
            assert!(!batch[0].new.as_deref().unwrap_or_default().contains("age"));
            let report = cx.db.audit_verify().await.expect("verify");
            assert!(report.ok, "{:?}", report.problems);

            // A used token cannot be used again: the pool write fails whole.
            let again = RecordWrite::of(
                "survey_token",
                &format!("{:064x}", 1),
                &json!({}),
                Some(1),
                "survey_token.use",
            )
            .expect("write");
            let r = cx
                .db
                .put_pooled(
                    &[again],
                    Some(&answer("a", 99)),
                    ROUND,
                    Release::WhenFull(5),
                    "公众答卷",
                )
                .await;
            assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
            assert_eq!(kind(&cx, PENDING_KIND).await.len(), 1, "nothing kept");

            // The close releases what waits, whatever its group holds.
            let close = cx
                .db
                .put_pooled(&[], None, ROUND, Release::All, "office")
                .await
                .expect("close");
            assert_eq!(close.len(), 1);
            assert_eq!((close[0].stratum.as_str(), close[0].count), ("b", 1));
            assert!(kind(&cx, PENDING_KIND).await.is_empty());
            assert_eq!(kind(&cx, RELEASED_KIND).await.len(), 6);
            let report = cx.db.audit_verify().await.expect("verify");
            assert!(report.ok, "{:?}", report.problems);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_finds_the_pool_and_the_batches_changed() {
    both(
        "the_replay_finds_the_pool_and_the_batches_changed",
        |cx| async move {
            for n in 1..=6 {
                submit(&cx, n, answer("a", 40 + n)).await;
            }
            assert!(cx.db.audit_verify().await.expect("verify").ok);
            let problems = || async { cx.db.audit_verify().await.expect("verify").problems };

            // A released answer changed around the application.
            cx.exec(
                "UPDATE records SET body = replace(body, '\"4\"', '\"1\"') \
                 WHERE kind = 'survey_response'",
            )
            .await
            .expect("tamper");
            let p = problems().await;
            assert!(
                p.iter()
                    .any(|p| p.contains("survey_batch:") && p.contains("不符")),
                "{p:?}"
            );
            cx.exec(
                "UPDATE records SET body = replace(body, '\"1\"', '\"4\"') \
                 WHERE kind = 'survey_response'",
            )
            .await
            .expect("undo");
            assert!(cx.db.audit_verify().await.expect("verify").ok);

            // The waiting answer changed, then removed.
            cx.exec(
                "UPDATE records SET body = replace(body, '\"4\"', '\"1\"') \
                 WHERE kind = 'survey_pending'",
            )
            .await
            .expect("tamper");
            let p = problems().await;
            assert!(
                p.iter()
                    .any(|p| p.contains("待汇总答卷") && p.contains("不符")),
                "{p:?}"
            );
            cx.exec("DELETE FROM records WHERE kind = 'survey_pending'")
                .await
                .expect("delete");
            let p = problems().await;
            assert!(
                p.iter()
                    .any(|p| p.contains("待汇总答卷") && p.contains("不存在")),
                "{p:?}"
            );

            // A released answer deleted, and one added around the application.
            cx.exec(
                "DELETE FROM records WHERE kind = 'survey_response' AND id IN \
                 (SELECT id FROM records WHERE kind = 'survey_response' ORDER BY id LIMIT 1)",
            )
            .await
            .expect("delete");
            let p = problems().await;
            assert!(p.iter().any(|p| p.contains("表中只有 4 份")), "{p:?}");
            cx.exec(
                "INSERT INTO records (kind, id, unit, state, due, body, version, created_at, \
                 created_by, updated_at, updated_by) VALUES ('survey_response', 'x/1', 'a', \
                 'token', NULL, '{}', 1, '2025-01-01 00:00:00', 'x', '2025-01-01 00:00:00', 'x')",
            )
            .await
            .expect("insert");
            let p = problems().await;
            assert!(
                p.iter()
                    .any(|p| p.contains("survey_response:x/1") && p.contains("没有对应")),
                "{p:?}"
            );
        },
    )
    .await;
}
