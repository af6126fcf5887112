//! Sessions in the store (a module of the one test binary `store`): kept whole, touched
//! forwards only, ended with the auth epoch moved, purged once expired — on both backends.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use youxiang_store::StoredSession;

use super::{Ctx, both};

fn at(h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 1)
        .and_then(|d| d.and_hms_micro_opt(h, m, 0, 123_456))
        .expect("time")
}

fn session(id: &str, started: NaiveDateTime) -> StoredSession {
    StoredSession {
        id_hash: id.into(),
        login: "li".into(),
        csrf: format!("csrf-{id}"),
        stamp: "stamp".into(),
        change_due: Some("expired".into()),
        started_at: started,
        last_seen: started,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_kept_touched_ended_and_purged() {
    both("sessions", |ctx: Ctx| async move {
        let db = &ctx.db;
        let a = session("a", at(8, 0));
        db.session_insert(&a).await.expect("insert");
        assert_eq!(db.session_get("a").await.expect("get"), Some(a.clone()));
        assert_eq!(db.session_get("zz").await.expect("get"), None);
        // A second handle on the same database (another process) sees it.
        let other = youxiang_store::connect(&ctx.url).await.expect("connect");
        assert_eq!(other.session_get("a").await.expect("get"), Some(a.clone()));
        // Touched forwards, never backwards.
        db.session_touch("a", at(9, 0)).await.expect("touch");
        db.session_touch("a", at(8, 30)).await.expect("touch back");
        let got = db.session_get("a").await.expect("get").expect("kept");
        assert_eq!(got.last_seen, at(9, 0));
        assert_eq!(got.started_at, at(8, 0));
        // A duplicate id is refused (ids are random; a clash is an error, not a merge).
        assert!(db.session_insert(&a).await.is_err());
        // Ending it moves the auth epoch; ending it again changes nothing.
        let epoch = db.auth_epoch().await.expect("epoch");
        assert!(db.session_delete("a").await.expect("delete"));
        let moved = db.auth_epoch().await.expect("epoch");
        assert!(moved > epoch);
        assert!(!db.session_delete("a").await.expect("delete again"));
        assert_eq!(db.auth_epoch().await.expect("epoch"), moved);
        assert_eq!(db.session_get("a").await.expect("get"), None);
        // Purging: idle too long or started too early.
        db.session_insert(&session("idle", at(7, 0)))
            .await
            .expect("idle");
        let mut old = session("old", at(1, 0));
        old.last_seen = at(9, 50);
        old.change_due = None;
        db.session_insert(&old).await.expect("old");
        db.session_insert(&session("fresh", at(9, 55)))
            .await
            .expect("fresh");
        assert_eq!(db.sessions_count().await.expect("count"), 3);
        let gone = db
            .sessions_purge(at(9, 0), at(9, 0) - Duration::hours(6))
            .await
            .expect("purge");
        assert_eq!(gone, 2);
        assert_eq!(db.sessions_count().await.expect("count"), 1);
        assert!(db.session_get("fresh").await.expect("get").is_some());
        // A NUL in an id is refused with a message, never stored.
        assert!(db.session_insert(&session("x\0y", at(9, 0))).await.is_err());
    })
    .await;
}
