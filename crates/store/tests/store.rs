//! The store's one integration-test binary. Every test runs against both backends: SQLite
//! (a fresh temporary file) and PostgreSQL (a fresh `yx_test_<random>` database created on
//! the server named by `YOUXIANG_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`, and dropped afterwards).
//!
//! If PostgreSQL cannot be reached, the PostgreSQL half fails loudly — unless
//! `YOUXIANG_SKIP_PG=1`, when it prints a SKIPPED line instead.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};
use youxiang_core::period::Period;
use youxiang_core::place::PlaceTree;
use youxiang_core::place::{Level, Place};
use youxiang_core::scope::{Reporter, Role, Scope};
use youxiang_core::value::{Component, StateError, Transition, ValueKey, ValueState};
use youxiang_core::{CheckedWrite, Plan};
use youxiang_store::prelude::*;
use youxiang_store::{
    AuditFilter, Backend, Database, PgStore, SqliteStore, StoreError, UploadInfo, ValueFilter,
    ValueWrite,
};

mod backup;
mod bulk;
mod computed;
mod pool;
mod sessions;

// ---------------------------------------------------------------------------------------
// Harness: one fresh database per backend per test.

#[derive(Clone)]
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

/// What a test body gets: the store under test, raw SQL access (to play the attacker),
/// and how to open a second handle on the same database.
#[derive(Clone)]
struct Ctx {
    db: Arc<dyn Database>,
    raw: Raw,
    url: String,
}

impl Ctx {
    fn backend(&self) -> Backend {
        self.db.backend()
    }

    async fn exec(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        Ok(match &self.raw {
            Raw::Sqlite(p) => p.execute(sql).await?.rows_affected(),
            Raw::Pg(p) => p.execute(sql).await?.rows_affected(),
        })
    }

    /// Removes the append-only triggers, as an attacker with full database access could.
    async fn drop_audit_triggers(&self) {
        match self.backend() {
            Backend::Sqlite => {
                self.exec("DROP TRIGGER audit_no_update")
                    .await
                    .expect("drop");
                self.exec("DROP TRIGGER audit_no_delete")
                    .await
                    .expect("drop");
            }
            Backend::Postgres => {
                self.exec("DROP TRIGGER audit_no_update_delete ON audit")
                    .await
                    .expect("drop");
            }
        }
    }

    /// Registers the indicators and places the value tests write to (`known_codes`), with
    /// plain SQL: no audit rows, no plan version, nothing the tests count.
    async fn seed_known(&self) {
        let (indicators, places) = known_codes();
        for code in indicators {
            let sql = format!("INSERT INTO plan_indicators (code) VALUES ('{code}')");
            self.exec_owned(sql).await.expect("seed indicator");
        }
        for (i, code) in places.iter().enumerate() {
            let sql = format!(
                "INSERT INTO places (code, name, level, parent, ord) VALUES ('{code}', '{code}', 'other', NULL, {i})"
            );
            self.exec_owned(sql).await.expect("seed place");
        }
    }

    async fn exec_owned(&self, sql: String) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql);
        Ok(match &self.raw {
            Raw::Sqlite(p) => p.execute(sql).await?.rows_affected(),
            Raw::Pg(p) => p.execute(sql).await?.rows_affected(),
        })
    }

    async fn audit_rows(&self) -> usize {
        self.db
            .audit_query(&AuditFilter {
                limit: Some(1_000_000),
                ..Default::default()
            })
            .await
            .expect("audit query")
            .len()
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn pg_admin_url() -> String {
    std::env::var("YOUXIANG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The admin URL with its database name replaced.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[start..].find('/') {
        Some(i) => &base[..start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

async fn run_sqlite<F, Fut>(name: &str, body: &F, seed: bool)
where
    F: Fn(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let path = std::env::temp_dir().join(format!("{}.db", unique("yx_test_")));
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    let ctx = Ctx {
        raw: Raw::Sqlite(store.pool().clone()),
        db: Arc::new(store.clone()),
        url,
    };
    if seed {
        ctx.seed_known().await;
    }
    let outcome = tokio::spawn(body(ctx)).await;
    store.pool().close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if let Err(e) = outcome {
        panic!("[sqlite] {name} failed: {e}");
    }
}

async fn run_pg<F, Fut>(name: &str, body: &F, seed: bool)
where
    F: Fn(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = pg_admin_url();
    let admin = tokio::time::timeout(
        Duration::from_secs(10),
        sqlx::PgConnection::connect(&admin_url),
    )
    .await;
    let mut admin = match admin {
        Ok(Ok(c)) => c,
        failure => {
            let why = match failure {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".to_string(),
            };
            if std::env::var("YOUXIANG_SKIP_PG").as_deref() == Ok("1") {
                youxiang_testkit::skip(
                    "postgres",
                    format!(
                        "PostgreSQL half of {name} ({admin_url} unreachable: {why}; YOUXIANG_SKIP_PG=1)"
                    ),
                );
                return;
            }
            panic!(
                "[postgres] {name}: cannot reach PostgreSQL at {admin_url}: {why}. \
                 Run scripts/pg-ensure, set YOUXIANG_TEST_PG_URL, or set YOUXIANG_SKIP_PG=1 to skip."
            );
        }
    };
    let db_name = unique("yx_test_");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}")))
        .await
        .expect("create test database");
    let url = with_database(&admin_url, &db_name);
    let store = PgStore::connect(&url).await.expect("open postgres");
    store.migrate().await.expect("migrate postgres");
    let ctx = Ctx {
        raw: Raw::Pg(store.pool().clone()),
        db: Arc::new(store.clone()),
        url,
    };
    if seed {
        ctx.seed_known().await;
    }
    let outcome = tokio::spawn(body(ctx)).await;
    store.close().await;
    let dropped = admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"
        )))
        .await;
    if let Err(e) = outcome {
        panic!("[postgres] {name} failed: {e}");
    }
    dropped.expect("drop test database");
}

/// Runs `body` on SQLite, then on PostgreSQL, each with the indicators and places of
/// `known_codes` registered.
async fn both<F, Fut>(name: &str, body: F)
where
    F: Fn(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_sqlite(name, &body, true).await;
    run_pg(name, &body, true).await;
}

/// `both` on empty databases (for the tests of plans and places themselves).
async fn both_bare<F, Fut>(name: &str, body: F)
where
    F: Fn(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_sqlite(name, &body, false).await;
    run_pg(name, &body, false).await;
}

// ---------------------------------------------------------------------------------------
// Fixtures.

fn key(indicator: &str, place: &str, period: &str) -> ValueKey {
    ValueKey {
        indicator: indicator.into(),
        place: place.into(),
        period: period.parse().expect("period"),
        component: Component::Value,
    }
}

/// The indicators (T00–T99) and places the value tests write to.
fn known_codes() -> (Vec<String>, Vec<String>) {
    let indicators = (0..100).map(|i| format!("T{i:02}")).collect();
    let mut places: Vec<String> = ["a", "b", "c", "p"].map(String::from).to_vec();
    places.extend((0..10).map(|i| format!("p{i}")));
    for t in 0..4 {
        places.push(format!("w{t}"));
        places.extend((0..25).map(|i| format!("w{t}-{i}")));
    }
    (indicators, places)
}

/// The plan and place tree that `known_codes` stand for: yearly indicators taking any
/// number (T03 monthly, as numerator and denominator), places under the plan's place.
fn known_plan_and_tree(extra_places: &[String]) -> (Plan, PlaceTree) {
    use youxiang_core::plan::Aggregation;
    let (indicators, mut places) = known_codes();
    places.extend_from_slice(extra_places);
    let (mut plan, tree) = youxiang_testkit::simple_plan_and_tree(&indicators, &places);
    let t03 = plan.indicators.iter_mut().find(|i| i.code == "T03");
    let t03 = t03.expect("T03");
    t03.aggregation = Aggregation::RatioOfSums {
        numerator: "分子".into(),
        denominator: "分母".into(),
        scale: 1.0,
    };
    t03.frequency = youxiang_core::period::PeriodKind::Month;
    (plan, tree)
}

fn checked_with(plan: &Plan, tree: &PlaceTree, writes: &[ValueWrite]) -> Vec<CheckedWrite> {
    writes
        .iter()
        .map(|w| {
            CheckedWrite::check(plan, tree, w.key.clone(), w.value, w.comment.clone())
                .expect("a sound test write")
        })
        .collect()
}

/// Test writes as the store takes them: checked against `known_plan_and_tree`.
fn checked(writes: &[ValueWrite]) -> Vec<CheckedWrite> {
    static KNOWN: std::sync::OnceLock<(Plan, PlaceTree)> = std::sync::OnceLock::new();
    let (plan, tree) = KNOWN.get_or_init(|| known_plan_and_tree(&[]));
    checked_with(plan, tree, writes)
}

