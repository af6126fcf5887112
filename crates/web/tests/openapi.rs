//! The OpenAPI document and the router cannot drift apart (a module of the one test binary
//! `web`): every operation the document states is routed with that method, every method
//! routed at a documented path is documented, every `/api/v1` route the source registers is
//! documented, and no body or schema in it is a bare `object` (each comes from a type).

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{Server, start};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// The methods the router answers at `path` (the `Allow` header of a 405 to `OPTIONS`,
/// which no route takes), without the `HEAD` that comes with every `GET`.
async fn routed(s: &Server, path: &str) -> BTreeSet<String> {
    // Path parameters filled with something that matches any segment.
    let concrete: String = path
        .split('/')
        .map(|seg| if seg.starts_with('{') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    let resp = reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}{concrete}", s.base))
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "{path}: not routed at all"
    );
    resp.headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty() && m != "head")
        .collect()
}

/// The `/api/v1` routes the crate's source registers, as `path → methods`: every
/// `.route("/api/…", get(a).post(b))` under `src/`.
fn registered() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            for (at, _) in text.match_indices(".route(") {
                let rest = text[at + ".route(".len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let Some(end) = rest.find('"') else { continue };
                let route = &rest[..end];
                if !route.starts_with("/api/v1") {
                    continue;
                }
                // The method chain, up to the parenthesis that closes `.route(`.
                let mut depth = 1;
                let chain: String = rest[end + 1..]
                    .chars()
                    .take_while(|c| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth > 0
                    })
                    .collect();
                let methods = out.entry(route.to_string()).or_default();
                for word in chain.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
                    if METHODS.contains(&word) && chain.contains(&format!("{word}(")) {
                        methods.insert(word.to_string());
                    }
                }
                assert!(!methods.is_empty(), "{route}: no method read from {chain}");
            }
        }
    }
    out
}

/// Where in `v` a schema is a bare `object`: no properties, no map values, no reference
/// and no composition — what `body = Object` used to write.
fn bare_objects(v: &Value, at: &str, found: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            let object = m.get("type").is_some_and(|t| {
                t == "object" || t.as_array().is_some_and(|a| a.contains(&"object".into()))
            });
            let described = [
                "properties",
                "additionalProperties",
                "$ref",
                "allOf",
                "oneOf",
            ]
            .iter()
            .any(|k| m.contains_key(*k));
            if object && !described {
                found.push(at.to_string());
            }
            for (k, child) in m {
                bare_objects(child, &format!("{at}/{k}"), found);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                bare_objects(child, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_states_what_the_router_serves() {
    let s = start().await;
    let (st, doc) = s.anon().get("/api/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeMap<String, BTreeSet<String>> = paths
        .iter()
        .map(|(p, item)| {
            let methods = item
                .as_object()
                .expect("path item")
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .cloned()
                .collect();
            (p.clone(), methods)
        })
        .collect();
    // Each documented path is routed with exactly the documented methods.
    for (path, methods) in &documented {
        assert_eq!(&routed(&s, path).await, methods, "{path}");
    }
    // Each /api/v1 route of the source is documented with the same methods.
    let source = registered();
    assert!(source.len() > 20, "too few routes read: {source:?}");
    for (path, methods) in &source {
        assert_eq!(
            documented.get(path),
            Some(methods),
            "{path} is routed with {methods:?} but documented with {:?}",
            documented.get(path)
        );
    }
    // Every documented /api/v1 path is in the source (the public pages and open data,
    // `/public` and `/open/v1/…`, are documented too and checked against the router above).
    assert_eq!(
        documented
            .keys()
            .filter(|p| p.starts_with("/api/v1"))
            .collect::<Vec<_>>(),
        source.keys().collect::<Vec<_>>()
    );
    // No bare objects: every body and every schema comes from a type.
    let mut bare = Vec::new();
    bare_objects(&doc["paths"], "#/paths", &mut bare);
    bare_objects(&doc["components"], "#/components", &mut bare);
    assert!(bare.is_empty(), "bare objects: {bare:#?}");
    // JSON object keys are text: a map keyed by a number must say its keys are strings
    // (a `BTreeMap<i32, _>` documented as integer keys was a schema violation schemathesis
    // found on /api/v1/plan).
    let text = doc.to_string();
    assert!(
        !text.contains(r#""propertyNames":{"format":"int32","type":"integer"}"#)
            && !text.contains(r#""propertyNames":{"type":"integer""#),
        "a map documented with integer keys"
    );
    // Every JSON body has a schema.
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("item") {
            let bodies = op["responses"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.values())
                .chain(std::iter::once(&op["requestBody"]));
            for body in bodies {
                if let Some(json) = body["content"].get("application/json") {
                    assert!(
                        json.get("schema").is_some(),
                        "{method} {path}: a JSON body without a schema"
                    );
                }
            }
        }
    }
}

/// Each operation of the document as `(method, path with its parameters filled in, whether
/// it takes a JSON body)`.
fn operations(doc: &Value) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete: String = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for (method, op) in item.as_object().expect("item") {
            if METHODS.contains(&method.as_str()) {
                let json = op["requestBody"]["content"]
                    .get("application/json")
                    .is_some();
                out.push((method.clone(), concrete.clone(), json));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_refuses_in_the_api_error_format() {
    let s = start().await;
    let (_, doc) = s.anon().get("/api/openapi.json").await;
    let office = s.signed_in("office").await;
    let http = reqwest::Client::new();
    let send = |method: &str, path: &str, cookie: Option<&str>, csrf: Option<&str>| {
        let mut rb = http.request(
            Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method"),
            format!("{}{path}", s.base),
        );
        if let Some(c) = cookie {
            rb = rb.header("cookie", c);
        }
        if let Some(t) = csrf {
            rb = rb.header("x-csrf-token", t);
        }
        rb
    };
    let cookie = office.cookie.as_deref();
    for (method, path, json) in operations(&doc) {
        if (method.as_str(), path.as_str()) == ("post", "/api/v1/session") {
            continue; // signing in needs no session
        }
        if !path.starts_with("/api/") {
            continue; // the public pages and open data need none either
        }
        // Without a session: 401 in the API's format.
        let resp = send(&method, &path, None, None).send().await.expect("send");
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"], "unauthorized", "{method} {path}");
        if method == "get" {
            continue;
        }
        // A write without the CSRF token: 403 `csrf`, whatever the body.
        let resp = send(&method, &path, cookie, None)
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"], "csrf", "{method} {path}");
        // With the token, a body that is not JSON: 422 `invalid`, not axum's plain text.
        if json {
            let resp = send(&method, &path, cookie, office.csrf.as_deref())
                .header("content-type", "application/json")
                .body("{")
                .send()
                .await
                .expect("send");
            assert_eq!(
                resp.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {path}"
            );
            let body: Value = resp.json().await.expect("json");
            assert_eq!(body["error"], "invalid", "{method} {path}");
            assert!(
                body["details"][0]
                    .as_str()
                    .is_some_and(|d| d.starts_with("请求体无效")),
                "{method} {path}: {body}"
            );
        }
    }
    // A query that cannot be read: 422 `invalid` too.
    let (st, e) = office.get("/api/v1/places?depth=many").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["details"][0]
            .as_str()
            .is_some_and(|d| d.starts_with("查询参数无效")),
        "{e}"
    );
    // A page without a session goes to the sign-in page, and back after it.
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/orders", s.base))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/login?next=%2Forders");
}
