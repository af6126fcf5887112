//! A batch of values written as a stream (a module of the one test binary `store`): new
//! values go by `COPY` on PostgreSQL and a prepared statement a row on SQLite, changed ones by
//! upsert, the audit rows hashed beside them — on both backends every text and number comes
//! back as written, the chain verifies, and a batch mixing new and changed values keeps
//! both right.

use youxiang_core::CheckedWrite;
use youxiang_store::{AuditFilter, StoreError, ValueFilter};

use super::{Ctx, both, key, known_codes, known_plan_and_tree};

/// Texts the `COPY` text format reads specially, and numbers at the ends of what a figure may be.
const COMMENTS: [&str; 5] = [
    "",
    "制表\t符",
    "换\n行\r回车",
    "反斜杠 \\N \\t \\\\",
    "普通说明",
];
const NUMBERS: [f64; 5] = [1e-300, -2.5, 8.999_999_999_999e12, 0.1, 123_456_789.125];

/// `n` writes over the known indicators and places for `period`, each `shift` further.
fn writes(n: usize, period: &str, shift: f64) -> Vec<CheckedWrite> {
    let (plan, tree) = known_plan_and_tree(&[]);
    let (indicators, places) = known_codes();
    let indicators: Vec<&String> = indicators.iter().filter(|c| *c != "T03").collect();
    (0..n)
        .map(|i| {
            let k = key(
                indicators[i % indicators.len()],
                &places[i / indicators.len()],
                period,
            );
            CheckedWrite::check_with_source(
                &plan,
                &tree,
                k,
                NUMBERS[i % NUMBERS.len()] + shift,
                COMMENTS[i % COMMENTS.len()].to_string(),
                if i % 2 == 0 {
                    "统计局 \\ 年报".into()
                } else {
                    String::new()
                },
            )
            .expect("a sound write")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_streams_in_and_reads_back_as_written() {
    both("bulk", |ctx: Ctx| async move {
        let db = &ctx.db;
        let first = writes(3_000, "2024", 0.0);
        let out = db.write_values(&first, "批量", None).await.expect("write");
        assert_eq!((out.changes.len(), out.unchanged), (3_000, 0));
        // Half of the same keys changed, and as many new ones: both paths in one write.
        let mut second = writes(1_500, "2024", 1.0);
        second.extend(writes(1_500, "2023", 0.0));
        let out = db.write_values(&second, "批量", None).await.expect("write");
        assert_eq!((out.changes.len(), out.unchanged), (3_000, 0));

        let stored = db.get_values(&ValueFilter::default()).await.expect("read");
        assert_eq!(stored.len(), 4_500);
        let expected = second.iter().chain(&first[1_500..]);
        for w in expected {
            let o = stored
                .iter()
                .find(|o| &o.key == w.key())
                .unwrap_or_else(|| panic!("{} stored", w.key()));
            assert_eq!(o.value.to_bits(), w.value().to_bits(), "{}", w.key());
            assert_eq!(o.comment, w.comment(), "{}", w.key());
            assert_eq!(o.source, w.source(), "{}", w.key());
            assert_eq!(o.reporter, "批量");
        }
        let report = db.audit_verify().await.expect("verify");
        assert!(report.ok, "{:?}", report.problems);
        let rows = db
            .audit_query(&AuditFilter {
                action: Some("value.write".into()),
                limit: Some(10_000),
                ..AuditFilter::default()
            })
            .await
            .expect("audit");
        assert_eq!(rows.len(), 6_000);
        assert!(
            rows.iter()
                .any(|r| r.new.as_deref().is_some_and(|n| n.contains("换\\n行")))
        );
    })
    .await;
}

/// A batch longer than SQLite's writer holds the connection at a time (20,000 rows) that
/// the database refuses at its very last row (a place it does not know, the write checked
/// against a stale place tree) leaves nothing: no value, no audit row, the chain as it
/// was; the same batch without that row then goes in whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_batch_refused_at_its_last_row_leaves_nothing() {
    both("bulk_refused", |ctx: Ctx| async move {
        let db = &ctx.db;
        let before = db.audit_verify().await.expect("verify");
        let mut batch = writes(11_000, "2023", 0.0);
        batch.extend(writes(11_000, "2024", 0.0));
        let (plan, tree) = known_plan_and_tree(&["zz".to_string()]);
        let stale = CheckedWrite::check(&plan, &tree, key("T01", "zz", "2024"), 1.0, "".into());
        batch.push(stale.expect("sound against the stale tree"));
        match db.write_values(&batch, "批量", None).await {
            Err(StoreError::Invalid(m)) => assert!(m.contains("地点未登记"), "{m}"),
            other => panic!("expected the unknown place refused, got {other:?}"),
        }
        assert!(db.load_values().await.expect("load").is_empty());
        let after = db.audit_verify().await.expect("verify");
        assert!(after.ok, "{:?}", after.problems);
        assert_eq!((after.rows, after.head_seq), (before.rows, before.head_seq));

        batch.pop();
        let out = db.write_values(&batch, "批量", None).await.expect("write");
        assert_eq!((out.changes.len(), out.unchanged), (22_000, 0));
        assert_eq!(db.load_values().await.expect("load").len(), 22_000);
        let after = db.audit_verify().await.expect("verify");
        assert!(after.ok, "{:?}", after.problems);
        assert_eq!(after.rows, before.rows + 22_000);
    })
    .await;
}
