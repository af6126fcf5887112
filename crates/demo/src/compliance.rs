//! 服务达标 in the Dinghai demo: the shipped sample catalogue (`dinghai-sample`, itself a
//! sample for the district to confirm) as the edition the district uses, and a few yes/no
//! reports typed by towns for 社会救助服务联合体 (DHRF-10) — synthetic, labelled in their
//! evidence. The matrix then comes from the demo's facilities (straight-line estimate) and
//! figures: some items met, some not, some without data. Orders for gaps stay off (the
//! office turns them on: `youxiang compliance use dinghai-sample --orders`).

use youxiang_app::App;
use youxiang_app::compliance::{ComplianceConfig, ReportIn};
use youxiang_core::period::Period;
use youxiang_core::place::Level;

/// The edition the demo uses.
pub const DEMO_CATALOGUE: &str = "dinghai-sample";

/// Loads the catalogue, the setting and the demo's yes/no reports (as the towns).
pub async fn load_demo_compliance(app: &App) -> youxiang_app::Result<usize> {
    let text = youxiang_plantext::catalogue::shipped(DEMO_CATALOGUE).unwrap_or_default();
    let (catalogue, _) = youxiang_plantext::catalogue::load(text)
        .map_err(|e| youxiang_app::AppError::Invalid(vec![e.to_string()]))?;
    app.save_catalogue("office", &catalogue).await?;
    app.set_compliance_config(
        "office",
        &ComplianceConfig {
            catalogue: Some(catalogue.code.clone()),
            ..ComplianceConfig::default()
        },
    )
    .await?;
    let towns: Vec<String> = {
        let state = app.read();
        state
            .tree
            .places()
            .iter()
            .filter(|p| p.level == Level::Town)
            .map(|p| p.code.clone())
            .collect()
    };
    let year =
        Period::year_of(2025).map_err(|e| youxiang_app::AppError::Invalid(vec![e.to_string()]))?;
    let mut n = 0;
    // Every other town has reported; one of them not met.
    for (i, town) in towns.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let met = i % 4 == 0;
        let login = format!("town-{town}");
        let who = if app.read().reporter(&login).is_some() {
            login
        } else {
            "office".to_string()
        };
        app.report_compliance(
            &who,
            ReportIn {
                catalogue: None,
                item: "DHRF-10".into(),
                place: town.clone(),
                period: year,
                met,
                evidence: if met {
                    "演示数据:社会救助服务联合体运行台账(合成)".into()
                } else {
                    "演示数据:联合体尚未挂牌运行(合成)".into()
                },
            },
        )
        .await?;
        n += 1;
    }
    Ok(n)
}