fn w(indicator: &str, place: &str, period: &str, value: f64) -> ValueWrite {
    ValueWrite {
        key: key(indicator, place, period),
        value,
        comment: String::new(),
        source: String::new(),
    }
}

fn plan(version: u32, name: &str) -> Plan {
    serde_json::from_value(serde_json::json!({
        "code": "dinghai-qiyouxiang",
        "name": name,
        "issuer": "定海区人民政府",
        "place": "330902",
        "baseline_year": 2022,
        "target_years": [2025, 2027],
        "version": version,
        "domains": [{"code": "YY", "name": "幼有善育", "lead_unit": "区卫健局"}],
        "indicators": [],
    }))
    .expect("plan fixture")
}

fn place(code: &str, parent: Option<&str>, level: Level) -> Place {
    Place {
        code: code.into(),
        name: format!("地点{code}"),
        level,
        parent: parent.map(Into::into),
        lon: Some(122.106_789_123_456_78),
        lat: Some(30.019_876_543_210_1),
        population: [(2023, 1234.5), (2024, 1300.0)].into(),
    }
}

fn places() -> Vec<Place> {
    vec![
        place("330902", None, Level::County),
        place("330902001", Some("330902"), Level::Town),
        place("330902001001", Some("330902001"), Level::Village),
    ]
}

