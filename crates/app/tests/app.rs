//! The application service's one integration-test binary: the management loop end to end
//! on the demo database (SQLite in a temporary folder), through the same calls the CLI and
//! the web make.


use chrono::{Duration, NaiveDate};
use youxiang_app::manage::{OrderFilter, RankBy};
use youxiang_app::{App, AppError, ReportFormat};
use youxiang_core::manage::{
    IsoWeek, Milestone, OrderAction, OrderDraft, OrderSource, OrderState, ReviewCheck,
    ReviewChecklist, WeekItem, WeekItemStatus,
};
use youxiang_core::period::Period;

const PLAN: &str = include_str!("../../../plans/dinghai-qiyouxiang.toml");
const PLACES: &str = include_str!("../../../data/dinghai-places.csv");

async fn demo(name: &str) -> (App, tempfile::TempDir) {
    let dir = youxiang_testkit::scratch_dir(&format!("app{name}"));
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let plan = youxiang_plantext::planfile::load(PLAN).expect("plan");
    let places = youxiang_ingest::read_places(PLACES.as_bytes(), "places.csv").expect("places");
    let app = App::init(&url, &plan, places, "test").await.expect("init");
    youxiang_app::load_demo(&app).await.expect("demo");
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
    let units = app.departments();
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
        .db()
        .get_attachment(&att.sha256)
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
