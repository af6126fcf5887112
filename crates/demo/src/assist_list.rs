//! The demo's 幸福清单 (弱有众扶, labelled 演示): the lists of 2025Q1–Q3 generated for
//! every demo household in assistance, most delivered and confirmed (上门送达, 短信, 浙里办,
//! 邮寄), a few refused, some of the last quarter not yet delivered; the 低保金 paid
//! recorded as received. K7.4b “幸福清单”送达率 is then computed (not reported) for 2025.
//! Written after the register ([`crate::assist::load_demo_register`]).

use chrono::Duration;
use youxiang_app::{App, Result};
use youxiang_core::assist::happiness::{Channel, Confirmation, Delivery, ItemKind, Receipt};
use youxiang_core::period::Period;
use youxiang_core::value::ValueKey;

/// The indicator the lists compute: the demo reports it for the years before 2025 only.
pub const COMPUTED_INDICATORS: [&str; 1] = ["K7.4b"];

/// Whether the demo leaves a generated reported figure out (computed from the lists).
pub fn computed_here(key: &ValueKey) -> bool {
    COMPUTED_INDICATORS.contains(&key.indicator.as_str()) && key.period.year() >= 2025
}

const ACTOR: &str = "mzj";
const PERIODS: [&str; 3] = ["2025Q1", "2025Q2", "2025Q3"];

/// Generates and delivers the demo's lists; returns (lists, delivered).
pub async fn load_demo_lists(app: &App) -> Result<(usize, usize)> {
    let today = app.today();
    let mut lists = 0;
    let mut delivered = 0;
    for (pi, period) in PERIODS.iter().enumerate() {
        app.generate_assist_lists(ACTOR, period).await?;
        let p: Period = period.parse().expect("a period");
        let entries = app.assist_lists(ACTOR, Some(period), None).await?;
        for (n, e) in entries.iter().enumerate() {
            lists += 1;
            let l = &e.list;
            let mut version = e.version;
            // The 低保金 / 特困供养金 paid, by the 10th of the period's first month.
            if let Some(x) = l.entitlements.iter().find(|x| x.amount.is_some()) {
                let saved = app
                    .add_assist_list_receipt(
                        ACTOR,
                        &l.id,
                        Receipt {
                            kind: ItemKind::Benefit,
                            what: x.name.clone(),
                            date: (p.start() + Duration::days(9)).min(today),
                            amount: x.amount,
                            provider: "区民政局(演示)".to_string(),
                            by: String::new(),
                        },
                        Some(version),
                    )
                    .await?;
                version = saved.version;
            }
            // The last quarter: one in six not yet delivered; earlier ones one in twenty.
            let undelivered = if pi == PERIODS.len() - 1 {
                n % 6 == 5
            } else {
                n % 20 == 19
            };
            if undelivered {
                continue;
            }
            let refused = n % 25 == 7;
            let channel = match n % 4 {
                0 | 1 => Channel::Visit,
                2 => Channel::Sms,
                _ => Channel::Zlb,
            };
            let confirmation = if refused {
                Confirmation::Refused
            } else if channel == Channel::Visit {
                Confirmation::Signed
            } else {
                Confirmation::Phone
            };
            let date = (p.start() + Duration::days(14 + (n % 10) as i64)).min(today);
            app.deliver_assist_list_only(
                ACTOR,
                &l.id,
                Delivery {
                    channel,
                    date,
                    confirmation,
                    note: if refused {
                        "户主表示已知晓待遇,拒绝签收(演示)".to_string()
                    } else {
                        String::new()
                    },
                    by: String::new(),
                },
                Some(version),
            )
            .await?;
            if !refused {
                delivered += 1;
            }
        }
    }
    app.recompute_assist_list_figures(2025).await?;
    Ok((lists, delivered))
}
