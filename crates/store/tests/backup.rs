//! Backup and restore (a module of the one test binary `store`): a backup taken while
//! writes go on restores to a database whose audit chain verifies and is a prefix of the
//! source's; a backup at rest restores every value, record, user and audit row equal — on
//! both backends. Refusals: an existing file, a non-empty target, the wrong backend.

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::{Connection, Executor};
use youxiang_core::scope::{Reporter, Role, Scope};
use youxiang_store::backup::{backup, restore};
use youxiang_store::{AuditFilter, Backend, Database, RecordFilter, StoreError};

use super::{Ctx, both, checked, pg_admin_url, rec, unique, w, with_database};

/// An empty database to restore into, and how to drop it.
struct Target {
    url: String,
    pg: Option<String>,
    file: PathBuf,
}

async fn target(backend: Backend) -> Target {
    let name = unique("yx_restore_");
    let file = std::env::temp_dir().join(format!("{name}.backup"));
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            Target {
                url: format!("sqlite://{}", path.display()),
                pg: None,
                file,
            }
        }
        Backend::Postgres => {
            let mut admin = sqlx::PgConnection::connect(&pg_admin_url())
                .await
                .expect("admin");
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .expect("create");
            Target {
                url: with_database(&pg_admin_url(), &name),
                pg: Some(name),
                file,
            }
        }
    }
}

impl Target {
    async fn drop(self) {
        let _ = std::fs::remove_file(&self.file);
        match self.pg {
            Some(name) => {
                let mut admin = sqlx::PgConnection::connect(&pg_admin_url())
                    .await
                    .expect("admin");
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await
                    .expect("drop");
            }
            None => {
                let path = self.url.trim_start_matches("sqlite://");
                for s in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{s}"));
                }
            }
        }
    }
}

/// Everything a restore must bring back, in a comparable form.
async fn contents(db: &dyn Database) -> (String, String, String, String) {
    let values = db.load_values().await.expect("values");
    let records = db
        .list_records(&RecordFilter::default())
        .await
        .expect("records");
    let users = db.load_reporters().await.expect("users");
    let audit = db
        .audit_query(&AuditFilter {
            limit: Some(usize::MAX),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    (
        format!("{values:?}"),
        format!("{records:?}"),
        format!("{users:?}"),
        format!("{audit:?}"),
    )
}

async fn seed(db: &dyn Database) {
    let user = Reporter {
        login: "zhao".into(),
        name: "赵六".into(),
        unit: "区民政局".into(),
        role: Role::DepartmentReporter,
        scope: Scope {
            places: vec!["p".into()],
            indicators: vec!["T01".into()],
        },
    };
    db.save_reporters(vec![user], "admin").await.expect("users");
    db.set_password(
        "zhao",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
        true,
        "admin",
    )
    .await
    .expect("password");
    let writes: Vec<_> = (0..40)
        .map(|i| {
            w(
                "T01",
                &format!("p{}", i % 10),
                &format!("{}", 2022 + i / 10),
                i as f64,
            )
        })
        .collect();
    db.write_values(&checked(&writes), "li", None)
        .await
        .expect("values");
    db.put_records(&[rec("o1", 1, None), rec("o2", 2, None)], "li")
        .await
        .expect("records");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_during_writes_restores_whole_and_verified() {
    both("backup round trip", |ctx: Ctx| async move {
        let db = ctx.db.clone();
        seed(&*db).await;
        // Writes go on while the backup is taken.
        let writer = {
            let db = Arc::clone(&db);
            tokio::spawn(async move {
                for i in 0..30 {
                    let v = [w("T02", "a", "2025", f64::from(i))];
                    db.write_values(&checked(&v), "li", None)
                        .await
                        .expect("write");
                }
            })
        };
        let during = target(ctx.backend()).await;
        let made = backup(&ctx.url, &during.file).await.expect("backup");
        writer.await.expect("writer");
        assert!(made.audit.ok && made.count("audit") > 0 && made.bytes > 0);
        assert_eq!(made.count("records"), 2);
        assert_eq!(made.count("sessions"), 0);
        let restored = restore(&during.file, &during.url).await.expect("restore");
        assert!(restored.audit.ok, "{:?}", restored.audit.problems);
        assert_eq!(
            restored.counts, made.counts,
            "the restore holds what was backed up"
        );
        // The restored chain is the source's up to the backup's moment.
        let copy = youxiang_store::connect(&during.url)
            .await
            .expect("open copy");
        let (_, _, _, audit_copy) = contents(&*copy).await;
        let all = ctx
            .db
            .audit_query(&AuditFilter {
                limit: Some(usize::MAX),
                ..AuditFilter::default()
            })
            .await
            .expect("audit");
        let prefix: Vec<_> = all
            .into_iter()
            .filter(|e| e.seq <= made.audit.head_seq)
            .collect();
        assert_eq!(audit_copy, format!("{prefix:?}"));
        drop(copy);

        // At rest: everything equal, and a second restore into the same database refused.
        let rest = target(ctx.backend()).await;
        let made = backup(&ctx.url, &rest.file).await.expect("backup at rest");
        restore(&rest.file, &rest.url)
            .await
            .expect("restore at rest");
        let copy = youxiang_store::connect(&rest.url).await.expect("open copy");
        assert_eq!(contents(&*copy).await, contents(&*ctx.db).await);
        assert!(copy.audit_verify().await.expect("verify").ok);
        assert_eq!(
            copy.password("zhao").await.expect("password"),
            ctx.db.password("zhao").await.expect("password")
        );
        drop(copy);
        let again = restore(&rest.file, &rest.url).await;
        assert!(matches!(again, Err(StoreError::Backup(_))), "{again:?}");
        // The file is never overwritten.
        let over = backup(&ctx.url, &rest.file).await;
        assert!(
            matches!(&over, Err(StoreError::Backup(m)) if m.contains("已存在")),
            "{over:?}"
        );
        assert_eq!(made.backend, ctx.backend());
        during.drop().await;
        rest.drop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_its_own_backend_only() {
    let dir = youxiang_testkit::scratch_dir("backupkind");
    let junk = dir.path().join("junk.backup");
    std::fs::write(&junk, b"not a backup").expect("junk");
    let r = restore(&junk, "sqlite://x.db").await;
    assert!(
        matches!(&r, Err(StoreError::Backup(m)) if m.contains("不是 youxiang 的备份文件")),
        "{r:?}"
    );
    let lite = dir.path().join("lite.backup");
    std::fs::write(&lite, b"SQLite format 3\0 and more").expect("lite");
    let r = restore(&lite, "postgres://postgres@127.0.0.1:1/none").await;
    assert!(
        matches!(&r, Err(StoreError::Backup(m)) if m.contains("不能恢复到 PostgreSQL")),
        "{r:?}"
    );
}
