//! The application service tested on the demo: the management loop end to end
//! on the demo database (SQLite in a temporary folder), through the same calls the CLI and
//! the web make.

use chrono::{Duration, NaiveDate};
use youxiang_app::manage::{OrderFilter, RankBy};
use youxiang_app::{App, AppError, ReportFormat};
use youxiang_core::manage::{
    FilerKind, IsoWeek, Milestone, OrderAction, OrderDraft, OrderSource, OrderState, ReviewCheck,
    ReviewChecklist, WeekItem, WeekItemStatus,
};
use youxiang_core::period::Period;

mod boundaries;
mod circle;
mod circle_official;
mod task_targets;
mod yearly;

const PLAN: &str = include_str!("../../../plans/dinghai-qiyouxiang.toml");
const PLACES: &str = include_str!("../../../data/dinghai-places.csv");

/// A copy of the demo database (loaded once per build of this test binary and shared by its
/// processes: loading it takes a minute in a debug build), opened in a folder of its own.
async fn demo(name: &str) -> (App, tempfile::TempDir) {
    let template = youxiang_testkit::built_once("demoapp", |path| {
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let url = format!("sqlite://{}", path.display());
                let plan = youxiang_plantext::planfile::load(PLAN).expect("plan");
                let places =
                    youxiang_ingest::read_places(PLACES.as_bytes(), "places.csv").expect("places");
                let app = App::init(&url, &plan, places, "test").await.expect("init");
                youxiang_demo::load_demo(&app).await.expect("demo");
            });
            drop(rt);
            youxiang_testkit::wait_for_sqlite_checkpoint(&path);
        })
        .join()
        .expect("demo thread");
    });
    let dir = youxiang_testkit::scratch_dir(&format!("app{name}"));
    let db = dir.path().join("app.db");
    youxiang_testkit::copy_sqlite(&template, &db);
    let app = App::open(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the demo");
    (app, dir)
}

fn today() -> NaiveDate {
    chrono::Utc::now().naive_utc().date()
}

