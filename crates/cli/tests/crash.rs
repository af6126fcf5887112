//! Crash safety (a module of the one test binary `cli`): a server killed with SIGKILL
//! before, during and right after the commit of an upload leaves all of it or nothing —
//! after a restart a re-upload of the same file reports every row changed or none, the
//! audit chain verifies (the values replayed against it), and the restarted server's
//! figures equal a fresh process's, built from the store. On SQLite and PostgreSQL.
//!
//! The database holds the plan and the Dinghai places (no demo: quick to set up and to
//! load); the file is the administrator's template for three periods already begun (about
//! 2,200 rows, at most `YOUXIANG_CRASH_ROWS`; asked for more than the default 20,000, the
//! test adds generated towns and villages until the template holds them: 200,000 rows for
//! `scripts/crash-test`), and each round kills at a later moment,
//! spread over one timed upload. A re-upload of a file that was stored whole is a repeat
//! (`app::repeat_upload`): its count is checked as well.

use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use super::ok;
use super::servers::{Server, Session, pg_database, request, sign_in_with, start_with};

/// The rows asked of the crash test's file by default (CI's quick run).
const DEFAULT_ROWS: usize = 20_000;

/// The rows of the crash test's file.
fn rows() -> usize {
    std::env::var("YOUXIANG_CRASH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_ROWS)
}

/// The places of the crash test's database: the Dinghai places, and for more rows than
/// [`DEFAULT_ROWS`] (`scripts/crash-test 200000`) generated towns under the county
/// (codes 330902500…, 200 villages each, codes town + 3 digits) enough for `n` rows of the
/// template (about 11 rows a village for the three periods).
fn places_file(dir: &Path, n: usize) -> String {
    const DINGHAI: &str = "data/dinghai-places.csv";
    if n <= DEFAULT_ROWS {
        return DINGHAI.to_string();
    }
    let mut text = std::fs::read_to_string(DINGHAI).expect("the Dinghai places");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let villages = n / 10 + 1;
    for t in 0..villages.div_ceil(200) {
        let town = format!("330902{}", 500 + t);
        let (lon, lat) = (122.0 + t as f64 * 0.001, 30.0);
        text.push_str(&format!(
            "{town},生成第{t}街道,town,330902,{lon:.5},{lat:.5},40000,40100,40200,40300\n"
        ));
        for v in 1..=200usize.min(villages - t * 200) {
            text.push_str(&format!(
                "{town}{v:03},生成第{t}街道第{v}村,village,{town},{:.5},{:.5},200,201,202,203\n",
                lon + v as f64 * 0.00001,
                lat + v as f64 * 0.00001
            ));
        }
    }
    let path = dir.join("places.csv");
    std::fs::write(&path, text).expect("places.csv");
    path.to_str().expect("a UTF-8 path").to_string()
}

/// The periods of the crash test's file: begun (figures for periods not begun are
/// refused), on the app's day of a database that is not the demo (the clock's) and on the
/// demo's (2025-10-15) alike.
const PERIODS: [&str; 3] = ["2025", "2025Q4", "2025-10"];

/// The administrator's password in the crash test's database (set by the administrator:
/// no change asked for at sign-in).
const PASSWORD: &str = "Crash#2025abcd";

/// A values file of at most `n` rows the demo's administrator may upload, none of them
/// stored yet: the template of every place and indicator for [`PERIODS`], filled with
/// numbers every indicator takes (a numerator under its denominator).
fn values_file(db: &str, dir: &Path, n: usize) -> Vec<u8> {
    let template = dir.join("template.csv");
    let months: Vec<String> = PERIODS.iter().map(|p| p.to_string()).collect();
    ok(&[
        "--db",
        db,
        "values",
        "template",
        "--as",
        "admin",
        "--period",
        &months.join(","),
        "-o",
        template.to_str().unwrap_or_default(),
    ]);
    let text = std::fs::read_to_string(&template).expect("template");
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let columns: Vec<&str> = header.split(',').collect();
    let at = |names: &[&str]| {
        columns
            .iter()
            .position(|c| names.iter().any(|n| c.contains(n)))
    };
    let value = at(&["数值"]).expect("a value column");
    let component = at(&["分项"]);
    let mut out = String::from(header);
    out.push('\n');
    let mut written = 0;
    for (i, line) in lines.enumerate() {
        if written >= n {
            break;
        }
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if cells.len() < columns.len() {
            cells.resize(columns.len(), String::new());
        }
        let part = component.map(|c| cells[c].as_str()).unwrap_or("");
        let number = match part {
            "分子" | "numerator" => 1.0 + (i % 7) as f64,
            "分母" | "denominator" => 20.0 + (i % 7) as f64,
            _ => 1.0 + (i % 13) as f64 / 4.0,
        };
        cells[value] = format!("{number}");
        out.push_str(&cells.join(","));
        out.push('\n');
        written += 1;
    }
    assert!(written > 0, "the template has rows");
    out.into_bytes()
}

/// POSTs `file` to `/api/v1/uploads` (multipart, by hand): status and body.
fn upload(port: u16, session: &Session, file: &[u8]) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let boundary = "youxiang-crash-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"crash.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    let head = format!(
        "POST /api/v1/uploads HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nCookie: {}\r\n\
         X-CSRF-Token: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\n\r\n",
        session.cookie(),
        session.csrf(),
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (headers, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_string()))
}

fn changed(body: &str) -> (u64, u64) {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (
        v["changed"].as_u64().expect("changed"),
        v["unchanged"].as_u64().expect("unchanged"),
    )
}

