//! What the indicator page's charts are given, and the ranking's marks, on the demo:
//! the plan's path through the year ends (never the schedule dropping each January), the
//! schedule broken at each new year, bars on an axis scaled to the data with the target
//! and labelled values, and flags that make sense for a small group (issue 13, point 6).

use super::*;

/// The `data-chart` objects of a page, in order.
fn charts(html: &str) -> Vec<Value> {
    html.split("data-chart=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|attr| {
            let json = unescape(attr);
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
        })
        .collect()
}

/// An HTML attribute's text: named and numeric character references decoded.
fn unescape(attr: &str) -> String {
    let mut out = String::with_capacity(attr.len());
    let mut rest = attr;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "quot" => Some('"'),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

async fn page(c: &Client, path: &str) -> String {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap_or_default()
}

fn year(date: &Value) -> &str {
    &date.as_str().unwrap_or_default()[..4]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trend_shows_the_plan_path_at_year_ends_and_the_schedule_by_year() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let (_, plan) = office.get("/api/v1/plan").await;
    let baseline_year = plan["baseline_year"].as_i64().expect("baseline year");
    let mut checked = 0;
    for code in ["T02", "T06", "T08", "T12"] {
        let html = page(&office, &format!("/indicator/{code}")).await;
        let all = charts(&html);
        let trend = all
            .iter()
            .find(|c| c["kind"] == "trend")
            .expect("a trend chart");
        // The plan's path: one point per year, each at a year's end, from the baseline.
        let points = trend["plan"].as_array().expect("plan");
        assert!(!points.is_empty(), "{code}: the plan's path is drawn");
        // (A gap, `[date, null]`, parts the path where a bound is already kept.)
        let dates: Vec<&str> = points
            .iter()
            .filter(|p| !p[1].is_null())
            .map(|p| p[0].as_str().unwrap())
            .collect();
        assert!(
            dates.iter().all(|d| d.ends_with("-12-31")),
            "{code}: {dates:?}"
        );
        assert!(dates.windows(2).all(|w| w[0] < w[1]), "{code}: {dates:?}");
        assert_eq!(
            trend["plan_labels"][0].as_str().map(|l| l.contains("基期")),
            Some(true),
            "{code}: the path starts at the baseline: {}",
            trend["plan_labels"]
        );
        assert!(dates[0].starts_with(&baseline_year.to_string()));
        // The schedule: its own dashed line, never joined across a new year.
        let schedule = trend["schedule"].as_array().expect("schedule");
        for w in schedule.windows(2) {
            if !w[0][1].is_null() && !w[1][1].is_null() {
                assert_eq!(year(&w[0][0]), year(&w[1][0]), "{code}: {w:?}");
            }
        }
        // Chinese legend and axis labels.
        assert_eq!(trend["legend"][1], "规划目标路径");
        assert_eq!(trend["time_format"]["year_end"], "{y}年末");
        // The figures in time order.
        let actual = trend["actual"].as_array().expect("actual");
        let ends: Vec<&str> = actual.iter().map(|p| p[0].as_str().unwrap()).collect();
        assert!(ends.windows(2).all(|w| w[0] <= w[1]), "{code}: {ends:?}");
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn town_bars_are_scaled_to_the_data_with_target_and_labels() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let mut seen = 0;
    for code in ["T02", "T06", "T12", "T19"] {
        let html = page(&office, &format!("/indicator/{code}")).await;
        let Some(bars) = charts(&html).into_iter().find(|c| c["kind"] == "bars") else {
            continue;
        };
        let unit = bars["unit"].as_str().unwrap_or_default().to_string();
        let values: Vec<f64> = bars["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        if values.is_empty() {
            continue;
        }
        let targets: Vec<f64> = match bars["target"].as_f64() {
            Some(t) => vec![t],
            None => bars["targets"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_f64)
                .collect(),
        };
        let (lo, hi) = (bars["min"].as_f64().unwrap(), bars["max"].as_f64().unwrap());
        assert_eq!(
            Some((lo, hi)),
            youxiang_web::chart::bar_axis(&values, &targets),
            "{code}"
        );
        for v in values.iter().chain(&targets) {
            assert!(lo <= *v && *v <= hi, "{code}: {v} outside {lo}..{hi}");
        }
        // Close figures are not flattened against a zero far away.
        let (min, max) = values
            .iter()
            .chain(&targets)
            .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        if min > 0.0 && min - (max - min) * 1.25 > 0.0 {
            assert!(lo > 0.0, "{code}: {min}..{max} drawn from 0");
            assert!(
                bars["axis_name"].as_str().unwrap().contains("起"),
                "{code}: the axis says where it starts"
            );
        }
        // Every bar carries its value with the unit; the target is drawn.
        for (label, v) in bars["labels"]
            .as_array()
            .unwrap()
            .iter()
            .zip(bars["values"].as_array().unwrap())
        {
            let label = label.as_str().unwrap();
            match v.as_f64() {
                Some(_) => assert!(label.ends_with(&unit), "{code}: {label}"),
                None => assert_eq!(label, "无数据"),
            }
        }
        if let Some(label) = bars["target_label"].as_str() {
            assert!(label.starts_with("目标"), "{code}: {label}");
        } else {
            assert!(
                bars["targets"].as_array().is_some(),
                "{code}: per-bar targets"
            );
        }
        seen += 1;
    }
    assert!(seen > 0, "some indicator has figures by town");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranking_flags_fit_the_group_and_missing_data_is_flagged() {
    let s = start().await;
    let office = s.signed_in("office").await;
    for by in ["town", "department"] {
        let (st, r) = office
            .get(&format!("/api/v1/ranking?month=2025-06&by={by}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        let rule = &r["ranking"]["rule"];
        let rows = r["ranking"]["rows"].as_array().expect("rows");
        let ranks: Vec<u64> = rows.iter().filter_map(|x| x["rank"].as_u64()).collect();
        let from = rule["bottom_n_from"].as_u64().unwrap() as usize;
        let n = if ranks.len() >= from {
            rule["bottom_n"].as_u64().unwrap()
        } else {
            rule["small_group_bottom_n"].as_u64().unwrap()
        } as usize;
        let bottom: Vec<&Value> = rows.iter().filter(|x| x["bottom"] == true).collect();
        if ranks.len() > n {
            // The n-th from last and everybody tied with it or below, nobody else.
            let threshold = ranks[ranks.len() - n];
            for x in rows {
                let want = x["rank"].as_u64().is_some_and(|k| k >= threshold && k > 1);
                assert_eq!(x["bottom"] == true, want, "{by}: {x}");
            }
        } else {
            assert!(bottom.is_empty(), "{by}: {bottom:?}");
        }
        // Nobody without most of the figures due escapes, ranked or not; a figure not yet
        // due is never counted missing.
        for x in rows {
            let missing = x["missing"].as_u64().unwrap();
            let due = x["due"].as_u64().unwrap();
            let listed = x["no_data"].as_array().map_or(0, Vec::len) as u64;
            assert!(missing <= due && missing <= listed, "{by}: {x}");
            let most = due > 0 && missing * 2 > due;
            assert_eq!(x["missing_data"] == true, most, "{by}: {x}");
        }
        // The page names the bottom by the group's size: no 后3位 in a group under 10.
        let html = page(&office, &format!("/ranking?month=2025-06&by={by}")).await;
        if ranks.len() < from {
            assert!(
                !html.contains("后3位"),
                "{by}: a small group has no bottom three"
            );
            if !bottom.is_empty() {
                assert!(html.contains("末位"), "{by}: the last is flagged");
            }
        }
        if rows.iter().any(|x| x["missing_data"] == true) {
            assert!(html.contains("缺报"), "{by}: missing reports are flagged");
        }
        assert!(
            html.contains("少于 10 个时标记排名末位"),
            "{by}: the rule is printed"
        );
    }
}