fn month(text: &str) -> Period {
    text.parse().expect("period")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_loop_end_to_end() {
    let (app, dir) = demo("loop").await;

    // Red lights raised orders by themselves while the demo values were written, each
    // assigned to a unit, and the unit was told.
    let office = app
        .orders("office", &OrderFilter::default(), today())
        .await
        .expect("orders");
    let red: Vec<_> = office
        .iter()
        .filter(|o| matches!(o.item.source, OrderSource::RedLight { .. }))
        .collect();
    assert!(
        !red.is_empty(),
        "the demo has red lights, so orders were raised"
    );
    assert!(red.iter().all(|o| o.item.state == OrderState::Assigned));
    // A second sweep raises nothing more (idempotent).
    let again = app.sweep(today()).await.expect("sweep");
    assert!(again.raised.is_empty(), "{:?}", again.raised);

    // An order by hand through its states, with the roles checked.
    let draft = OrderDraft {
        id: String::new(),
        title: "托位建设进度督办".into(),
        body: String::new(),
        source: OrderSource::Manual,
        lead_unit: "区卫健局".into(),
        partner_units: vec![],
        deadline: today() + Duration::days(7),
    };
    let err = app
        .raise_order("wjj", draft.clone(), true)
        .await
        .expect_err("not office");
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    // A unit no user belongs to: refused with the reason, never sent into a void.
    let void = OrderDraft {
        lead_unit: "区自然资源和规划局".into(),
        ..draft.clone()
    };
    let err = app
        .raise_order("office", void, true)
        .await
        .expect_err("nobody to receive it");
    assert!(
        err.to_string().contains("区自然资源和规划局")
            && err.to_string().contains("没有在用的用户"),
        "{err}"
    );
    // Every unit that leads an indicator in the plan has a user in the demo (sports:
    // 区文广旅体局; 避灾安置: 区应急管理局).
    let leads: Vec<(String, String)> = app
        .read()
        .plan
        .indicators
        .iter()
        .map(|i| (i.code.clone(), i.lead_unit.clone()))
        .collect();
    for (code, unit) in leads {
        assert!(app.unit_has_user(&unit), "{code}: {unit}");
    }
    // And every unit the plan names anywhere — lead or partner of an indicator or a key
    // task, lead of a project — so that no order or reminder goes into a void.
    let named = youxiang_core::units::named_units(&app.read().plan);
    for (unit, at) in named {
        assert!(app.unit_has_user(&unit), "{at}: {unit}");
    }
    let o = app.raise_order("office", draft, true).await.expect("raise");
    assert!(o.item.id.starts_with("DB-"), "{}", o.item.id);
    let inbox = app.inbox("wjj").await.expect("inbox");
    assert!(
        inbox.iter().any(|n| n.link.ends_with(&o.item.id)),
        "the lead unit is told"
    );
    // A town's reporter cannot answer a department's order.
    let town = app
        .read()
        .reporters
        .iter()
        .find(|r| r.login.starts_with("town-"))
        .expect("town")
        .login
        .clone();
    let err = app
        .act_on_order(&town, &o.item.id, OrderAction::Accept, o.version)
        .await
        .expect_err("not the lead unit");
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    let o = app
        .act_on_order("wjj", &o.item.id, OrderAction::Accept, o.version)
        .await
        .expect("accept");
    // A stale version is refused, nothing changes.
    let err = app
        .act_on_order(
            "wjj",
            &o.item.id,
            OrderAction::Feedback {
                text: "旧页面".into(),
            },
            o.version - 1,
        )
        .await
        .expect_err("stale");
    assert!(err.to_string().contains("已被他人修改"), "{err}");
    let o = app
        .act_on_order(
            "wjj",
            &o.item.id,
            OrderAction::RequestExtension {
                new_deadline: today() + Duration::days(20),
                reason: "需协调用地".into(),
            },
            o.version,
        )
        .await
        .expect("extension asked before the deadline");
    let o = app
        .act_on_order(
            "office",
            &o.item.id,
            OrderAction::DecideExtension { approve: true },
            o.version,
        )
        .await
        .expect("decide");
    assert_eq!(o.item.deadline, today() + Duration::days(20));
    let o = app
        .act_on_order(
            "wjj",
            &o.item.id,
            OrderAction::Feedback {
                text: "已完成".into(),
            },
            o.version,
        )
        .await
        .expect("feedback");
    let mut checks = ReviewChecklist::all();
    checks.set(ReviewCheck::FormatCorrect, false);
    let err = app
        .act_on_order(
            "office",
            &o.item.id,
            OrderAction::Approve { checklist: checks },
            o.version,
        )
        .await
        .expect_err("a failing check");
    assert!(err.to_string().contains("格式规范"), "{err}");
    let o = app
        .act_on_order(
            "office",
            &o.item.id,
            OrderAction::Approve {
                checklist: ReviewChecklist::all(),
            },
            o.version,
        )
        .await
        .expect("approve");
    assert_eq!(o.item.state, OrderState::Closed);
    assert_eq!(
        o.item.events.len(),
        6,
        "assign, accept, extension, decision, feedback, approval"
    );
    let trail = app
        .audit_query(&youxiang_store::AuditFilter {
            action: Some("order.approve".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(trail.len(), 1, "every transition is audited");
    let stats = app.order_stats(today()).await.expect("stats");
    let wjj = stats.iter().find(|s| s.unit == "区卫健局").expect("row");
    assert!(wjj.closed >= 1 && wjj.closed_on_time >= 1);

    // Reminders before a deadline, escalation after it; each once.
    let soon = app
        .raise_order(
            "office",
            OrderDraft {
                id: String::new(),
                title: "即将到期的督办".into(),
                body: String::new(),
                source: OrderSource::Manual,
                lead_unit: "区教育局".into(),
                partner_units: vec![],
                deadline: today() + Duration::days(3),
            },
            true,
        )
        .await
        .expect("raise");
    let r = app.sweep(today()).await.expect("sweep");
    assert!(r.reminders >= 1, "{r:?}");
    assert_eq!(
        app.sweep(today()).await.expect("sweep").reminders,
        0,
        "once"
    );
    let r = app
        .sweep(today() + Duration::days(10))
        .await
        .expect("sweep late");
    assert!(r.escalations >= 1, "{r:?}");
    let jyj = app.inbox("jyj").await.expect("inbox");
    assert!(
        jyj.iter()
            .any(|n| n.title.contains(&soon.item.id) && n.title.contains("逾期"))
    );
    let unread: Vec<String> = jyj
        .iter()
        .filter(|n| n.read_at.is_none())
        .map(|n| n.id.clone())
        .collect();
    assert_eq!(
        app.mark_read("jyj", &unread).await.expect("read"),
        unread.len()
    );
    assert!(
        app.mark_read("wjj", &unread[..1]).await.is_err(),
        "not someone else's"
    );

    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranking_weekly_tasks_and_the_quarterly_report() {
    let (app, dir) = demo("rank").await;

    let r = app
        .ranking(RankBy::Town, month("2025-06"))
        .await
        .expect("ranking");
    assert_eq!(r.ranking.rows.len(), 13, "every town is listed");
    assert!(
        r.rule_zh.contains("1.2"),
        "the rule is printed: {}",
        r.rule_zh
    );
    assert_eq!(r.history.len(), 6, "January to June");
    let ranks: Vec<u32> = r.ranking.rows.iter().filter_map(|x| x.rank).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
    for w in r.ranking.rows.windows(2) {
        if let (Some(a), Some(b)) = (w[0].score, w[1].score) {
            assert!(a >= b - 1e-9, "sorted by score");
            if (a - b).abs() < 1e-9 {
                assert_eq!(w[0].rank, w[1].rank, "ties share a rank");
            }
        }
    }
    let d = app
        .ranking(RankBy::Department, month("2025-06"))
        .await
        .expect("departments");
    assert!(d.ranking.rows.iter().any(|x| x.unit == "区卫健局"));
    let xlsx = youxiang_app::manage::ranking_xlsx(&d).expect("xlsx");
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");
    assert!(
        app.ranking(RankBy::Town, month("2025Q2")).await.is_err(),
        "months only"
    );
    let (published, _) = app
        .publish_ranking("office", RankBy::Town, month("2025-06"))
        .await
        .expect("publish");
    assert!(published.published_at.is_some());
    assert!(
        app.publish_ranking("wjj", RankBy::Town, month("2025-06"))
            .await
            .is_err()
    );

    // Weekly plans: undone items carry over; a department that did not file is flagged.
    let units = app.weekly_filers();
    let w1 = IsoWeek::new(2025, 40).expect("week");
    let item = |t: &str, s| WeekItem {
        text: t.into(),
        status: s,
        work_item: None,
    };
    app.file_weekly(
        "wjj",
        "区卫健局",
        w1,
        vec![
            item("托育摸排", WeekItemStatus::Planned),
            item("数据核实", WeekItemStatus::Done),
        ],
    )
    .await
    .expect("file");
    let p2 = app
        .file_weekly(
            "wjj",
            "区卫健局",
            w1.next(),
            vec![item("新任务", WeekItemStatus::Planned)],
        )
        .await
        .expect("file");
    assert!(
        p2.item
            .items
            .iter()
            .any(|i| i.text == "托育摸排" && i.status == WeekItemStatus::Carried)
    );
    assert!(
        app.file_weekly(
            "wjj",
            "区教育局",
            w1,
            vec![item("x", WeekItemStatus::Planned)]
        )
        .await
        .is_err(),
        "not their unit"
    );
    let (view, _) = app.week_view(w1.next()).await.expect("view");
    assert!(view.missing.len() == units.len() - 1, "{:?}", view.missing);
    // Towns file too, each item optionally linked to the task, project or order it
    // advances; a link to nothing is refused with the item's number.
    let town = app
        .read()
        .reporters
        .iter()
        .find(|r| r.role == youxiang_core::scope::Role::TownReporter)
        .map(|r| (r.login.clone(), r.unit.clone()))
        .expect("a town reporter");
    assert!(
        units
            .iter()
            .any(|(u, k)| *u == town.1 && *k == FilerKind::Town)
    );
    let task = app.work_items().await.expect("items")[0].item.id.clone();
    let linked = |t: &str, link: &str| WeekItem {
        text: t.into(),
        status: WeekItemStatus::Planned,
        work_item: Some(link.into()),
    };
    let refused = app
        .file_weekly(
            &town.0,
            &town.1,
            w1,
            vec![linked("配合推进", &task), linked("整改", "DB-1999-0001")],
        )
        .await
        .expect_err("no such order");
    assert!(refused.to_string().contains("第 2 项"), "{refused}");
    app.file_weekly(&town.0, &town.1, w1, vec![linked("配合推进", &task)])
        .await
        .expect("a town files, linked to a task");
    let (view, _) = app.week_view(w1).await.expect("view");
    let group = view
        .by_link
        .iter()
        .find(|g| g.link == task)
        .expect("grouped");
    assert!(group.items.iter().any(|i| i.unit == town.1));

    // Work items: milestones, overdue detection, progress with an attachment.
    let items = app.work_items().await.expect("items");
    assert!(items.len() >= 27, "the plan's key tasks and projects");
    let mut w = items
        .iter()
        .find(|w| w.item.lead_unit == "区卫健局")
        .expect("a task")
        .clone();
    w.item.milestones.push(Milestone {
        id: w.item.next_milestone_id(),
        title: "节点".into(),
        due: NaiveDate::from_ymd_opt(2025, 1, 31).expect("date"),
        done_on: None,
        evidence: String::new(),
    });
    let saved = app
        .save_work_item("wjj", w.item.clone(), w.version)
        .await
        .expect("save");
    assert!(
        app.overdue_work(today())
            .await
            .expect("overdue")
            .iter()
            .any(|x| x.item.id == saved.item.id)
    );
    let err = app
        .save_work_item("jyj", saved.item.clone(), saved.version)
        .await
        .expect_err("not theirs");
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    let with = app
        .add_progress(
            "wjj",
            &saved.item.id,
            "已完成摸排",
            vec![(
                "证明.txt".into(),
                "text/plain".into(),
                "证明材料".as_bytes().to_vec(),
            )],
        )
        .await
        .expect("progress");
    let att = &with.item.updates.last().expect("update").attachments[0];
    let (_, bytes) = app
        .attachment(&att.sha256)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(bytes, "证明材料".as_bytes());

    // Lag notes feed the report; the report has every section.
    let q3 = month("2025Q3");
    let district = app.read().plan.place.clone();
    app.save_lag_note("wjj", "T01", &district, q3, "托育机构建设滞后", "加快审批")
        .await
        .expect("note");
    assert!(
        app.save_lag_note("jyj", "T01", &district, q3, "x", "y")
            .await
            .is_err(),
        "out of scope"
    );
    let report = app
        .quarterly_report("office", q3, today())
        .await
        .expect("report");
    assert_eq!(report.domains.len(), 7);
    assert_eq!(report.rankings.len(), 2);
    assert!(report.summary.lights.total() >= 20);
    assert!(!report.trends.is_empty());
    if let Some(l) = report
        .lagging
        .iter()
        .find(|l| l.code == "T01" && l.place.contains("定海"))
    {
        assert_eq!(l.cause.as_deref(), Some("托育机构建设滞后"));
    }
    let html = app
        .quarterly_report_file("office", q3, today(), ReportFormat::Html)
        .await
        .expect("html");
    let html = String::from_utf8(html).expect("utf-8");
    assert!(html.contains("2025年第3季度") && !html.contains("<script"));
    let docx = app
        .quarterly_report_file("office", q3, today(), ReportFormat::Docx)
        .await
        .expect("docx");
    assert!(docx.starts_with(b"PK"));
    match app
        .quarterly_report_file("office", q3, today(), ReportFormat::Pdf)
        .await
    {
        Ok(pdf) => assert!(pdf.starts_with(b"%PDF")),
        Err(e) => {
            assert!(e.to_string().contains("fonts-noto-cjk"), "{e}");
            youxiang_testkit::skip("cjk-font", format!("the PDF check: {e}"));
        }
    }
    drop(dir);
}

/// A minimal SMTP relay that accepts one message and hands back the conversation.
async fn fake_relay() -> (u16, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.expect("accept");
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut seen = String::new();
        write
            .write_all(b"220 relay ESMTP\r\n")
            .await
            .expect("greet");
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push_str(&line);
            seen.push('\n');
            let reply: &[u8] = if in_data {
                if line == "." {
                    in_data = false;
                    b"250 queued\r\n"
                } else {
                    continue;
                }
            } else if line.starts_with("EHLO") || line.starts_with("HELO") {
                b"250 relay\r\n"
            } else if line.starts_with("DATA") {
                in_data = true;
                b"354 go on\r\n"
            } else if line.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await.ok();
                break;
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await.expect("reply");
        }
        seen
    });
    (port, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_are_mailed_when_smtp_is_configured() {
    let (app, dir) = demo("mail").await;
    // Without an address nothing is mailed and nothing fails.
    let (port, relay) = fake_relay().await;
    // SAFETY: this test binary's tests run one per process under nextest; no other thread
    // reads the environment while it is set.
    unsafe {
        std::env::set_var("YOUXIANG_SMTP_URL", format!("smtp://127.0.0.1:{port}"));
        std::env::set_var("YOUXIANG_SMTP_FROM", "youxiang@dinghai.example");
    }
    assert!(
        app.set_email("wjj", "wjj", Some("not an address"))
            .await
            .is_err()
    );
    assert!(
        app.set_email("jyj", "wjj", Some("x@y.cn")).await.is_err(),
        "not someone else's"
    );
    app.set_email("wjj", "wjj", Some("wjj@example.gov.cn"))
        .await
        .expect("email");
    let o = app
        .raise_order(
            "office",
            OrderDraft {
                id: String::new(),
                title: "邮件测试督办".into(),
                body: String::new(),
                source: OrderSource::Manual,
                lead_unit: "区卫健局".into(),
                partner_units: vec![],
                deadline: today() + Duration::days(5),
            },
            true,
        )
        .await
        .expect("raise");
    let seen = tokio::time::timeout(std::time::Duration::from_secs(20), relay)
        .await
        .expect("the relay was reached")
        .expect("relay task");
    assert!(seen.contains("RCPT TO:<wjj@example.gov.cn>"), "{seen}");
    let notice = app
        .inbox("wjj")
        .await
        .expect("inbox")
        .into_iter()
        .find(|n| n.title.contains(&o.item.id))
        .expect("the notice");
    assert_eq!(notice.email.as_deref(), Some("已发送至 wjj@example.gov.cn"));
    // A relay that is gone fails the copy, never the action.
    unsafe {
        std::env::set_var("YOUXIANG_SMTP_URL", "smtp://127.0.0.1:9");
    }
    let o2 = app
        .raise_order(
            "office",
            OrderDraft {
                id: String::new(),
                title: "邮件失败测试".into(),
                body: String::new(),
                source: OrderSource::Manual,
                lead_unit: "区卫健局".into(),
                partner_units: vec![],
                deadline: today() + Duration::days(5),
            },
            true,
        )
        .await
        .expect("the action succeeds though the mail fails");
    let failed = app
        .inbox("wjj")
        .await
        .expect("inbox")
        .into_iter()
        .find(|n| n.title.contains(&o2.item.id))
        .expect("the notice");
    assert!(
        failed.email.as_deref().is_some_and(|e| e.contains("失败")),
        "{:?}",
        failed.email
    );
    unsafe {
        std::env::remove_var("YOUXIANG_SMTP_URL");
    }
    drop(dir);
}

// ---- Drafts and the official figures -------------------------------------------------

/// A small deterministic generator (xorshift64*): the same sequence for a seed on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Engines rebuilt from what the store holds: every value, and the submitted and approved
/// ones only; and the state of every stored value.
async fn rebuilt(
    app: &App,
) -> (
    youxiang_engine::Engine,
    youxiang_engine::Engine,
    Vec<(
        youxiang_core::value::ValueKey,
        youxiang_core::value::ValueState,
    )>,
) {
    // Every stored value, read around the app as another process would.
    let values = app.values(&Default::default()).await.expect("values");
    let state = app.read();
    let build = |official: bool| {
        let (engine, refused) = youxiang_engine::Engine::from_observations(
            state.plan.clone(),
            state.tree.clone(),
            *state.live.config(),
            values
                .iter()
                .filter(|o| !official || youxiang_app::is_official(o)),
        );
        assert!(refused.is_empty(), "{refused:?}");
        engine
    };
    let states = values.iter().map(|o| (o.key.clone(), o.state)).collect();
    (build(false), build(true), states)
}

fn same(a: &youxiang_engine::Engine, b: &youxiang_engine::Engine) -> bool {
    a.all_figures() == b.all_figures() && a.all_statuses() == b.all_statuses()
}

/// The official engine, kept current change by change, equals one rebuilt from the stored
/// submitted and approved values after any sequence of writes, deletions, submissions,
/// approvals, rejections and reopenings (and the live one equals one rebuilt from every
/// value); a database opened afresh builds the same two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_figures_are_the_submitted_and_approved_values() {
    use youxiang_core::value::{Component, Transition, ValueKey};
    use youxiang_store::ValueWrite;
    let dir = youxiang_testkit::scratch_dir("appofficial");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let plan = youxiang_plantext::planfile::load(PLAN).expect("plan");
    let places = youxiang_ingest::read_places(PLACES.as_bytes(), "places.csv").expect("places");
    let app = App::init(&url, &plan, places, "test").await.expect("init");
    let reporters = {
        let s = app.read();
        youxiang_demo::demo_reporters(&s.plan, &s.tree)
    };
    app.save_reporters(reporters, "test").await.expect("users");

    // (key, the town reporter who answers for it): town figures that roll up by sum to the
    // district, and village parts of a rate that rolls up as a ratio of sums.
    let (a, b) = ("330902002", "330902003");
    let key = |ind: &str, place: &str, period: &str, component| ValueKey {
        indicator: ind.into(),
        place: place.into(),
        period: period.parse().expect("period"),
        component,
    };
    let mut keys = Vec::new();
    for period in ["2025-01", "2025-02"] {
        keys.push((key("T08", a, period, Component::Value), a));
        keys.push((key("T08", b, period, Component::Value), b));
    }
    for village in ["330902002001", "330902002002"] {
        for c in [Component::Numerator, Component::Denominator] {
            keys.push((key("T12", village, "2025-01", c), a));
        }
    }
    use youxiang_core::value::ValueState;
    let mut counts = [0usize; 2];
    let mut seen_states = std::collections::HashSet::new();
    // What the store holds, by key (read back after every step).
    let mut stored: std::collections::HashMap<ValueKey, ValueState> = Default::default();
    for seed in [7u64, 2025, 0x5eed] {
        let mut rng = Rng(seed);
        for step in 0..40 {
            let op = rng.below(7);
            // Mostly keys whose state allows the operation (so that every state is
            // reached), sometimes any (so that refusals are exercised too).
            let fits = |k: &ValueKey| {
                let st = stored.get(k).copied();
                match op {
                    0 | 1 => st != Some(ValueState::Approved),
                    2 => st == Some(ValueState::Draft),
                    3 | 4 => st == Some(ValueState::Submitted),
                    5 => st == Some(ValueState::Approved),
                    _ => st.is_some_and(|s| s != ValueState::Approved),
                }
            };
            let pool: Vec<&(ValueKey, &str)> = if rng.below(4) == 0 {
                keys.iter().collect()
            } else {
                keys.iter().filter(|(k, _)| fits(k)).collect()
            };
            let pool = if pool.is_empty() {
                keys.iter().collect()
            } else {
                pool
            };
            let mut chosen: Vec<(ValueKey, &str)> = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let (k, town) = pool[rng.below(pool.len())];
                if !chosen.iter().any(|(c, _)| c == k) {
                    chosen.push((k.clone(), town));
                }
            }
            // One reporter per operation: the first key's.
            let town = chosen[0].1;
            chosen.retain(|(_, t)| *t == town);
            let reporter = format!("town-{town}");
            let ks: Vec<ValueKey> = chosen.iter().map(|(k, _)| k.clone()).collect();
            let result = match op {
                0 | 1 => {
                    let writes = ks
                        .iter()
                        .map(|k| ValueWrite {
                            key: k.clone(),
                            value: (rng.below(5000) as f64) / 100.0 + 1.0,
                            comment: String::new(),
                            source: String::new(),
                        })
                        .collect();
                    app.write_values(&reporter, writes, None).await.map(|_| ())
                }
                2 => app
                    .transition(&reporter, ks, Transition::Submit)
                    .await
                    .map(|_| ()),
                3 => app
                    .transition("office", ks, Transition::Approve)
                    .await
                    .map(|_| ()),
                4 => {
                    let t = Transition::Reject {
                        reason: "复核".into(),
                    };
                    app.transition("office", ks, t).await.map(|_| ())
                }
                5 => {
                    let t = Transition::Reopen {
                        reason: "更正".into(),
                    };
                    app.transition("office", ks, t).await.map(|_| ())
                }
                _ => app.delete_values(&reporter, ks, "测试").await.map(|_| ()),
            };
            counts[usize::from(result.is_ok())] += 1;
            let (live, official, states) = rebuilt(&app).await;
            stored = states.into_iter().collect();
            seen_states.extend(stored.values().copied());
            let state = app.read();
            assert!(same(&state.live, &live), "seed {seed} step {step}: live");
            assert!(
                same(&state.official, &official),
                "seed {seed} step {step}: official"
            );
        }
    }
    assert!(
        counts[1] > 40,
        "enough steps took effect (failed, done): {counts:?}"
    );
    for s in [
        ValueState::Draft,
        ValueState::Submitted,
        ValueState::Approved,
    ] {
        assert!(seen_states.contains(&s), "no value was ever {s}");
    }
    // Opened afresh, the database builds the same engines.
    let reopened = App::open(&url).await.expect("open");
    {
        let (was, now) = (app.read(), reopened.read());
        assert!(same(&was.live, &now.live), "live after reopening");
        assert!(
            same(&was.official, &now.official),
            "official after reopening"
        );
    }
    drop(dir);
}

/// What is published — the quarterly report with its rankings — and the automatic orders
/// count the official figures only: a draft changes none of them, its submission does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_figures_and_automatic_orders_ignore_drafts() {
    use youxiang_core::value::Component;
    use youxiang_core::value::{Transition, ValueKey};
    use youxiang_store::ValueWrite;
    let (app, dir) = demo("drafts").await;
    // A town and a monthly town indicator without an open order (one open order per
    // matter: a new red light of the same indicator and place raises none).
    let orders = app
        .orders("office", &OrderFilter::default(), today())
        .await
        .expect("orders");
    let (ind, town) = {
        let s = app.read();
        let root = s.tree.id(&s.plan.place).expect("district");
        let towns: Vec<String> = s
            .tree
            .children(root)
            .iter()
            .map(|t| s.tree.get(*t).code.clone())
            .collect();
        // Rates only: a summed indicator (T08) has no light at a town without a
        // decomposed target (methods §8), so it can raise no order there.
        ["T07", "T11", "T20"]
            .iter()
            .flat_map(|i| towns.iter().map(move |t| (i.to_string(), t.clone())))
            .find(|(i, t)| {
                !orders.iter().any(|o| {
                    o.item.state.is_open()
                        && matches!(&o.item.source,
                            OrderSource::RedLight { indicator, place, .. }
                                if indicator == i && place == t)
                })
            })
            .expect("a town and an indicator without an open order")
    };
    let (ind, town) = (ind.as_str(), town.as_str());
    let q4: Period = "2025Q4".parse().expect("quarter");
    // Far behind the year's schedule: 0.01 of a cumulative count, or a rate of 0 %.
    let october = |component| ValueKey {
        indicator: ind.into(),
        place: town.into(),
        period: month("2025-10"),
        component,
    };
    let writes: Vec<ValueWrite> = if ind == "T08" {
        vec![(october(Component::Value), 0.01)]
    } else {
        vec![
            (october(Component::Numerator), 0.0),
            (october(Component::Denominator), 100.0),
        ]
    }
    .into_iter()
    .map(|(key, value)| ValueWrite {
        key,
        value,
        comment: String::new(),
        source: String::new(),
    })
    .collect();
    let keys: Vec<ValueKey> = writes.iter().map(|w| w.key.clone()).collect();
    let red_orders = |orders: &[youxiang_app::Versioned<youxiang_core::manage::Order>]| {
        orders
            .iter()
            .filter(|o| {
                matches!(&o.item.source,
                    OrderSource::RedLight { indicator, place, period }
                        if indicator == ind && place == town && period == "2025-10")
            })
            .count()
    };
    // The report says when it was made (to the minute): the two are compared without it.
    let mut report = app
        .quarterly_report("office", q4, today())
        .await
        .expect("report");
    report.generated_at.clear();
    let ranking = app
        .ranking(RankBy::Town, month("2025-10"))
        .await
        .expect("rank");

    // A draft far behind the year's schedule: red at the town, as its reporter sees it.
    app.write_values(&format!("town-{town}"), writes, None)
        .await
        .expect("write");
    {
        let s = app.read();
        let live = s.live.status(ind, town, 2025).expect("live status");
        assert_eq!(live.as_of, Some(month("2025-10")), "{ind} at {town}");
        assert_eq!(
            live.light,
            youxiang_core::eval::Light::Red,
            "{ind} at {town}"
        );
        let official = s.official.status(ind, town, 2025).expect("official status");
        assert_eq!(
            official.as_of,
            Some(month("2025-09")),
            "the draft is not official"
        );
    }
    let mut again = app
        .quarterly_report("office", q4, today())
        .await
        .expect("report");
    again.generated_at.clear();
    assert_eq!(again, report, "the report does not see the draft");
    assert_eq!(
        app.ranking(RankBy::Town, month("2025-10"))
            .await
            .expect("rank"),
        ranking,
        "nor does the ranking"
    );
    let swept = app.sweep(today()).await.expect("sweep");
    assert!(swept.raised.is_empty(), "{:?}", swept.raised);
    let orders = app
        .orders("office", &OrderFilter::default(), today())
        .await
        .expect("orders");
    assert_eq!(red_orders(&orders), 0, "no order for a draft");

    // Submitted, it is published and answered for.
    app.transition(&format!("town-{town}"), keys, Transition::Submit)
        .await
        .expect("submit");
    assert_ne!(
        app.quarterly_report("office", q4, today())
            .await
            .expect("report"),
        report,
        "the report shows the submitted figure"
    );
    assert_ne!(
        app.ranking(RankBy::Town, month("2025-10"))
            .await
            .expect("rank"),
        ranking
    );
    let orders = app
        .orders("office", &OrderFilter::default(), today())
        .await
        .expect("orders");
    assert!(red_orders(&orders) >= 1, "the red light raised its order");
    drop(dir);
}

/// Issue 13 (points 6 and 9): the demo reads as a plausible, labelled quarter — towns'
/// figures sized to the towns, reports in around their due dates with a few late, orders
/// assigned to the indicators' lead units, and a quarterly report that states the demo,
/// its own quarter's date and the open orders behind its rate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_plausible_labelled_and_dated_by_its_history() {
    let (app, _dir) = demo("honest").await;
    youxiang_demo::load_demo_management(&app)
        .await
        .expect("management");
    let day = NaiveDate::from_ymd_opt(2025, 10, 15).unwrap();
    assert!(app.is_demo());
    assert_eq!(app.today(), day, "a demo stands on its own day");
    assert_eq!(app.demo().unwrap().label, youxiang_demo::DEMO_LABEL);
    // The register of units holds every unit the plan names and every town's office.
    let missing = app.unregistered_units().await.expect("units");
    assert!(missing.is_empty(), "{missing:?}");
    let units = app.units("office").await.expect("units");
    assert!(units.len() >= 7 + 13, "{}", units.len());
    // The shipped plan names partner units (their users receive orders and see the
    // indicators on their own list).
    let partner = {
        let s = app.read();
        s.plan
            .indicators
            .iter()
            .find_map(|i| i.partner_units.first().cloned())
    };
    assert!(partner.is_some(), "the shipped plan names partner units");

    // No town with as many 欠薪线索 as residents: a rate's denominator is sized to what it
    // counts (a town of 31,280 residents has about a hundred).
    let state_tree = app.read().tree.clone();
    let rows = app
        .values(&youxiang_app::ValueFilter {
            indicator: Some("T07".into()),
            period: Some(month("2025-09")),
            ..Default::default()
        })
        .await
        .expect("values");
    let dens: Vec<_> = rows
        .iter()
        .filter(|o| o.key.component == youxiang_core::value::Component::Denominator)
        .collect();
    assert_eq!(dens.len(), 13, "every town reports T07");
    for o in &dens {
        let population = state_tree
            .id(&o.key.place)
            .and_then(|p| state_tree.population(p, 2025))
            .unwrap();
        assert!(
            o.value >= 1.0 && o.value < population / 100.0,
            "{}: {} 欠薪线索 for {population} residents",
            o.key.place,
            o.value
        );
    }

    // Reports came in around their due dates, most on time, a few late — not all late.
    let window = youxiang_core::completeness::Window {
        from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        to: day,
        today: day,
        due_days: youxiang_core::completeness::DEFAULT_DUE_DAYS,
    };
    let rows = app.completeness(window).await.expect("completeness");
    let (on_time, late): (usize, usize) = rows
        .iter()
        .fold((0, 0), |(o, l), r| (o + r.on_time, l + r.late));
    let share = late as f64 / (on_time + late) as f64;
    assert!(
        (0.02..0.2).contains(&share),
        "late share {share:.3} ({late} of {})",
        on_time + late
    );
    assert!(rows.iter().all(|r| (0.0..=100.0).contains(&r.rate())));
    assert!(
        rows.iter().any(|r| r.missing > 0),
        "a few villages missed September"
    );

    // Every automatic order answers to the indicator's lead unit.
    let orders = app
        .orders("office", &OrderFilter::default(), day)
        .await
        .expect("orders");
    let plan = app.read().plan.clone();
    let mut automatic = 0;
    for o in &orders {
        if let OrderSource::RedLight {
            indicator, place, ..
        } = &o.item.source
        {
            automatic += 1;
            let lead = &plan.indicator(indicator).unwrap().lead_unit;
            assert_eq!(&o.item.lead_unit, lead, "{}", o.item.id);
            if place != &plan.place {
                let town = state_tree.by_code(place).unwrap().name.clone();
                assert!(o.item.partner_units.contains(&town), "{}", o.item.id);
            }
        }
    }
    assert!(automatic > 0);

    // The 2025Q3 report: labelled, its orders as of 30 September whenever it is printed,
    // and a rate that counts the open overdue orders beside the number still open.
    let q3: Period = "2025Q3".parse().unwrap();
    let r = app
        .quarterly_report("office", q3, today())
        .await
        .expect("report");
    assert!(
        r.data_note
            .as_deref()
            .is_some_and(|n| n.contains(youxiang_demo::DEMO_LABEL)),
        "{:?}",
        r.data_note
    );
    assert!(
        r.supervision.scope.contains("2025年9月30日"),
        "{}",
        r.supervision.scope
    );
    assert!(
        !r.supervision.scope.contains("2026"),
        "{}",
        r.supervision.scope
    );
    let point = r
        .summary
        .key_points
        .iter()
        .find(|p| p.contains("督办单共"))
        .expect("the orders' key point");
    assert!(point.contains("在办"), "{point}");
    let t = &r.supervision.totals;
    assert!(t.raised > 0 && t.overdue > 0, "{t:?}");
    if let Some(rate) = t.closure_rate {
        assert!(
            rate < 100.0,
            "open overdue orders count against the rate: {point}"
        );
    }
    // The lagging rows write a rate's shortfall in points, never as "差0.05%".
    for l in &r.lagging {
        assert!(!l.gap.contains("%("), "{}", l.gap);
    }
}
