//! Issue 15: the office's forms on `/circle` (no script needed) — shown to the office, not
//! to a viewer; the settings form saves the basket's standard and the computed indicators
//! (typed in Chinese), refuses a line it cannot read, and a viewer's post is refused.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circle_forms_are_the_offices() {
    let s = start().await;
    let mut office = Browser::new(&s.base);
    let csrf = sign_in_form(&mut office, "office").await;
    let (st, html) = office.get("/circle").await;
    assert_eq!(st, StatusCode::OK, "{html}");
    for shown in [
        "载入路网并重算",
        "载入人口格网并重算",
        "保存并重算",
        "enctype=\"multipart/form-data\"",
    ] {
        assert!(html.contains(shown), "the office sees “{shown}”");
    }
    // Saved, back to the page its redirect names, which shows the notice.
    let (st, html) = office
        .post_form_follow(
            "/circle/config",
            &[("csrf", &csrf), ("profile", "gb50180"), ("indicators", "")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "saved, back to the page");
    assert!(html.contains("设置已保存"), "the notice");
    assert!(
        html.contains("value=\"gb50180\" selected"),
        "the standard kept"
    );
    // A line without 指标=口径 is refused, nothing saved.
    let (st, html) = office
        .post_form(
            "/circle/config",
            &[
                ("csrf", &csrf),
                ("profile", "tdt1062-town"),
                ("indicators", "C01"),
            ],
        )
        .await;
    assert_ne!(st, StatusCode::SEE_OTHER, "{html}");
    assert!(html.contains("指标代码=口径"), "{html}");
    let (_, html) = office.get("/circle").await;
    assert!(html.contains("value=\"gb50180\" selected"), "unchanged");

    let mut viewer = Browser::new(&s.base);
    let vcsrf = sign_in_form(&mut viewer, "viewer").await;
    let (st, html) = viewer.get("/circle").await;
    assert_eq!(st, StatusCode::OK);
    assert!(!html.contains("保存并重算"), "no forms for a viewer");
    let (st, _) = viewer
        .post_form(
            "/circle/config",
            &[
                ("csrf", &vcsrf),
                ("profile", "tdt1062-rural"),
                ("indicators", ""),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}