fn crash_rounds(db: &str, dir: &Path) {
    // The plan and the Dinghai places (more for a large file), no figures (quick to set up
    // and to load).
    let n = rows();
    ok(&["--db", db, "init", "--places", &places_file(dir, n)]);
    let set = super::with_stdin(
        &[
            "--db",
            db,
            "users",
            "passwd",
            "admin",
            "--password-stdin",
            "--as",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        set.status.success(),
        "the administrator's password: {}",
        String::from_utf8_lossy(&set.stderr)
    );
    // One file per round (each round's numbers its own), plus one to time an upload.
    let base = values_file(db, dir, n);
    let variant = |round: usize| -> Vec<u8> {
        let text = String::from_utf8_lossy(&base).into_owned();
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        let value = header
            .split(',')
            .position(|c| c.contains("数值"))
            .expect("a value column");
        let mut out = format!("{header}\n");
        for line in lines {
            // Shift the number by the round (a quarter at most per round: keeps every
            // range, a numerator under its denominator).
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            let number: f64 = cells[value].parse().unwrap_or(1.0);
            cells[value] = format!("{}", number + round as f64 * 0.25);
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out.into_bytes()
    };

    // The server takes a file of this size (200,000 rows are over the default 20 MB).
    let mb = (base.len() / (1024 * 1024) + 2).max(20).to_string();
    let start = |db: &str| -> Server { start_with(db, &["--max-upload-mb", &mb]) };

    // Time one whole upload, then kill at moments spread over it (and beyond it).
    let server = start(db);
    let session = sign_in_with(server.port, "admin", PASSWORD);
    let started = Instant::now();
    let (status, body) = upload(server.port, &session, &variant(0)).expect("upload");
    let first = started.elapsed();
    assert_eq!(status, 200, "the first upload: {body}");
    let rows_in_file = changed(&body).0 + changed(&body).1;
    eprintln!("crash: {rows_in_file} rows uploaded in {first:?}");
    // The killed uploads change every stored value, which takes longer than storing new
    // ones (at 200,000 rows, two to three times): their kill moments are fractions of an
    // upload that does the same.
    let started = Instant::now();
    let (status, body) = upload(server.port, &session, &variant(7)).expect("upload");
    let whole = started.elapsed();
    assert_eq!(status, 200, "the timed upload: {body}");
    assert_eq!(
        changed(&body),
        (rows_in_file, 0),
        "the timed upload changes every row"
    );
    eprintln!("crash: {rows_in_file} rows changed in {whole:?} (the timed upload)");
    drop(server);

    // Before the upload reached the store, while it is read and checked, around the
    // commit, and after it.
    let fractions = [0.0, 0.4, 0.8, 0.95, 1.05, 1.5];
    for (round, fraction) in fractions.into_iter().enumerate() {
        let round = round + 1;
        let file = variant(round);
        let mut server = start(db);
        let session = sign_in_with(server.port, "admin", PASSWORD);
        let port = server.port;
        let uploader = {
            let (session, file) = (session.clone(), file.clone());
            std::thread::spawn(move || upload(port, &session, &file))
        };
        std::thread::sleep(whole.mul_f64(fraction));
        server.kill();
        let answered = uploader.join().expect("uploader");
        let answered = matches!(&answered, Ok((200, _)));

        // Restarted: all of the upload or none of it.
        let restarted = Instant::now();
        let server = start(db);
        let ready = restarted.elapsed();
        let session = sign_in_with(server.port, "admin", PASSWORD);
        let reuploaded = Instant::now();
        let (status, body) = upload(server.port, &session, &file).expect("re-upload");
        let reupload = reuploaded.elapsed();
        assert_eq!(status, 200, "round {round}: the re-upload: {body}");
        let (again, same) = changed(&body);
        assert_eq!(again + same, rows_in_file, "round {round}: every row read");
        assert!(
            again == 0 || again == rows_in_file,
            "round {round} (killed at {:.0} % of an upload): {again} of {rows_in_file} rows \
             were still to write: the upload was half-written",
            fraction * 100.0
        );
        assert!(
            !answered || again == 0,
            "round {round}: the upload was answered as stored, yet {again} rows were missing"
        );
        eprintln!(
            "crash: round {round}, killed at {:.0} %: {} (restart to ready {ready:.1?}, \
             re-upload {again} changed + {same} unchanged in {reupload:.1?})",
            fraction * 100.0,
            if again == 0 {
                "all stored"
            } else {
                "nothing stored"
            }
        );
        // The engine equals a rebuild: a fresh process built from the store answers the same.
        let fresh = start(db);
        for path in ["/api/v1/overview", "/api/v1/ranking", "/api/v1/status"] {
            let a = request(server.port, "GET", path, &session, None).expect("GET");
            let b = request(fresh.port, "GET", path, &session, None).expect("GET");
            assert_eq!(a, b, "round {round}: {path} differs from a rebuild");
        }
        drop((server, fresh));
        let verified = Instant::now();
        let verify = ok(&["--db", db, "audit", "verify"]);
        assert!(verify.contains("审计链完整"), "round {round}: {verify}");
        eprintln!(
            "crash: round {round}: audit verify passed in {:.1?}",
            verified.elapsed()
        );
    }
}

#[test]
fn a_killed_upload_is_all_or_nothing_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("crash.db").display());
    crash_rounds(&db, dir.path());
}

#[test]
fn a_killed_upload_is_all_or_nothing_on_postgres() {
    let Some((url, drop_db)) = pg_database("yx_cli_crash") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    crash_rounds(&url, dir.path());
    drop_db();
}