// ---------------------------------------------------------------------------------------
// Tests.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_twice_is_fine() {
    both("migrate_twice_is_fine", |cx| async move {
        cx.db.migrate().await.expect("second migrate");
        cx.db.migrate().await.expect("third migrate");
        // A store opened by URL through `connect` sees the same database.
        let again = youxiang_store::connect(&cx.url)
            .await
            .expect("connect by url");
        again.migrate().await.expect("migrate via connect");
        assert_eq!(again.backend(), cx.backend());
        let report = again.audit_verify().await.expect("verify");
        assert!(report.ok && report.rows == 0, "{report:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_chooses_backend_by_url() {
    let db = youxiang_store::connect("sqlite::memory:")
        .await
        .expect("memory");
    db.migrate().await.expect("migrate memory");
    assert_eq!(db.backend(), Backend::Sqlite);
    let (plan, tree) = known_plan_and_tree(&[]);
    db.save_plan(&plan, "tester").await.expect("plan");
    db.save_places(tree.places().to_vec(), "tester")
        .await
        .expect("places");
    db.write_values(&checked(&[w("T01", "p", "2024", 1.0)]), "tester", None)
        .await
        .expect("write to memory");
    assert_eq!(db.load_values().await.expect("load").len(), 1);
    assert!(matches!(
        youxiang_store::connect("mysql://x").await,
        Err(StoreError::UnsupportedUrl(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_save_load_and_history() {
    both_bare("plan_save_load_and_history", |cx| async move {
        let db = &cx.db;
        assert_eq!(db.load_plan().await.expect("load"), None);
        let v1 = plan(1, "七优享工程实施方案");
        let saved = db.save_plan(&v1, "office").await.expect("save v1");
        assert!(saved.changed && saved.old_version.is_none());
        assert_eq!(db.load_plan().await.expect("load"), Some(v1.clone()));

        // The identical document again: nothing written, nothing audited.
        let again = db.save_plan(&v1, "office").await.expect("save v1 again");
        assert!(!again.changed);
        assert_eq!(cx.audit_rows().await, 1);

        let v2 = plan(2, "七优享工程实施方案(修订)");
        let saved = db.save_plan(&v2, "office").await.expect("save v2");
        assert_eq!((saved.old_version, saved.new_version), (Some(1), 2));
        assert_eq!(db.load_plan().await.expect("load"), Some(v2.clone()));
        let history = db.plan_history(&v1.code).await.expect("history");
        assert_eq!(
            history.iter().map(|h| h.version).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert_eq!(history[1].saved_by, "office");
        assert_eq!(
            db.load_plan_version(&v1.code, 1).await.expect("v1"),
            Some(v1.clone())
        );

        // Going back to an older version is refused.
        assert!(matches!(
            db.save_plan(&v1, "office").await,
            Err(StoreError::Conflict(_))
        ));
        let audit = db
            .audit_query(&AuditFilter {
                action: Some("plan.save".into()),
                ..Default::default()
            })
            .await
            .expect("audit");
        assert_eq!(audit.len(), 2);
        assert!(
            audit[0]
                .old
                .as_deref()
                .unwrap_or("")
                .contains("\"version\":1")
        );
        assert!(
            audit[0]
                .new
                .as_deref()
                .unwrap_or("")
                .contains("\"version\":2")
        );
        assert!(db.audit_verify().await.expect("verify").ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_and_reporters_round_trip() {
    both_bare("places_and_reporters_round_trip", |cx| async move {
        let db = &cx.db;
        let saved = db.save_places(places(), "admin").await.expect("save");
        assert_eq!(saved.inserted, 3);
        assert_eq!(db.load_places().await.expect("load"), places());

        // The same again changes nothing and adds no audit row.
        let saved = db.save_places(places(), "admin").await.expect("again");
        assert_eq!((saved.inserted, saved.updated, saved.unchanged), (0, 0, 3));
        assert_eq!(cx.audit_rows().await, 1);

        // Update one, add one; the others are kept.
        let mut town = place("330902001", Some("330902"), Level::Town);
        town.name = "环南街道".into();
        town.population = [(2025, 5.0e4)].into();
        let new = place("330902002", Some("330902"), Level::Town);
        let saved = db
            .save_places(vec![town.clone(), new.clone()], "admin")
            .await
            .expect("upsert");
        assert_eq!((saved.inserted, saved.updated), (1, 1));
        let loaded = db.load_places().await.expect("load");
        assert_eq!(loaded.len(), 4);
        assert_eq!(loaded[1], town);
        assert_eq!(loaded[3], new);

        // A parent that does not exist: refused whole, nothing written.
        let bad = vec![
            place("330902003", Some("330902"), Level::Town),
            place("x1", Some("nowhere"), Level::Village),
        ];
        match db.save_places(bad, "admin").await {
            Err(StoreError::Invalid(msg)) => assert!(msg.contains("nowhere"), "{msg}"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert_eq!(db.load_places().await.expect("load").len(), 4);

        let reporters = vec![
            Reporter {
                login: "wang".into(),
                name: "王五".into(),
                unit: "区卫健局".into(),
                role: Role::DepartmentReporter,
                scope: Scope {
                    places: vec!["330902".into()],
                    indicators: vec!["T01".into(), "T02".into()],
                },
            },
            Reporter {
                login: "li".into(),
                name: "李四".into(),
                unit: "环南街道".into(),
                role: Role::TownReporter,
                scope: Scope {
                    places: vec!["330902001".into()],
                    indicators: vec![],
                },
            },
        ];
        assert_eq!(
            db.save_reporters(reporters.clone(), "admin")
                .await
                .expect("save reporters"),
            2
        );
        let mut expected = reporters.clone();
        expected.sort_by(|a, b| a.login.cmp(&b.login));
        assert_eq!(db.load_reporters().await.expect("load reporters"), expected);
        let mut changed = reporters[0].clone();
        changed.role = Role::Office;
        db.save_reporters(vec![changed.clone()], "admin")
            .await
            .expect("update reporter");
        let loaded = db.load_reporters().await.expect("load reporters");
        assert_eq!(loaded.len(), 2);
        assert!(loaded.contains(&changed));

        // A password keeps when it was set and whether its owner must change it.
        assert_eq!(db.password("li").await.expect("password"), None);
        let before = chrono::Utc::now().naive_utc() - chrono::TimeDelta::seconds(1);
        db.set_password("li", "$argon2id$v=19$fake", true, "security")
            .await
            .expect("reset");
        let p = db.password("li").await.expect("password").expect("stored");
        assert_eq!(p.hash, "$argon2id$v=19$fake");
        assert!(p.must_change);
        assert!(p.set_at.is_some_and(|t| t >= before), "{:?}", p.set_at);
        db.set_password("li", "$argon2id$v=19$own", false, "li")
            .await
            .expect("own");
        let p = db.password("li").await.expect("password").expect("stored");
        assert!(!p.must_change && p.hash.ends_with("own"));
        assert!(matches!(
            db.set_password("nobody", "x", false, "security").await,
            Err(StoreError::NotFound(_))
        ));
        assert!(db.audit_verify().await.expect("verify").ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_then_read() {
    both("write_then_read", |cx| async move {
        let db = &cx.db;
        // Numbers that a text round trip could lose.
        let awkward = [
            0.1 + 0.2,
            1.0 / 3.0,
            123_456_789.123_456_79,
            1e-300,
            -2.5e12,
            youxiang_core::write::MAX_ABS,
            f64::MIN_POSITIVE,
            5e-324,
        ];
        let mut writes: Vec<ValueWrite> = awkward
            .iter()
            .enumerate()
            .map(|(i, v)| w("T01", &format!("p{i}"), "2024", *v))
            .collect();
        writes.push(ValueWrite {
            key: ValueKey {
                component: Component::Numerator,
                ..key("T03", "p0", "2024-03")
            },
            value: 42.0,
            comment: "含 \"引号\" 与 '单引号' 和换行\n".into(),
            source: String::new(),
        });
        let before = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1);
        let out = db
            .write_values(&checked(&writes), "张三", None)
            .await
            .expect("write");
        assert_eq!(out.changes.len(), writes.len());
        assert_eq!(out.unchanged, 0);
        for (c, wr) in out.changes.iter().zip(&writes) {
            assert!(c.old.is_none());
            let new = c.new.as_ref().expect("new");
            assert_eq!(new.key, wr.key);
            assert_eq!(new.state, ValueState::Draft);
            assert_eq!(new.reporter, "张三");
            assert!(new.reported_at >= before);
        }
        let mut stored = db.load_values().await.expect("load");
        stored.sort_by(|a, b| a.key.cmp(&b.key));
        let mut expected: Vec<_> = out.changes.iter().filter_map(|c| c.new.clone()).collect();
        expected.sort_by(|a, b| a.key.cmp(&b.key));
        assert_eq!(stored, expected);
        for o in &stored {
            let wr = writes.iter().find(|x| x.key == o.key).expect("written");
            assert_eq!(o.value.to_bits(), wr.value.to_bits(), "{}", o.key);
        }

        // Filters.
        let t03 = db
            .get_values(&ValueFilter {
                indicator: Some("T03".into()),
                ..Default::default()
            })
            .await
            .expect("filter");
        assert_eq!(t03.len(), 1);
        assert_eq!(t03[0].comment, "含 \"引号\" 与 '单引号' 和换行\n");
        let p0 = db
            .get_values(&ValueFilter {
                place: Some("p0".into()),
                period: Some("2024".parse::<Period>().expect("period")),
                ..Default::default()
            })
            .await
            .expect("filter");
        assert_eq!(p0.len(), 1);
        assert_eq!(p0[0].key.indicator, "T01");
        let none = db
            .get_values(&ValueFilter {
                state: Some(ValueState::Approved),
                ..Default::default()
            })
            .await
            .expect("filter");
        assert!(none.is_empty());

        // A filtered query pages the same way: `after` + `limit` walk its rows once, in order.
        let all = db.get_values(&ValueFilter::default()).await.expect("all");
        let mut walked = Vec::new();
        loop {
            let page = db
                .get_values(&ValueFilter {
                    after: walked
                        .last()
                        .map(|o: &youxiang_core::value::Observation| o.key.clone()),
                    limit: Some(3),
                    ..Default::default()
                })
                .await
                .expect("page");
            let n = page.len();
            walked.extend(page);
            if n < 3 {
                break;
            }
        }
        assert_eq!(
            walked.iter().map(|o| &o.key).collect::<Vec<_>>(),
            all.iter().map(|o| &o.key).collect::<Vec<_>>()
        );

        // Paging walks every row exactly once.
        let mut paged = Vec::new();
        loop {
            let page = db
                .values_page(
                    paged
                        .last()
                        .map(|o: &youxiang_core::value::Observation| &o.key),
                    4,
                )
                .await
                .expect("page");
            let n = page.len();
            paged.extend(page);
            if n < 4 {
                break;
            }
        }
        assert_eq!(paged.len(), writes.len());
        let mut keys: Vec<_> = paged.iter().map(|o| o.key.clone()).collect();
        keys.dedup();
        assert_eq!(keys.len(), writes.len());

        // Bad input is refused whole.
        let dup = vec![w("T09", "p", "2024", 1.0), w("T09", "p", "2024", 2.0)];
        assert!(matches!(
            db.write_values(&checked(&dup), "张三", None).await,
            Err(StoreError::Invalid(_))
        ));
        // The database refuses what the current plan and places do not know, even when
        // checked against another plan (a stale copy, another program).
        let (plan, tree) = known_plan_and_tree(&["zz".to_string()]);
        let stale = checked_with(&plan, &tree, &[w("T01", "zz", "2024", 1.0)]);
        match db.write_values(&stale, "张三", None).await {
            Err(StoreError::Invalid(m)) => assert!(m.contains("地点未登记"), "{m}"),
            other => panic!("expected the unknown place refused, got {other:?}"),
        }
        cx.exec("DELETE FROM plan_indicators WHERE code = 'T98'")
            .await
            .expect("forget T98");
        match db
            .write_values(&checked(&[w("T98", "p", "2024", 1.0)]), "张三", None)
            .await
        {
            Err(StoreError::Invalid(m)) => assert!(m.contains("指标不在当前方案中"), "{m}"),
            other => panic!("expected the unknown indicator refused, got {other:?}"),
        }
        assert_eq!(db.load_values().await.expect("load").len(), writes.len());
        assert!(db.audit_verify().await.expect("verify").ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewriting_the_same_file_changes_nothing() {
    both("rewriting_the_same_file_changes_nothing", |cx| async move {
        let db = &cx.db;
        let batch = vec![
            w("T01", "a", "2024", 1.0),
            w("T01", "b", "2024", 2.0),
            ValueWrite {
                comment: "估算".into(),
                ..w("T01", "c", "2024", 3.0)
            },
        ];
        let file = UploadInfo {
            file_name: "环南街道.xlsx".into(),
            sha256: "ab".repeat(32),
            rows: 3,
        };
        let out = db
            .write_values(&checked(&batch), "li", Some(&file))
            .await
            .expect("first");
        assert_eq!(out.changes.len(), 3);
        let audit = cx.audit_rows().await;
        assert_eq!(audit, 3);

        let out = db
            .write_values(&checked(&batch), "li", Some(&file))
            .await
            .expect("second");
        assert!(out.changes.is_empty());
        assert_eq!(out.unchanged, 3);
        assert_eq!(cx.audit_rows().await, audit, "no new audit rows");
        let uploads = db.uploads(Some(&file.sha256)).await.expect("uploads");
        assert_eq!(uploads.len(), 2);
        assert_eq!((uploads[0].changed, uploads[1].changed), (0, 3));
        assert_eq!(uploads[0].file_name, "环南街道.xlsx");
        assert_eq!(uploads[0].rows, 3);

        // A changed comment alone is a change; the old value comes back.
        let mut edited = batch.clone();
        edited[1].comment = "更正".into();
        edited[2].value = 3.5;
        let out = db
            .write_values(&checked(&edited), "wang", None)
            .await
            .expect("third");
        assert_eq!((out.changes.len(), out.unchanged), (2, 1));
        let old = out.changes[1].old.as_ref().expect("old");
        assert_eq!((old.value, old.reporter.as_str()), (3.0, "li"));
        assert_eq!(out.changes[1].new.as_ref().map(|o| o.value), Some(3.5));
        assert_eq!(cx.audit_rows().await, audit + 2);
        assert!(db.audit_verify().await.expect("verify").ok);
    })
    .await;
}

/// A repeated upload is recorded without comparing its rows only while nothing of the file
/// can have changed: a value of another place, or a review step, leaves it a repeat; a
/// value of its own written since, or a file never uploaded, does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_upload_is_known_unchanged_only_when_it_is() {
    both(
        "a_repeated_upload_is_known_unchanged_only_when_it_is",
        |cx| async move {
            let db = &cx.db;
            let batch = vec![w("T01", "a", "2024", 1.0), w("T01", "b", "2024", 2.0)];
            let file = UploadInfo {
                file_name: "a.csv".into(),
                sha256: "cd".repeat(32),
                rows: 2,
            };
            let touched: std::collections::HashSet<(String, String)> = [
                ("T01".to_string(), "a".to_string()),
                ("T01".to_string(), "b".to_string()),
            ]
            .into();
            assert!(
                !db.repeat_upload(&file, "li", &touched)
                    .await
                    .expect("never uploaded"),
                "a file never uploaded is compared"
            );
            assert!(
                db.uploads(Some(&file.sha256))
                    .await
                    .expect("uploads")
                    .is_empty()
            );
            db.write_values(&checked(&batch), "li", Some(&file))
                .await
                .expect("first");
            let audit = cx.audit_rows().await;
            assert!(
                db.repeat_upload(&file, "li", &touched)
                    .await
                    .expect("repeat")
            );
            assert_eq!(cx.audit_rows().await, audit, "no audit row");
            let uploads = db.uploads(Some(&file.sha256)).await.expect("uploads");
            assert_eq!(
                (uploads.len(), uploads[0].changed, uploads[0].rows),
                (2, 0, 2)
            );

            // Another place's value, and a review step of the file's own: still a repeat.
            db.write_values(&checked(&[w("T01", "c", "2024", 9.0)]), "li", None)
                .await
                .expect("another place");
            db.transition(&[key("T01", "a", "2024")], &Transition::Submit, "li")
                .await
                .expect("submit");
            assert!(
                db.repeat_upload(&file, "li", &touched)
                    .await
                    .expect("repeat")
            );

            // One of its values changed since: compared again, nothing recorded.
            db.write_values(&checked(&[w("T01", "b", "2024", 2.5)]), "wang", None)
                .await
                .expect("changed");
            assert!(
                !db.repeat_upload(&file, "li", &touched)
                    .await
                    .expect("changed")
            );
            assert_eq!(
                db.uploads(Some(&file.sha256)).await.expect("uploads").len(),
                3
            );
            let out = db
                .write_values(&checked(&batch), "li", Some(&file))
                .await
                .expect("compared");
            assert_eq!((out.changes.len(), out.unchanged), (1, 1));
            // From that upload on, a repeat again.
            assert!(
                db.repeat_upload(&file, "li", &touched)
                    .await
                    .expect("repeat")
            );
            assert!(db.audit_verify().await.expect("verify").ok);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_value_fails_the_whole_batch() {
    both("an_approved_value_fails_the_whole_batch", |cx| async move {
        let db = &cx.db;
        db.write_values(
            &checked(&[w("T01", "a", "2024", 1.0), w("T01", "b", "2024", 2.0)]),
            "li",
            None,
        )
        .await
        .expect("write");
        let a = key("T01", "a", "2024");
        db.transition(std::slice::from_ref(&a), &Transition::Submit, "li")
            .await
            .expect("submit");
        db.transition(std::slice::from_ref(&a), &Transition::Approve, "office")
            .await
            .expect("approve");
        let before = db.load_values().await.expect("load");
        let audit = cx.audit_rows().await;

        let batch = [
            w("T01", "b", "2024", 20.0),
            w("T01", "a", "2024", 10.0),
            w("T01", "c", "2024", 30.0),
        ];
        match db.write_values(&checked(&batch), "li", None).await {
            Err(StoreError::Locked { key }) => assert_eq!(key, a),
            other => panic!("expected Locked, got {other:?}"),
        }
        assert_eq!(db.load_values().await.expect("load"), before);
        assert_eq!(cx.audit_rows().await, audit);

        // The same number again is not a change, so it passes even when approved.
        let same = db
            .write_values(&checked(&[w("T01", "a", "2024", 1.0)]), "li", None)
            .await
            .expect("same number");
        assert_eq!(same.unchanged, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_approves_a_figure_they_wrote_last() {
    both(
        "nobody_approves_a_figure_they_wrote_last",
        |cx| async move {
            let db = &cx.db;
            let (a, b) = (key("T01", "a", "2024"), key("T01", "b", "2024"));
            db.write_values(&checked(&[w("T01", "a", "2024", 1.0)]), "li", None)
                .await
                .expect("write a");
            db.write_values(&checked(&[w("T01", "b", "2024", 2.0)]), "office", None)
                .await
                .expect("write b");
            db.transition(&[a.clone(), b.clone()], &Transition::Submit, "li")
                .await
                .expect("submit");
            let before = db.load_values().await.expect("load");
            let audit = cx.audit_rows().await;
            // One of the batch is the approver's own figure: nothing of the batch changes.
            match db
                .transition(&[a.clone(), b.clone()], &Transition::Approve, "office")
                .await
            {
                Err(StoreError::SelfApproval { key }) => assert_eq!(key, b),
                other => panic!("expected SelfApproval, got {other:?}"),
            }
            match db
                .transition(std::slice::from_ref(&a), &Transition::Approve, "li")
                .await
            {
                Err(e @ StoreError::SelfApproval { .. }) => {
                    assert!(e.to_string().contains("不能自己审核"), "{e}")
                }
                other => panic!("expected SelfApproval, got {other:?}"),
            }
            assert_eq!(db.load_values().await.expect("load"), before);
            assert_eq!(cx.audit_rows().await, audit);
            // Someone else may approve each; rejecting one's own figure stays possible.
            db.transition(std::slice::from_ref(&a), &Transition::Approve, "office")
                .await
                .expect("another approves a");
            db.transition(
                std::slice::from_ref(&b),
                &Transition::Reject {
                    reason: "重填".into(),
                },
                "office",
            )
            .await
            .expect("the author sends b back");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_transitions() {
    both("review_transitions", |cx| async move {
        let db = &cx.db;
        let a = key("T01", "a", "2024");
        let b = key("T01", "b", "2024");
        db.write_values(
            &checked(&[w("T01", "a", "2024", 1.0), w("T01", "b", "2024", 2.0)]),
            "li",
            None,
        )
        .await
        .expect("write");
        let state = |k: ValueKey| {
            let db = db.clone();
            async move {
                db.get_values(&ValueFilter {
                    indicator: Some(k.indicator.clone()),
                    place: Some(k.place.clone()),
                    ..Default::default()
                })
                .await
                .expect("get")[0]
                    .state
            }
        };

        let ch = db
            .transition(&[a.clone(), b.clone()], &Transition::Submit, "li")
            .await
            .expect("submit");
        assert_eq!(ch.len(), 2);
        assert_eq!(ch[0].old.as_ref().map(|o| o.state), Some(ValueState::Draft));
        assert_eq!(
            ch[0].new.as_ref().map(|o| o.state),
            Some(ValueState::Submitted)
        );
        db.transition(std::slice::from_ref(&a), &Transition::Approve, "office")
            .await
            .expect("approve");
        assert_eq!(state(a.clone()).await, ValueState::Approved);

        // Illegal: submit an approved value; the batch fails whole (b stays submitted).
        match db
            .transition(&[b.clone(), a.clone()], &Transition::Approve, "office")
            .await
        {
            Err(StoreError::IllegalTransition { key, .. }) => assert_eq!(key, a),
            other => panic!("expected IllegalTransition, got {other:?}"),
        }
        assert_eq!(state(b.clone()).await, ValueState::Submitted);

        // A rejection needs a reason.
        match db
            .transition(
                std::slice::from_ref(&b),
                &Transition::Reject { reason: " ".into() },
                "office",
            )
            .await
        {
            Err(StoreError::IllegalTransition {
                error: StateError::ReasonRequired(_),
                ..
            }) => {}
            other => panic!("expected ReasonRequired, got {other:?}"),
        }
        db.transition(
            std::slice::from_ref(&b),
            &Transition::Reject {
                reason: "口径错误".into(),
            },
            "office",
        )
        .await
        .expect("reject");
        assert_eq!(state(b.clone()).await, ValueState::Draft);

        // Reopen the approved value with a reason; it becomes an editable draft.
        db.transition(
            std::slice::from_ref(&a),
            &Transition::Reopen {
                reason: "统计局更正".into(),
            },
            "office",
        )
        .await
        .expect("reopen");
        assert_eq!(state(a.clone()).await, ValueState::Draft);
        db.write_values(&checked(&[w("T01", "a", "2024", 1.5)]), "li", None)
            .await
            .expect("edit after reopen");

        let reopen = db
            .audit_query(&AuditFilter {
                action: Some("value.reopen".into()),
                ..Default::default()
            })
            .await
            .expect("audit");
        assert_eq!(reopen.len(), 1);
        assert_eq!(reopen[0].reason.as_deref(), Some("统计局更正"));
        assert_eq!(reopen[0].actor, "office");
        assert_eq!(reopen[0].entity, "T01@a@2024");
        let reject = db
            .audit_query(&AuditFilter {
                action: Some("value.reject".into()),
                ..Default::default()
            })
            .await
            .expect("audit");
        assert_eq!(reject[0].reason.as_deref(), Some("口径错误"));

        // A value that does not exist.
        assert!(matches!(
            db.transition(&[key("T01", "zz", "2024")], &Transition::Submit, "li")
                .await,
            Err(StoreError::NotFound(_))
        ));
        assert!(db.audit_verify().await.expect("verify").ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_values() {
    both("delete_values", |cx| async move {
        let db = &cx.db;
        db.write_values(
            &checked(&[w("T01", "a", "2024", 1.0), w("T01", "b", "2024", 2.0)]),
            "li",
            None,
        )
        .await
        .expect("write");
        let a = key("T01", "a", "2024");
        let b = key("T01", "b", "2024");
        db.transition(std::slice::from_ref(&b), &Transition::Submit, "li")
            .await
            .expect("submit");
        db.transition(std::slice::from_ref(&b), &Transition::Approve, "office")
            .await
            .expect("approve");

        match db
            .delete_values(&[a.clone(), b.clone()], "li", "重复填报")
            .await
        {
            Err(StoreError::Locked { key }) => assert_eq!(key, b),
            other => panic!("expected Locked, got {other:?}"),
        }
        assert_eq!(db.load_values().await.expect("load").len(), 2);
        assert!(matches!(
            db.delete_values(&[key("T01", "zz", "2024")], "li", "x")
                .await,
            Err(StoreError::NotFound(_))
        ));

        let gone = db
            .delete_values(std::slice::from_ref(&a), "li", "重复填报")
            .await
            .expect("delete");
        assert_eq!(gone.len(), 1);
        assert!(gone[0].new.is_none());
        assert_eq!(gone[0].old.as_ref().map(|o| o.value), Some(1.0));
        let left = db.load_values().await.expect("load");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].key, b);
        let audit = db
            .audit_query(&AuditFilter {
                action: Some("value.delete".into()),
                ..Default::default()
            })
            .await
            .expect("audit");
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].reason.as_deref(), Some("重复填报"));
        assert!(audit[0].new.is_none());
        assert!(audit[0].old.is_some());
        assert!(db.audit_verify().await.expect("verify").ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_query_filters() {
    both("audit_query_filters", |cx| async move {
        let db = &cx.db;
        db.write_values(
            &checked(&[w("T01", "a", "2024", 1.0), w("T02", "a", "2024", 2.0)]),
            "li",
            None,
        )
        .await
        .expect("write");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let middle = chrono::Utc::now().naive_utc();
        tokio::time::sleep(Duration::from_millis(20)).await;
        db.write_values(&checked(&[w("T01", "b", "2024", 3.0)]), "wang", None)
            .await
            .expect("write");
        db.save_places(places(), "admin").await.expect("places");

        let q = |f: AuditFilter| {
            let db = db.clone();
            async move { db.audit_query(&f).await.expect("query") }
        };
        assert_eq!(q(AuditFilter::default()).await.len(), 4);
        let by_place = q(AuditFilter {
            place: Some("a".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(by_place.len(), 2);
        let by_indicator = q(AuditFilter {
            indicator: Some("T01".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(by_indicator.len(), 2);
        assert!(by_indicator[0].seq > by_indicator[1].seq, "newest first");
        let by_actor = q(AuditFilter {
            actor: Some("wang".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(by_actor.len(), 1);
        assert_eq!(by_actor[0].place.as_deref(), Some("b"));
        assert_eq!(by_actor[0].period.as_deref(), Some("2024"));
        let since = q(AuditFilter {
            since: Some(middle),
            ..Default::default()
        })
        .await;
        assert_eq!(since.len(), 2);
        let until = q(AuditFilter {
            until: Some(middle),
            ..Default::default()
        })
        .await;
        assert_eq!(until.len(), 2);
        let combined = q(AuditFilter {
            indicator: Some("T01".into()),
            since: Some(middle),
            ..Default::default()
        })
        .await;
        assert_eq!(combined.len(), 1);
        let limited = q(AuditFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await;
        assert_eq!(limited.len(), 1);
        assert_eq!(limited[0].action, "places.save");
        assert!(
            limited[0]
                .new
                .as_deref()
                .unwrap_or("")
                .contains("\"inserted\":3")
        );
    })
    .await;
}

/// Five audited changes to tamper with.
async fn five_rows(db: &Arc<dyn Database>) {
    for i in 0..5 {
        db.write_values(&checked(&[w("T01", "a", "2024", i as f64)]), "li", None)
            .await
            .expect("write");
    }
    let report = db.audit_verify().await.expect("verify");
    assert!(report.ok, "{report:?}");
    assert_eq!((report.rows, report.head_seq), (5, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_is_append_only() {
    both("audit_is_append_only", |cx| async move {
        five_rows(&cx.db).await;
        assert!(
            cx.exec("UPDATE audit SET actor = 'x' WHERE seq = 2")
                .await
                .is_err()
        );
        assert!(cx.exec("DELETE FROM audit WHERE seq = 5").await.is_err());
        assert!(cx.exec("DELETE FROM audit_head").await.is_err());
        assert!(cx.exec("UPDATE audit_head SET seq = 3").await.is_err());
        assert!(cx.db.audit_verify().await.expect("verify").ok);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_replays_the_values_against_the_table() {
    both(
        "audit_verify_replays_the_values_against_the_table",
        |cx| async move {
            five_rows(&cx.db).await;
            cx.db
                .write_values(&checked(&[w("T02", "b", "2024", 2.0)]), "li", None)
                .await
                .expect("write b");
            // The chain is intact; the table is changed around the application.
            cx.exec("UPDATE observations SET value = 99 WHERE indicator = 'T01' AND place = 'a'")
                .await
                .expect("edit a value");
            cx.exec(
                "INSERT INTO observations (indicator, place, period, component, value, state, \
             reporter, reported_at, comment) \
             VALUES ('T05', 'c', '2024', 'value', 1, 'approved', 'x', '2024-01-01 00:00:00', '')",
            )
            .await
            .expect("add a value");
            cx.exec("DELETE FROM observations WHERE indicator = 'T02' AND place = 'b'")
                .await
                .expect("remove a value");
            let report = cx.db.audit_verify().await.expect("verify");
            assert!(!report.ok, "{report:?}");
            let all = report.problems.join("\n");
            assert!(
                all.contains("T01@a@2024") && all.contains("与审计记录不符"),
                "{all}"
            );
            assert!(
                all.contains("T05@c@2024") && all.contains("没有对应的写入"),
                "{all}"
            );
            assert!(
                all.contains("T02@b@2024") && all.contains("表中不存在"),
                "{all}"
            );
            assert_eq!(report.problems.len(), 3, "{all}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_detects_an_edited_row() {
    both("audit_verify_detects_an_edited_row", |cx| async move {
        five_rows(&cx.db).await;
        cx.drop_audit_triggers().await;
        let n = cx
            .exec("UPDATE audit SET new = '{\"value\":1000000}' WHERE seq = 3")
            .await
            .expect("tamper");
        assert_eq!(n, 1);
        let report = cx.db.audit_verify().await.expect("verify");
        assert!(!report.ok);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("记录 3 的哈希不符")),
            "{report:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_detects_a_deleted_middle_row() {
    both(
        "audit_verify_detects_a_deleted_middle_row",
        |cx| async move {
            five_rows(&cx.db).await;
            cx.drop_audit_triggers().await;
            cx.exec("DELETE FROM audit WHERE seq = 3")
                .await
                .expect("tamper");
            let report = cx.db.audit_verify().await.expect("verify");
            assert!(!report.ok);
            assert_eq!(report.rows, 4);
            assert!(
                report.problems.iter().any(|p| p.contains("序号 3–3")),
                "{report:?}"
            );
            assert!(
                report
                    .problems
                    .iter()
                    .any(|p| p.contains("记录 4 的前序哈希")),
                "{report:?}"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_detects_a_deleted_tail() {
    both("audit_verify_detects_a_deleted_tail", |cx| async move {
        five_rows(&cx.db).await;
        cx.drop_audit_triggers().await;
        cx.exec("DELETE FROM audit WHERE seq = 5")
            .await
            .expect("tamper");
        let report = cx.db.audit_verify().await.expect("verify");
        assert!(!report.ok);
        assert!(
            report.problems.iter().any(|p| p.contains("末尾记录被删除")),
            "{report:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_keep_the_chain() {
    both("concurrent_writers_keep_the_chain", |cx| async move {
        // Separate handles on the same database, as separate processes would have.
        let mut tasks = Vec::new();
        for t in 0..4 {
            let db = youxiang_store::connect(&cx.url).await.expect("connect");
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    let batch = [
                        w("T01", &format!("w{t}"), "2024", i as f64),
                        w("T02", &format!("w{t}-{i}"), "2024", 1.0),
                    ];
                    db.write_values(&checked(&batch), &format!("writer{t}"), None)
                        .await
                        .expect("concurrent write");
                }
            }));
        }
        for t in tasks {
            t.await.expect("writer task");
        }
        let report = cx.db.audit_verify().await.expect("verify");
        assert!(report.ok, "{report:?}");
        assert_eq!(report.rows, 4 * 25 * 2);
        assert_eq!(cx.db.load_values().await.expect("load").len(), 4 + 4 * 25);
    })
    .await;
}

/// 1,000,000 new values with their audit rows in one `write_values`, on each backend (the
/// aim, 15 s, is SQLite's).
/// `cargo test -p youxiang-store --release -- --ignored bulk --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: a million rows (run with --release)"]
async fn bulk_write_a_million() {
    both_bare("bulk_write_a_million", |cx| async move {
        let db = &cx.db;
        let on = cx.backend();
        let places: Vec<String> = (0..1_000_000 / 80).map(|p| format!("3309{p:08}")).collect();
        let (plan, tree) = known_plan_and_tree(&places);
        db.save_plan(&plan, "bulk").await.expect("plan");
        db.save_places(tree.places().to_vec(), "bulk")
            .await
            .expect("places");
        let writes: Vec<ValueWrite> = (0..1_000_000)
            .map(|i| {
                w(
                    // T04–T83: plain yearly numbers (T03 is a monthly ratio).
                    &format!("T{:02}", 4 + i % 80),
                    &places[i / 80],
                    "2024",
                    i as f64,
                )
            })
            .collect();
        let writes = checked_with(&plan, &tree, &writes);
        let t = Instant::now();
        let out = db
            .write_values(&writes, "bulk", None)
            .await
            .expect("bulk write");
        let took = t.elapsed();
        println!("write_values: 1,000,000 new rows with audit on {on:?} in {took:.2?}");
        assert_eq!(out.changes.len(), 1_000_000);
        let t = Instant::now();
        let again = db.write_values(&writes, "bulk", None).await.expect("again");
        println!(
            "write_values: the same million again (all unchanged) on {on:?} in {:.2?}",
            t.elapsed()
        );
        assert_eq!(again.unchanged, 1_000_000);
        let t = Instant::now();
        assert_eq!(db.load_values().await.expect("load").len(), 1_000_000);
        println!("load_values: a million on {on:?} in {:.2?}", t.elapsed());
        let t = Instant::now();
        assert!(db.audit_verify().await.expect("verify").ok);
        println!(
            "audit_verify: a million rows on {on:?} in {:.2?}",
            t.elapsed()
        );
        // The aim holds for an optimised build only.
        if on == Backend::Sqlite && !cfg!(debug_assertions) {
            assert!(took < Duration::from_secs(15), "took {took:?}");
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Management records and attachments.

fn rec(id: &str, n: i64, version: Option<i64>) -> youxiang_store::RecordWrite {
    youxiang_store::RecordWrite::of(
        "order",
        id,
        &serde_json::json!({"title": "督办", "n": n}),
        version,
        "order.raise",
    )
    .expect("body")
    .unit("区卫健局")
    .state("registered")
    .due(chrono::NaiveDate::from_ymd_opt(2025, 7, 1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_versioned_all_or_nothing_and_audited() {
    both(
        "records_are_versioned_all_or_nothing_and_audited",
        |cx| async move {
            let db = &cx.db;
            let saved = db
                .put_records(
                    &[rec("DB-2025-0001", 1, None), rec("DB-2025-0002", 2, None)],
                    "office",
                )
                .await
                .expect("insert");
            assert_eq!(saved[0].version, 1);
            // Inserting again is a conflict; a stale version too; nothing of the batch lands.
            let err = db
                .put_records(
                    &[
                        rec("DB-2025-0001", 9, Some(1)),
                        rec("DB-2025-0002", 9, None),
                    ],
                    "office",
                )
                .await
                .expect_err("exists");
            assert!(matches!(err, StoreError::Conflict(_)), "{err}");
            let one = db
                .get_record("order", "DB-2025-0001")
                .await
                .expect("get")
                .expect("some");
            assert_eq!(
                one.body["n"], 1,
                "the first write of the failed batch was rolled back"
            );
            let changed = db
                .put_records(
                    &[rec("DB-2025-0001", 3, Some(1))
                        .state("assigned")
                        .note("交办")],
                    "office",
                )
                .await
                .expect("update");
            assert_eq!(changed[0].version, 2);
            let err = db
                .put_records(&[rec("DB-2025-0001", 4, Some(1))], "wjj")
                .await
                .expect_err("stale");
            assert!(err.to_string().contains("已被他人修改"), "{err}");
            let err = db
                .put_records(&[rec("DB-2025-0009", 4, Some(1))], "wjj")
                .await
                .expect_err("missing");
            assert!(matches!(err, StoreError::NotFound(_)), "{err}");
            let one = db
                .get_record("order", "DB-2025-0001")
                .await
                .expect("get")
                .expect("some");
            assert_eq!(
                (one.version, one.state.as_str(), one.body["n"].as_i64()),
                (2, "assigned", Some(3))
            );
            assert_eq!(one.created_by, "office");

            let mut filter = youxiang_store::RecordFilter::kind("order");
            assert_eq!(db.list_records(&filter).await.expect("list").len(), 2);
            filter.state = Some("assigned".into());
            assert_eq!(db.list_records(&filter).await.expect("list").len(), 1);
            filter.state = None;
            filter.due_by = chrono::NaiveDate::from_ymd_opt(2025, 6, 30);
            assert!(db.list_records(&filter).await.expect("list").is_empty());
            filter.due_by = None;
            filter.id_prefix = Some("DB-2025-000".into());
            filter.unit = Some("区卫健局".into());
            assert_eq!(db.list_records(&filter).await.expect("list").len(), 2);
            assert!(
                db.list_records(&youxiang_store::RecordFilter::kind("notice"))
                    .await
                    .expect("list")
                    .is_empty()
            );

            let trail = db
                .audit_query(&AuditFilter {
                    action: Some("order.raise".into()),
                    ..AuditFilter::default()
                })
                .await
                .expect("audit");
            assert_eq!(trail.len(), 3, "two inserts and one change");
            let change = trail
                .iter()
                .find(|e| e.reason.as_deref() == Some("交办"))
                .expect("note kept");
            assert!(change.old.as_deref().unwrap_or("").contains("\"n\":1"));
            assert!(db.audit_verify().await.expect("verify").ok);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_and_its_files_are_kept_in_one_transaction() {
    both(
        "a_record_and_its_files_are_kept_in_one_transaction",
        |cx| async move {
            let db = &cx.db;
            db.put_records(&[rec("DB-2025-0009", 1, None)], "office")
                .await
                .expect("insert");
            let file = youxiang_store::NewAttachment {
                name: "证明材料.txt".into(),
                mime: "text/plain".into(),
                bytes: "办结证明".repeat(100).into_bytes(),
            };
            let id = youxiang_store::attachment_id(&file.bytes);
            // The record's write fails (a stale version): its file is not kept either.
            let err = db
                .put_records_with_files(
                    &[rec("DB-2025-0009", 2, Some(7))],
                    std::slice::from_ref(&file),
                    "office",
                )
                .await
                .expect_err("stale");
            assert!(matches!(err, StoreError::Conflict(_)), "{err}");
            assert!(db.get_attachment(&id).await.expect("get").is_none());
            // It succeeds: both are there, each audited once.
            db.put_records_with_files(
                &[rec("DB-2025-0009", 2, Some(1))],
                std::slice::from_ref(&file),
                "office",
            )
            .await
            .expect("record and file");
            let (meta, bytes) = db.get_attachment(&id).await.expect("get").expect("kept");
            assert_eq!(
                (meta.name.as_str(), bytes),
                ("证明材料.txt", file.bytes.clone())
            );
            db.put_records_with_files(
                &[rec("DB-2025-0009", 3, Some(2))],
                std::slice::from_ref(&file),
                "office",
            )
            .await
            .expect("the same file again");
            let trail = db
                .audit_query(&AuditFilter {
                    action: Some("attachment.upload".into()),
                    ..AuditFilter::default()
                })
                .await
                .expect("audit");
            assert_eq!(trail.len(), 1, "a file already kept is not audited again");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_kept_once_by_content() {
    both("attachments_are_kept_once_by_content", |cx| async move {
        let db = &cx.db;
        let bytes = "整改报告\n".repeat(1000).into_bytes();
        let a = db
            .put_attachment("整改报告.txt", "text/plain", &bytes, "wjj")
            .await
            .expect("put");
        let b = db
            .put_attachment("copy.txt", "text/plain", &bytes, "jyj")
            .await
            .expect("again");
        assert_eq!(a, b, "the same bytes are kept once, under the first name");
        let (meta, back) = db
            .get_attachment(&a.sha256)
            .await
            .expect("get")
            .expect("some");
        assert_eq!((meta.size as usize, back), (bytes.len(), bytes));
        assert!(db.get_attachment("00").await.expect("get").is_none());
        let err = db
            .put_attachment("../etc/passwd", "text/plain", b"x", "wjj")
            .await
            .expect_err("name");
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let trail = db
            .audit_query(&AuditFilter {
                action: Some("attachment.upload".into()),
                ..AuditFilter::default()
            })
            .await
            .expect("audit");
        assert_eq!(trail.len(), 1);
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Where an audited action came from, and the replay of records.

/// The hash every row had before origins existed: SHA-256(prev ‖ "\n" ‖ the 11 fields).
fn legacy_hash(e: &youxiang_store::AuditEntry) -> String {
    use sha2::{Digest, Sha256};
    let canonical = serde_json::json!([
        e.seq,
        youxiang_store::audit::canonical_time(&e.at),
        e.actor,
        e.action,
        e.entity,
        e.place,
        e.indicator,
        e.period,
        e.old,
        e.new,
        e.reason,
    ]);
    let digest = Sha256::digest(format!("{}\n{canonical}", e.prev_hash).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_origin_of_an_action_is_stored_and_hashed() {
    both(
        "the_origin_of_an_action_is_stored_and_hashed",
        |cx| async move {
            let db = &cx.db;
            db.write_values(&checked(&[w("T01", "a", "2024", 1.0)]), "li", None)
                .await
                .expect("web write");
            db.set_origin(Some("cli:root@host-1".into()));
            assert_eq!(db.origin().as_deref(), Some("cli:root@host-1"));
            db.write_values(&checked(&[w("T01", "a", "2024", 2.0)]), "li", None)
                .await
                .expect("command-line write");
            db.put_records(&[rec("DB-2025-0100", 1, None)], "li")
                .await
                .expect("command-line record");
            db.set_origin(Some("  ".into()));
            assert_eq!(db.origin(), None, "a blank origin is none");
            db.write_values(&checked(&[w("T01", "a", "2024", 3.0)]), "li", None)
                .await
                .expect("web write again");
            // A second handle, without an origin of its own, reads what the first stored.
            let other = youxiang_store::connect(&cx.url)
                .await
                .expect("second handle");
            let rows = other
                .audit_query(&AuditFilter::default())
                .await
                .expect("query");
            let origins: Vec<(i64, Option<&str>)> = rows
                .iter()
                .rev()
                .map(|e| (e.seq, e.origin.as_deref()))
                .collect();
            assert_eq!(
                origins,
                vec![
                    (1, None),
                    (2, Some("cli:root@host-1")),
                    (3, Some("cli:root@host-1")),
                    (4, None)
                ]
            );
            // A row without an origin hashes exactly as rows did before origins existed.
            for e in &rows {
                assert_eq!(
                    e.hash == legacy_hash(e),
                    e.origin.is_none(),
                    "row {}",
                    e.seq
                );
            }
            assert!(other.audit_verify().await.expect("verify").ok);
            // The append-only triggers cover the new column.
            assert!(
                cx.exec("UPDATE audit SET origin = NULL WHERE seq = 2")
                    .await
                    .is_err()
            );
            assert!(
                cx.exec("UPDATE audit SET origin = 'cli:x@y' WHERE seq = 1")
                    .await
                    .is_err()
            );
            // Past them: passing a command-line action off as a web one, or the reverse,
            // breaks the row's hash.
            cx.drop_audit_triggers().await;
            cx.exec("UPDATE audit SET origin = NULL WHERE seq = 2")
                .await
                .expect("clear");
            cx.exec("UPDATE audit SET origin = 'cli:x@y' WHERE seq = 4")
                .await
                .expect("add");
            let report = db.audit_verify().await.expect("verify");
            let all = report.problems.join("\n");
            assert!(!report.ok);
            assert!(
                all.contains("记录 2 的哈希不符") && all.contains("记录 4 的哈希不符"),
                "{all}"
            );
            assert_eq!(report.problems.len(), 2, "{all}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_replays_the_records_against_the_table() {
    both(
        "audit_verify_replays_the_records_against_the_table",
        |cx| async move {
            let db = &cx.db;
            db.put_records(
                &[
                    rec("DB-2025-0001", 1, None),
                    rec("DB-2025-0002", 2, None),
                    rec("DB-2025-0003", 3, None),
                ],
                "office",
            )
            .await
            .expect("insert");
            db.put_records(
                &[rec("DB-2025-0001", 4, Some(1))
                    .state("assigned")
                    .note("交办")],
                "wjj",
            )
            .await
            .expect("update");
            // Each audit row carries the record's whole stored state.
            let trail = db
                .audit_query(&AuditFilter {
                    action: Some("order.raise".into()),
                    ..AuditFilter::default()
                })
                .await
                .expect("audit");
            let latest = trail
                .iter()
                .find(|e| e.entity == "order:DB-2025-0001")
                .expect("the update's row");
            let new: serde_json::Value =
                serde_json::from_str(latest.new.as_deref().unwrap_or_default()).expect("json");
            assert_eq!(
                (
                    new["$record"].as_i64(),
                    new["unit"].as_str(),
                    new["state"].as_str(),
                    new["due"].as_str(),
                    new["version"].as_i64(),
                    new["created_by"].as_str(),
                    new["body"]["n"].as_i64()
                ),
                (
                    Some(1),
                    Some("区卫健局"),
                    Some("assigned"),
                    Some("2025-07-01"),
                    Some(2),
                    Some("office"),
                    Some(4)
                )
            );
            let old: serde_json::Value =
                serde_json::from_str(latest.old.as_deref().unwrap_or_default()).expect("json");
            assert_eq!(
                (old["state"].as_str(), old["version"].as_i64()),
                (Some("registered"), Some(1))
            );
            assert!(db.audit_verify().await.expect("verify").ok);

            // Changed, added and removed around the application, the chain intact.
            cx.exec(
                "UPDATE records SET state = 'done', version = 3 WHERE id = 'DB-2025-0001'",
            )
            .await
            .expect("edit the state");
            cx.exec(
                r#"UPDATE records SET body = '{"n":20,"title":"督办"}' WHERE id = 'DB-2025-0002'"#,
            )
            .await
            .expect("edit the body");
            cx.exec("DELETE FROM records WHERE id = 'DB-2025-0003'")
                .await
                .expect("remove");
            cx.exec(
                "INSERT INTO records (kind, id, unit, state, due, body, version, created_at, \
                 created_by, updated_at, updated_by) VALUES ('order', 'DB-2025-0099', '区卫健局', \
                 'registered', NULL, '{}', 1, '2025-01-01 00:00:00', 'x', '2025-01-01 00:00:00', 'x')",
            )
            .await
            .expect("add");
            let report = db.audit_verify().await.expect("verify");
            assert!(!report.ok);
            let all = report.problems.join("\n");
            let line = |needle: &str| {
                report
                    .problems
                    .iter()
                    .find(|p| p.contains(needle))
                    .cloned()
                    .unwrap_or_else(|| panic!("no line on {needle}:\n{all}"))
            };
            let edited = line("order:DB-2025-0001");
            assert!(
                edited.contains("与审计记录不符")
                    && edited.contains("状态:表中“done”,审计“assigned”")
                    && edited.contains("版本:表中“3”,审计“2”"),
                "{edited}"
            );
            let body = line("order:DB-2025-0002");
            assert!(body.contains("内容不同:字段 n"), "{body}");
            assert!(line("order:DB-2025-0003").contains("表中不存在"), "{all}");
            assert!(line("order:DB-2025-0099").contains("没有对应的写入"), "{all}");
            assert_eq!(report.problems.len(), 4, "{all}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_audited_before_0005_is_replayed_by_its_body() {
    both(
        "a_record_audited_before_0005_is_replayed_by_its_body",
        |cx| async move {
            // A record and its audit row as written before migration 0005: `new` is the
            // body alone.
            let body = r#"{"n":1,"title":"督办"}"#;
            let time = "2025-03-01 08:00:00.123456";
            let at = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S%.f")
                .expect("time");
            let mut e = youxiang_store::AuditEntry {
                seq: 1,
                at,
                actor: "office".into(),
                action: "order.raise".into(),
                entity: "order:DB-2024-0001".into(),
                place: None,
                indicator: None,
                period: None,
                old: None,
                new: Some(body.into()),
                reason: None,
                prev_hash: youxiang_store::audit::GENESIS.into(),
                hash: String::new(),
                origin: None,
            };
            e.hash = youxiang_store::audit::row_hash(&e.prev_hash, &e);
            assert_eq!(e.hash, legacy_hash(&e));
            cx.exec_owned(format!(
                "INSERT INTO audit (seq, at, actor, action, entity, new, prev_hash, hash) \
                 VALUES (1, '{time}', 'office', 'order.raise', 'order:DB-2024-0001', '{body}', \
                 '{}', '{}')",
                e.prev_hash, e.hash
            ))
            .await
            .expect("an audit row of before");
            cx.exec_owned(format!(
                "UPDATE audit_head SET seq = 1, hash = '{}' WHERE id = 1",
                e.hash
            ))
            .await
            .expect("head");
            cx.exec_owned(format!(
                "INSERT INTO records (kind, id, unit, state, due, body, version, created_at, \
                 created_by, updated_at, updated_by) VALUES ('order', 'DB-2024-0001', '区卫健局', \
                 'registered', NULL, '{body}', 1, '{time}', 'office', '{time}', 'office')"
            ))
            .await
            .expect("its record");
            let report = cx.db.audit_verify().await.expect("verify");
            assert!(report.ok, "{report:?}");

            // Its body, version and authors are replayed from the rows of before …
            cx.exec(
                r#"UPDATE records SET body = '{"n":2,"title":"督办"}', updated_by = 'x' WHERE id = 'DB-2024-0001'"#,
            )
            .await
            .expect("edit the body");
            let report = cx.db.audit_verify().await.expect("verify");
            let all = report.problems.join("\n");
            assert!(
                all.contains("order:DB-2024-0001")
                    && all.contains("内容不同:字段 n")
                    && all.contains("修改人:表中“x”,审计“office”"),
                "{all}"
            );
            assert_eq!(report.problems.len(), 1, "{all}");
            cx.exec_owned(format!(
                "UPDATE records SET body = '{body}', updated_by = 'office' WHERE id = 'DB-2024-0001'"
            ))
            .await
            .expect("put it back");
            assert!(cx.db.audit_verify().await.expect("verify").ok);

            // … its next change carries the whole state, and from then on the state is
            // replayed too.
            cx.db
                .put_records(&[rec("DB-2024-0001", 5, Some(1))], "wjj")
                .await
                .expect("a change after the upgrade");
            assert!(cx.db.audit_verify().await.expect("verify").ok);
            cx.exec("UPDATE records SET state = 'closed' WHERE id = 'DB-2024-0001'")
                .await
                .expect("edit the state");
            let report = cx.db.audit_verify().await.expect("verify");
            let all = report.problems.join("\n");
            assert!(
                all.contains("状态:表中“closed”,审计“registered”"),
                "{all}"
            );
        },
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Where the backends used to differ.

/// A limit beyond `i64` is no limit on both backends (it wrapped to -1: no limit on SQLite,
/// an error on PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_beyond_i64_is_no_limit() {
    both("a_limit_beyond_i64_is_no_limit", |cx| async move {
        let db = &cx.db;
        let batch = [w("T01", "a", "2024", 1.0), w("T01", "b", "2024", 2.0)];
        db.write_values(&checked(&batch), "li", None)
            .await
            .expect("write");
        let audit = db
            .audit_query(&AuditFilter {
                limit: Some(usize::MAX),
                ..Default::default()
            })
            .await
            .expect("audit query");
        assert_eq!(audit.len(), 2);
        let page = db.values_page(None, usize::MAX).await.expect("page");
        assert_eq!(page.len(), 2);
        let after = db
            .values_page(Some(&page[0].key), usize::MAX)
            .await
            .expect("page after");
        assert_eq!(after.len(), 1);
        let values = db
            .get_values(&ValueFilter {
                limit: Some(usize::MAX),
                ..Default::default()
            })
            .await
            .expect("values");
        assert_eq!(values.len(), 2);
    })
    .await;
}

/// Text with the character U+0000 is refused alike, as `Invalid`, by writes and reads
/// (SQLite kept it; PostgreSQL failed with a backend error), and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_with_a_nul_character_is_refused_on_both_backends() {
    both(
        "text_with_a_nul_character_is_refused_on_both_backends",
        |cx| async move {
            let db = &cx.db;
            let invalid = |r: Result<(), StoreError>, what: &str| match r {
                Err(StoreError::Invalid(m)) => assert!(m.contains("U+0000"), "{what}: {m}"),
                other => panic!("{what}: expected Invalid, got {other:?}"),
            };
            let nul = ValueWrite {
                comment: "说明\0".into(),
                ..w("T01", "a", "2024", 1.0)
            };
            let r = db.write_values(&checked(&[nul]), "li", None).await;
            invalid(r.map(|_| ()), "a comment");
            let r = db
                .write_values(&checked(&[w("T01", "a", "2024", 1.0)]), "li\0", None)
                .await;
            invalid(r.map(|_| ()), "an actor");
            let file = UploadInfo {
                file_name: "表\0.xlsx".into(),
                sha256: "ab".repeat(32),
                rows: 1,
            };
            let r = db
                .write_values(&checked(&[w("T01", "a", "2024", 1.0)]), "li", Some(&file))
                .await;
            invalid(r.map(|_| ()), "a file name");
            assert!(db.load_values().await.expect("load").is_empty());

            let a = key("T01", "a", "2024");
            db.write_values(&checked(&[w("T01", "a", "2024", 1.0)]), "li", None)
                .await
                .expect("write");
            let audit = cx.audit_rows().await;
            let r = db
                .delete_values(std::slice::from_ref(&a), "li", "重复\0")
                .await;
            invalid(r.map(|_| ()), "a reason");
            let reject = Transition::Reject {
                reason: "退回\0".into(),
            };
            let r = db
                .transition(std::slice::from_ref(&a), &reject, "office")
                .await;
            invalid(r.map(|_| ()), "a rejection");
            let unit = [rec("DB-2025-0001", 1, None).unit("科\0")];
            let r = db.put_records(&unit, "office").await;
            invalid(r.map(|_| ()), "a record's unit");
            let note = [rec("DB-2025-0001", 1, None).note("交办\0")];
            let r = db.put_records(&note, "office").await;
            invalid(r.map(|_| ()), "a record's note");
            let mut town = place("330902001", None, Level::Town);
            town.name = "街道\0".into();
            invalid(
                db.save_places(vec![town], "admin").await.map(|_| ()),
                "a place",
            );
            let user = Reporter {
                login: "li".into(),
                name: "李四\0".into(),
                unit: "区卫健局".into(),
                role: Role::TownReporter,
                scope: Scope::default(),
            };
            let r = db.save_reporters(vec![user], "admin").await;
            invalid(r.map(|_| ()), "a user");
            let r = db.save_plan(&plan(1, "方案\0"), "office").await;
            invalid(r.map(|_| ()), "a plan");
            assert_eq!(cx.audit_rows().await, audit, "nothing was written");
            assert_eq!(db.load_values().await.expect("load").len(), 1);

            let r = db
                .get_values(&ValueFilter {
                    place: Some("a\0".into()),
                    ..Default::default()
                })
                .await;
            invalid(r.map(|_| ()), "a filter");
            invalid(
                db.get_record("order", "DB\0").await.map(|_| ()),
                "a record id",
            );
            assert!(db.audit_verify().await.expect("verify").ok);
        },
    )
    .await;
}

/// A figure's source (数据来源, migration 0008) is stored, read back, compared as part of
/// the figure (the same number with another source is a change), kept in the audit rows
/// and replayed by `audit verify` — alike on both backends; none named reads back empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_figures_source_is_stored_audited_and_replayed_on_both_backends() {
    both(
        "a_figures_source_is_stored_audited_and_replayed_on_both_backends",
        |cx| async move {
            let db = &cx.db;
            let (plan, tree) = known_plan_and_tree(&[]);
            let with = |value: f64, source: &str| {
                vec![
                    CheckedWrite::check_with_source(
                        &plan,
                        &tree,
                        key("T01", "a", "2024"),
                        value,
                        String::new(),
                        source.into(),
                    )
                    .expect("a sound write"),
                ]
            };
            let out = db
                .write_values(&with(1.0, "浙里健康"), "li", None)
                .await
                .expect("write");
            assert_eq!(out.changes.len(), 1);
            let out = db
                .write_values(&with(1.0, "浙里健康"), "li", None)
                .await
                .expect("same");
            assert_eq!((out.changes.len(), out.unchanged), (0, 1));
            let out = db
                .write_values(&with(1.0, "统计年鉴"), "li", None)
                .await
                .expect("new source");
            assert_eq!(out.changes.len(), 1, "another source is a change");
            let stored = db.load_values().await.expect("load");
            assert_eq!(stored[0].source, "统计年鉴");
            db.write_values(&checked(&[w("T01", "b", "2024", 2.0)]), "li", None)
                .await
                .expect("no source");
            let stored = db.load_values().await.expect("load");
            let b = stored.iter().find(|o| o.key.place == "b").expect("b");
            assert_eq!(b.source, "");
            let audit = db
                .audit_query(&AuditFilter {
                    place: Some("a".into()),
                    ..Default::default()
                })
                .await
                .expect("audit");
            assert!(
                audit[0]
                    .new
                    .as_deref()
                    .is_some_and(|n| n.contains("\"source\":\"统计年鉴\"")),
                "{audit:#?}"
            );
            let report = db.audit_verify().await.expect("verify");
            assert!(report.ok, "{report:#?}");
        },
    )
    .await;
}
