//! Issue 16, point 5: the 幸福清单 — generated idempotently, place-scoped (another town's
//! list is not found), printable page and PDF with no unmasked ID number or phone, the
//! delivery moving the 送达率 and K7.4b entering the official figures as 系统计算; the
//! rules page previewing who gains and loses before saving.

use super::*;
use youxiang_app::assist::Keyring;
use youxiang_core::assist::register::find_unmasked;
use youxiang_core::value::{Component, ValueState};

async fn with_register() -> Server {
    let s = start().await;
    s.app.set_assist_keys(Keyring::generate().expect("key"));
    youxiang_demo::assist::load_demo_register(&s.app, youxiang_demo::demo_today())
        .await
        .expect("register");
    s
}

async fn raw(c: &Client, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    (
        resp.status(),
        resp.bytes().await.unwrap_or_default().to_vec(),
    )
}

fn clean(what: &str, body: &str) {
    let found = find_unmasked(body);
    assert!(found.is_empty(), "{what} shows unmasked {found:?}");
}

fn pct(s: &str) -> String {
    s.replace('@', "%40")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_generated_once_scoped_masked_and_delivery_moves_the_rate() {
    let s = with_register().await;
    let mzj = s.signed_in("mzj").await;
    let (st, g) = mzj
        .post("/api/v1/assist/lists/generate", json!({"period": "2025Q3"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{g}");
    let added = g["added"].as_u64().unwrap();
    assert!(added > 50, "{g}");
    // Again: nothing new, nothing duplicated.
    let (_, again) = mzj
        .post("/api/v1/assist/lists/generate", json!({"period": "2025Q3"}))
        .await;
    assert_eq!(again["added"], 0, "{again}");
    assert_eq!(again["unchanged"].as_u64(), Some(added));
    let (st, _) = mzj
        .post("/api/v1/assist/lists/generate", json!({"period": "2030Q1"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    let (st, all) = mzj.get("/api/v1/assist/lists?period=2025Q3").await;
    assert_eq!(st, StatusCode::OK, "{all}");
    clean("the lists", &all.to_string());
    let lists = all["lists"].as_array().unwrap();
    assert_eq!(lists.len() as u64, added);
    let of = |town: &str| -> Vec<String> {
        lists
            .iter()
            .filter(|l| l["place"].as_str().unwrap_or_default().starts_with(town))
            .map(|l| l["id"].as_str().unwrap().to_string())
            .collect()
    };
    let own = of(TOWN);
    let other = of(OTHER_TOWN);
    assert!(!own.is_empty() && !other.is_empty());
    let (st, _) = mzj.get("/api/v1/assist/lists?period=nonsense").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A town's worker: its own lists; another town's is not found, page, API and PDF.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (_, mine) = town.get("/api/v1/assist/lists?period=2025Q3").await;
    assert_eq!(mine["lists"].as_array().map(Vec::len), Some(own.len()));
    let (st, _) = town
        .get(&format!("/api/v1/assist/lists/{}", pct(&other[0])))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = raw(&town, &format!("/assist/lists/{}", pct(&other[0]))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = raw(&town, &format!("/assist/lists/{}.pdf", pct(&other[0]))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let viewer = s.signed_in("viewer").await;
    let (st, _) = viewer.get("/api/v1/assist/lists").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The printable page: Chinese, masked, with amounts in 元.
    let (st, page) = raw(&town, &format!("/assist/lists/{}", pct(&own[0]))).await;
    let page = String::from_utf8_lossy(&page).to_string();
    assert_eq!(st, StatusCode::OK, "{page}");
    assert!(page.contains("幸福清单") && page.contains("元"), "{page}");
    clean("the printable list", &page);

    // The PDF: a PDF, masked.
    let (st, pdf) = raw(&town, &format!("/assist/lists/{}.pdf", pct(&own[0]))).await;
    if st == StatusCode::UNPROCESSABLE_ENTITY {
        youxiang_testkit::skip("cjk-font", "no CJK font: the list's PDF was not checked");
    } else {
        assert_eq!(st, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"), "not a PDF");
        let dir = youxiang_testkit::scratch_dir("assist_list_pdf");
        let path = dir.path().join("list.pdf");
        std::fs::write(&path, &pdf).unwrap();
        match std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
        {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(text.contains("幸福清单"), "{text}");
                clean("the PDF", &text);
            }
            _ => eprintln!("pdftotext not installed: the PDF's text was not checked"),
        }
    }

    // Delivery: the rate moves, K7.4b is computed, official, 系统计算.
    let rate = |v: &Value| {
        v["rates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["place"] == TOWN)
            .map(|r| (r["delivered"].as_u64().unwrap(), r["due"].as_u64().unwrap()))
            .unwrap()
    };
    let (d0, due) = rate(&mine);
    assert_eq!((d0, due), (0, own.len() as u64));
    let path = format!("/api/v1/assist/lists/{}/delivery", pct(&own[0]));
    let (st, _) = town
        .post(
            &path,
            json!({"channel": "visit", "date": "2025-10-10", "confirmation": "refused"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refusal needs a note"
    );
    let (st, body) = town
        .post(
            &path,
            json!({"channel": "visit", "date": "2025-10-10", "confirmation": "signed"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, after) = town.get("/api/v1/assist/lists?period=2025Q3").await;
    assert_eq!(rate(&after), (1, due));
    let values = s
        .app
        .values(&youxiang_store::ValueFilter {
            indicator: Some("K7.4b".into()),
            place: Some(TOWN.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let num = values
        .iter()
        .find(|o| o.key.component == Component::Numerator && o.key.period.year() == 2025)
        .expect("K7.4b numerator");
    assert_eq!(num.value, 1.0);
    assert_eq!(num.source, "系统计算");
    assert_eq!(num.state, ValueState::Approved);

    // The overview page lists the undelivered ones, masked.
    let (st, page) = raw(&town, "/assist/lists?period=2025Q3").await;
    let page = String::from_utf8_lossy(&page).to_string();
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("未送达") && page.contains("送达率"), "{page}");
    clean("the lists page", &page);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_are_previewed_with_lines_and_only_the_office_or_mzj_saves() {
    let s = with_register().await;
    let mzj = s.signed_in("mzj").await;
    let (st, r) = mzj.get("/api/v1/assist/rules").await;
    assert_eq!(st, StatusCode::OK);
    let toml = r["toml"].as_str().unwrap().to_string();
    let (st, bad) = mzj
        .post(
            "/api/v1/assist/rules/preview",
            json!({"toml": "[[rule]]\ncode = \"a\"\nname = \"甲\"\nclauses = [ { kind = \"nope\" } ]\n"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.to_string().contains("第4行"), "{bad}");
    // Tighter 低保: income below 0.5 × the standard — some lose it.
    let tighter = toml.replacen(
        "{ kind = \"income_below\", basis = \"dibao\", times = 1.0 }",
        "{ kind = \"income_below\", basis = \"dibao\", times = 0.5 }",
        1,
    );
    assert_ne!(tighter, toml);
    let (st, p) = mzj
        .post("/api/v1/assist/rules/preview", json!({"toml": tighter}))
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(!p["changes"].as_array().unwrap().is_empty(), "{p}");
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, _) = town
        .post("/api/v1/assist/rules", json!({"toml": tighter}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = mzj
        .post("/api/v1/assist/rules", json!({"toml": tighter}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, r) = mzj.get("/api/v1/assist/rules").await;
    assert!(r["toml"].as_str().unwrap().contains("times = 0.5"));
    let (st, page) = raw(&mzj, "/assist/rules").await;
    assert_eq!(st, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page).contains("救助资格规则"));
}
