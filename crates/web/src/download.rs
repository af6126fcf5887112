//! Answers that are files (an attachment, the ranking's Excel, the quarterly report): the
//! type, a `Content-Disposition` that names the file in any language, and no caching.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266 / RFC 5987).
fn disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        pct(name)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// `bytes` as a file of type `mime` named `name`; `kind` is `attachment` or `inline`.
pub fn file_response(mime: &str, kind: &str, name: &str, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_DISPOSITION, disposition(kind, name));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_has_both_names() {
        let v = disposition("attachment", "季分析-2025Q3.pdf");
        let s = v.to_str().unwrap();
        assert!(s.starts_with("attachment; filename=\""), "{s}");
        assert!(
            s.contains("filename*=UTF-8''%E5%AD%A3%E5%88%86%E6%9E%90-2025Q3.pdf"),
            "{s}"
        );
        assert_eq!(pct("a b/ü"), "a%20b%2F%C3%BC");
    }
}
