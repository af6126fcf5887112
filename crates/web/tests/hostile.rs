//! Hostile files over HTTP (a module of the one test binary `web`): each file made to
//! exhaust the reader is generated here, uploaded by a signed-in reporter, and must be
//! refused with a clear answer — never a crash — while the server keeps answering and the
//! process's resident memory (the server runs in this process) stays under a bound. Also:
//! a body over the limit is a 413, and a second upload by the same login while the first
//! runs is a 429.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use youxiang_web::WebConfig;

use super::{Client, OTHER_TOWN, TOWN, start, start_with};

/// How much the resident memory may grow while one hostile file is handled.
const MEMORY_BOUND_MB: u64 = 300;

/// A field of `/proc/self/status` in kB (`VmRSS`, `VmHWM`).
fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets the peak resident size (`VmHWM`) to the current one; false where not allowed.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A minimal .xlsx whose one sheet, 填报, has `sheet_data` written as its `<sheetData>`.
fn xlsx(sheet_data: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    xlsx_styled(0, sheet_data)
}

/// [`xlsx`] with a styles part of `formats` bare cell formats (`<xf/>`; none: no part).
fn xlsx_styled(formats: usize, sheet_data: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="填报" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, opts).expect("part");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts)
        .expect("sheet");
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)
        .expect("write");
    sheet_data(&mut zip);
    zip.write_all(b"</sheetData></worksheet>").expect("write");
    if formats > 0 {
        zip.start_file("xl/styles.xml", opts).expect("styles");
        zip.write_all(b"<styleSheet><cellXfs>").expect("write");
        for _ in 0..formats {
            zip.write_all(b"<xf/>").expect("write");
        }
        zip.write_all(b"</cellXfs></styleSheet>").expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

/// A sheet whose only cells are `A1` and `far` (`XFD1048576`).
fn a1_and(far: &str) -> Vec<u8> {
    let row = far.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    xlsx(|w| {
        write!(
            w,
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>指标编码</t></is></c></row><row r="{row}"><c r="{far}"><v>1</v></c></row>"#
        )
        .expect("write");
    })
}

/// About 80 MB of sheet XML in a zip of a few hundred KB.
fn zip_bomb() -> Vec<u8> {
    let row = format!(
        "<row>{}</row>",
        r#"<c t="inlineStr"><is><t>x</t></is></c>"#.repeat(100)
    );
    xlsx(|w| {
        for _ in 0..(80 * 1024 * 1024 / row.len()) {
            w.write_all(row.as_bytes()).expect("write");
        }
    })
}

/// 45 MB of `<xf/>` (within the unpacked-size limit): 1.4 GB of styles once calamine
/// opened the file.
fn styles_bomb() -> Vec<u8> {
    xlsx_styled(9_000_000, |w| {
        w.write_all(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>指标编码</t></is></c></row>"#.as_bytes(),
        )
        .expect("write");
    })
}

/// 1.8 MB of rows that each fail twice (an unknown indicator, a place outside the town
/// reporter's scope).
fn bad_rows() -> Vec<u8> {
    let mut csv = String::from("指标编码,地点编码,期间,数值,备注\n");
    let mut i = 0;
    while csv.len() < 1_800_000 {
        csv.push_str(&format!("NOSUCH{i},{OTHER_TOWN},2025-09,1,x\n"));
        i += 1;
    }
    csv.into_bytes()
}

/// Uploads `bytes` and checks the answer is the refusal `code` (status, message part),
/// that the server still answers, and that resident memory grew by less than the bound.
async fn refused(town: &Client, name: &str, bytes: Vec<u8>, fragment: &str) -> Value {
    let size = bytes.len();
    let before = proc_status_kb("VmRSS").unwrap_or(0);
    let peak_known = reset_peak();
    let started = Instant::now();
    let (st, body) = town.upload(name, bytes).await;
    let took = started.elapsed();
    let peak = proc_status_kb("VmHWM").unwrap_or(0);
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
    assert_eq!(body["error"], "upload", "{name}: {body}");
    let text = body.to_string();
    assert!(
        text.contains(fragment),
        "{name}: wanted “{fragment}” in {text:.2000}"
    );
    // The server is still up and the reporter still signed in.
    let (st, me) = town.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK, "after {name}: {me}");
    if peak_known && before > 0 {
        let grew_mb = peak.saturating_sub(before) / 1024;
        eprintln!(
            "{name} ({} KB): refused in {:.2} s, resident memory +{grew_mb} MB",
            size / 1024,
            took.as_secs_f64()
        );
        assert!(
            grew_mb < MEMORY_BOUND_MB,
            "{name}: resident memory grew by {grew_mb} MB (bound {MEMORY_BOUND_MB} MB)"
        );
    }
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_files_are_refused_and_the_server_lives() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;

    // 1.6 KB that would ask for 512 GB through calamine's worksheet_range.
    let huge = a1_and("XFD1048576");
    assert!(huge.len() < 4096, "{} bytes", huge.len());
    refused(
        &town,
        "huge.xlsx",
        huge,
        "文件超过限制:最多 200 列(第 1048576 行有 16384 列,填到 XFD 列)",
    )
    .await;
    // 1.5 GB the same way.
    refused(
        &town,
        "wide.xlsx",
        a1_and("XFD1000"),
        "文件超过限制:最多 200 列(第 1000 行有 16384 列,填到 XFD 列)",
    )
    .await;

    let bomb = zip_bomb();
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    refused(&town, "bomb.xlsx", bomb, "文件超过限制:解压后最多 50 MB").await;

    refused(
        &town,
        "styles.xlsx",
        styles_bomb(),
        "文件超过限制:最多 65536 种单元格格式(本文件有 9000000 种)",
    )
    .await;

    let mut commas = b"\xEF\xBB\xBF".to_vec();
    commas.extend(",".repeat(4 * 1024 * 1024).bytes());
    refused(&town, "commas.csv", commas, "文件超过限制:每行最多 1 MB").await;

    // Every error listed once, the first 1,000 of them, and the rest counted.
    let b = refused(&town, "bad.csv", bad_rows(), "本次上传未写入任何数据").await;
    let errors = b["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1000, "{:.2000}", b.to_string());
    let omitted = b["errors_omitted"].as_u64().unwrap_or(0);
    assert!(omitted > 50_000, "{omitted}");
    assert_eq!(
        b["details"].as_array().map(Vec::len),
        Some(0),
        "{:.500}",
        b.to_string()
    );
    let text = b.to_string();
    let first = errors[0]["message"].as_str().unwrap_or_default();
    assert_eq!(text.matches(first).count(), 1, "listed once: {first}");
    assert!(
        b["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("另有 {omitted} 处未列出")),
        "{}",
        b["message"]
    );
    assert!(text.len() < 1024 * 1024, "answer of {} bytes", text.len());

    // After all of it, a good file is still taken.
    let good = format!("指标编码,地点编码,期间,数值\nT08,{TOWN},2025-09,12\n");
    let (st, b) = town.upload("values.csv", good.into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_a_413() {
    let s = start_with(WebConfig {
        body_limit: 1024 * 1024,
        ..WebConfig::default()
    })
    .await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let mut csv = String::from("指标编码,地点编码,期间,数值\n");
    while csv.len() < 2 * 1024 * 1024 {
        csv.push_str(&format!("T08,{TOWN},2025-09,12\n"));
    }
    // The server answers before it has read the whole body and then closes the
    // connection; the client may see that as a reset before it reads the answer, so a
    // transport error is tried again (every answer that arrives must be the 413).
    let mut answer = None;
    for _ in 0..5 {
        let part = reqwest::multipart::Part::bytes(csv.clone().into_bytes()).file_name("big.csv");
        let sent = town
            .with(town.http.post(format!("{}/api/v1/uploads", town.base)))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await;
        if let Ok(resp) = sent {
            let st = resp.status();
            assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
            if let Ok(body) = resp.json::<Value>().await {
                answer = Some((st, body));
                break;
            }
        }
    }
    let (st, b) = answer.expect("an answer to one of five tries");
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    assert_eq!(b["error"], "too_large", "{b}");
    assert!(
        b["message"]
            .as_str()
            .unwrap_or_default()
            .contains("每次上传最多 1 MB"),
        "{b}"
    );
    // A fresh client: the connection the 413 closed must not be reused from the pool.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, _) = town.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK);
    // A JSON body over the limit is a 413 too, not a malformed body.
    // (The same retry as above: the server may close before the client has sent it all.)
    let row = format!(r#"{{"indicator":"T08","place":"{TOWN}","period":"2025-09","value":12}}"#);
    let many = format!("[{}]", vec![row; 20_000].join(","));
    let mut answer = None;
    for _ in 0..5 {
        let town = s.signed_in(&format!("town-{TOWN}")).await;
        let sent = town
            .with(town.http.post(format!("{}/api/v1/values", town.base)))
            .header("content-type", "application/json")
            .body(many.clone())
            .send()
            .await;
        if let Ok(resp) = sent {
            let st = resp.status();
            if let Ok(body) = resp.json::<Value>().await {
                answer = Some((st, body));
                break;
            }
        }
    }
    let (st, b) = answer.expect("an answer to one of five tries");
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    assert_eq!(b["error"], "too_large", "{b}");
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    // The OpenAPI document declares the answers.
    let (_, doc) = town.get("/api/openapi.json").await;
    let answers = &doc["paths"]["/api/v1/uploads"]["post"]["responses"];
    for code in ["413", "422", "429"] {
        assert!(answers[code].is_object(), "uploads lacks {code}: {answers}");
    }
    // A task's evidence files have the same limit and the same answer.
    let progress = &doc["paths"]["/api/v1/tasks/{id}/progress"]["post"]["responses"];
    assert!(progress["413"].is_object(), "{progress}");
    let mut answer = None;
    for _ in 0..5 {
        let form = reqwest::multipart::Form::new().text("text", "进展").part(
            "file",
            reqwest::multipart::Part::bytes(csv.clone().into_bytes()).file_name("证明.csv"),
        );
        let sent = town
            .with(
                town.http
                    .post(format!("{}/api/v1/tasks/P01/progress", town.base)),
            )
            .multipart(form)
            .send()
            .await;
        if let Ok(resp) = sent {
            let st = resp.status();
            assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
            if let Ok(body) = resp.json::<Value>().await {
                answer = Some(body);
                break;
            }
        }
    }
    let b = answer.expect("an answer to one of five tries");
    assert_eq!(b["error"], "too_large", "{b}");
}

/// An upload whose body is sent in two parts over a raw connection, so that the server
/// holds it open (its slot taken) until the test sends the rest — unless it refuses it at
/// once.
struct HeldUpload {
    stream: tokio::net::TcpStream,
    rest: Vec<u8>,
}

impl HeldUpload {
    async fn start(c: &Client, csv: &str) -> HeldUpload {
        let boundary = "youxiang-held-upload";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"held.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        );
        let rest = format!("{csv}\r\n--{boundary}--\r\n").into_bytes();
        let addr = c.base.trim_start_matches("http://").to_string();
        let mut stream = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let request = format!(
            "POST /api/v1/uploads HTTP/1.1\r\nHost: {addr}\r\ncookie: {}\r\nx-csrf-token: {}\r\ncontent-type: multipart/form-data; boundary={boundary}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
            c.cookie.as_deref().unwrap_or_default(),
            c.csrf.as_deref().unwrap_or_default(),
            head.len() + rest.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("write head");
        HeldUpload { stream, rest }
    }

    /// The whole answer, if one comes within `wait` without the rest being sent.
    async fn answered_within(&mut self, wait: Duration) -> Option<String> {
        let mut first = [0u8; 1];
        match tokio::time::timeout(wait, self.stream.read(&mut first)).await {
            Ok(Ok(n)) if n > 0 => {
                let mut answer = first.to_vec();
                let _ = tokio::time::timeout(
                    Duration::from_secs(10),
                    self.stream.read_to_end(&mut answer),
                )
                .await;
                Some(String::from_utf8_lossy(&answer).into_owned())
            }
            _ => None,
        }
    }

    /// Sends the rest and reads the answer.
    async fn finish(mut self) -> String {
        self.stream.write_all(&self.rest).await.expect("write rest");
        let mut answer = Vec::new();
        self.stream
            .read_to_end(&mut answer)
            .await
            .expect("read answer");
        String::from_utf8_lossy(&answer).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_upload_at_a_time_per_login() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let good = format!("指标编码,地点编码,期间,数值\nT08,{TOWN},2025-09,12\n");
    // Two uploads by the same login, both held open: whichever the server takes second is
    // refused at once, the other waits for its body.
    let mut first = HeldUpload::start(&town, &good).await;
    let mut second = HeldUpload::start(&town, &good).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let (refusal, held) = loop {
        if let Some(answer) = first.answered_within(Duration::from_millis(100)).await {
            break (answer, second);
        }
        if let Some(answer) = second.answered_within(Duration::from_millis(100)).await {
            break (answer, first);
        }
        assert!(Instant::now() < deadline, "neither upload was refused");
    };
    let status = refusal.lines().next().unwrap_or_default();
    assert!(status.contains(" 429 "), "{refusal}");
    assert!(refusal.contains(r#""error":"busy""#), "{refusal}");
    assert!(
        refusal.contains("同一账号一次只能上传一个文件"),
        "{refusal}"
    );
    // While the other is held, the login's next upload is refused too; another login's is
    // not.
    let (st, b) = town.upload("third.csv", good.clone().into_bytes()).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{b}");
    assert_eq!(b["error"], "busy", "{b}");
    let office = s.signed_in("office").await;
    let (st, b) = office.upload("office.csv", good.clone().into_bytes()).await;
    assert_ne!(st, StatusCode::TOO_MANY_REQUESTS, "{b}");
    // The held upload completes, and the login may upload again.
    let answer = held.finish().await;
    assert!(
        answer.lines().next().unwrap_or_default().contains(" 200 "),
        "{answer}"
    );
    let (st, b) = town.upload("fourth.csv", good.into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_naming_a_nul_character_finds_nothing_and_is_not_refused() {
    let s = start().await;
    let office = s.signed_in("office").await;
    for path in [
        "/api/v1/values?indicator=T%0008",
        "/api/v1/values?limit=10&after=T08%00%7C330902%7C2025%7Cvalue",
    ] {
        let (st, body) = office.get(path).await;
        assert_eq!(st, StatusCode::OK, "{path}: {body}");
        assert_eq!(body.as_array().map(Vec::len), Some(0), "{path}: {body}");
    }
    // A place no tree holds is not found, as any unknown place.
    let (st, body) = office.get("/api/v1/values?place=3309%0002").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
}
