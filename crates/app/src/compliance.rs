//! 服务达标 as a service (issue 15 point 3): the catalogue edition the district uses, kept
//! as a `catalogue` record (the office's); the yes/no reports typed by hand, one
//! `compliance_report` record per edition × item × place × period (scoped like figures: a
//! town reports its own and its villages'); the setting (`config:compliance`: which
//! edition, whether a gap raises a 督办单); and the matrix of `core::compliance` computed
//! from the official figures, the register of facilities (the circle's one reach estimate:
//! the kept walking network, else the straight-line estimate 直线估算) and the reports; its Excel; the orders for
//! gaps, raised once per item × place × period through the management loop's automatic
//! orders.

use std::collections::HashMap;

use chrono::Duration;
use serde::{Deserialize, Serialize};
use youxiang_core::catalogue::{Catalogue, DeliveryLevel, Evidence, check};
use youxiang_core::compliance::{
    Basis, Figures, Inputs, Matrix, Reach, ReachTable, ShareOf, YesNoReport, compute, latest_within,
};
use youxiang_core::manage::{OrderDraft, OrderSource};
use youxiang_core::period::Period;
use youxiang_core::permission::may_edit_facility;
use youxiang_core::place::Level;
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::{KIND_CONFIG, forbid};
use crate::{App, AppError, Result};

pub const KIND_CATALOGUE: &str = "catalogue";
pub const KIND_COMPLIANCE_REPORT: &str = "compliance_report";
const CONFIG_ID: &str = "compliance";

/// The setting of 服务达标 (the office's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComplianceConfig {
    /// The code of the edition the district uses (a stored `catalogue` record).
    pub catalogue: Option<String>,
    /// Raise a 督办单 for each cell 未达标 (once per item × place × period).
    pub gap_orders: bool,
    /// Days a unit has to answer such an order.
    pub order_days: u32,
}

impl Default for ComplianceConfig {
    fn default() -> Self {
        ComplianceConfig {
            catalogue: None,
            gap_orders: false,
            order_days: 15,
        }
    }
}

/// A yes/no report as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportIn {
    /// The edition; `None`: the district's.
    pub catalogue: Option<String>,
    pub item: String,
    pub place: String,
    pub period: Period,
    pub met: bool,
    pub evidence: String,
}

/// The official figures, as the matrix reads them.
struct Official<'a>(&'a youxiang_engine::Engine);

impl Figures for Official<'_> {
    fn latest_within(&self, indicator: &str, place: &str, period: Period) -> Option<(Period, f64)> {
        latest_within(&self.0.series_at(indicator, place), period)
    }
}

fn report_id(r: &YesNoReport) -> String {
    format!("{}|{}|{}|{}", r.catalogue, r.item, r.place, r.period)
}

impl App {
    /// Stores an edition of the catalogue (the office), refused with every error of
    /// `core::catalogue::check` against the plan; flags (待核实) do not stop it.
    pub async fn save_catalogue(&self, login: &str, catalogue: &Catalogue) -> Result<()> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "保存服务清单"));
        }
        let plan = std::sync::Arc::clone(&self.read().plan);
        let errors: Vec<String> = check(catalogue, Some(&plan))
            .into_iter()
            .filter(|f| f.error)
            .map(|f| f.to_string())
            .collect();
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let stored = self
            .db()
            .get_record(KIND_CATALOGUE, &catalogue.code)
            .await?;
        if stored
            .as_ref()
            .is_some_and(|r| r.decode::<Catalogue>().ok().as_ref() == Some(catalogue))
        {
            return Ok(());
        }
        let w = RecordWrite::of(
            KIND_CATALOGUE,
            &catalogue.code,
            catalogue,
            stored.map(|r| r.version),
            "catalogue.save",
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    /// A stored edition by its code.
    pub async fn stored_catalogue(&self, code: &str) -> Result<Catalogue> {
        let r = self
            .db()
            .get_record(KIND_CATALOGUE, code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("服务清单“{code}”未载入")))?;
        Ok(r.decode()?)
    }

    /// The setting, or the defaults.
    pub async fn compliance_config(&self) -> Result<ComplianceConfig> {
        match self.db().get_record(KIND_CONFIG, CONFIG_ID).await? {
            Some(r) => Ok(r.decode()?),
            None => Ok(ComplianceConfig::default()),
        }
    }

    /// Replaces the setting (the office); the edition named must be stored.
    pub async fn set_compliance_config(
        &self,
        login: &str,
        config: &ComplianceConfig,
    ) -> Result<()> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "修改服务达标设置"));
        }
        if let Some(code) = &config.catalogue {
            self.stored_catalogue(code).await?;
        }
        if config.order_days == 0 {
            return Err(AppError::Invalid(vec!["督办期限应至少 1 天".into()]));
        }
        let stored = self.db().get_record(KIND_CONFIG, CONFIG_ID).await?;
        let w = RecordWrite::of(
            KIND_CONFIG,
            CONFIG_ID,
            config,
            stored.map(|r| r.version),
            "config.compliance",
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    /// The edition `code`, else the district's.
    async fn edition(&self, code: Option<&str>) -> Result<Catalogue> {
        let code = match code {
            Some(c) => c.to_string(),
            None => self.compliance_config().await?.catalogue.ok_or_else(|| {
                AppError::NotFound(
                    "尚未设定本区使用的服务清单(youxiang compliance use 清单)".into(),
                )
            })?,
        };
        self.stored_catalogue(&code).await
    }

    /// Every yes/no report of an edition.
    pub async fn compliance_reports(&self, catalogue: &str) -> Result<Vec<YesNoReport>> {
        let filter = RecordFilter {
            id_prefix: Some(format!("{catalogue}|")),
            ..RecordFilter::kind(KIND_COMPLIANCE_REPORT)
        };
        let mut out = Vec::new();
        for r in self.db().list_records(&filter).await? {
            out.push(r.decode()?);
        }
        Ok(out)
    }

    /// Types a yes/no report (或改写同期的一份): the item must be evidenced by reports and
    /// delivered at the place's level; the reporter's places must cover the place (a town
    /// its own and its villages'), or the office; a period not yet begun is refused.
    pub async fn report_compliance(&self, login: &str, input: ReportIn) -> Result<YesNoReport> {
        let who = self.user(login)?;
        let c = self.edition(input.catalogue.as_deref()).await?;
        let item = c
            .items
            .iter()
            .find(|i| i.code == input.item.trim())
            .ok_or_else(|| {
                AppError::NotFound(format!("服务清单“{}”中没有项目“{}”", c.code, input.item))
            })?;
        let tree = std::sync::Arc::clone(&self.read().tree);
        let place = tree
            .id(input.place.trim())
            .ok_or_else(|| AppError::NotFound(format!("地点“{}”不存在", input.place)))?;
        if !(who.role.is_office() || who.role.can_report())
            || !may_edit_facility(&who, &tree, place)
        {
            return Err(forbid(
                &who,
                &format!("填报{}的服务达标情况", tree.get(place).name),
            ));
        }
        let mut problems = Vec::new();
        if !matches!(item.evidence, Some(Evidence::Report { .. })) {
            problems.push(format!(
                "项目“{}”不以定期报告判定达标(以设施或指标计算),无需填报",
                item.name
            ));
        }
        let level = tree.get(place).level;
        if !item.levels.iter().any(|l| {
            matches!(
                (l, level),
                (DeliveryLevel::District, Level::County)
                    | (DeliveryLevel::Town, Level::Town)
                    | (DeliveryLevel::Village, Level::Village)
            )
        }) {
            problems.push(format!(
                "项目“{}”不由{}一级提供",
                item.name,
                level.label_zh()
            ));
        }
        if let Some(p) = youxiang_core::write::period_not_begun(&input.period, self.today()) {
            problems.push(p);
        }
        let evidence = input.evidence.trim().to_string();
        if evidence.is_empty() {
            problems.push("须写明佐证(文件、走访记录或附件名称)".into());
        } else if evidence.chars().count() > 500 || evidence.chars().any(char::is_control) {
            problems.push("佐证应为一段不超过 500 字的文字".into());
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let report = YesNoReport {
            catalogue: c.code.clone(),
            item: item.code.clone(),
            place: tree.get(place).code.clone(),
            period: input.period,
            met: input.met,
            evidence,
            reported_by: login.to_string(),
            reported_at: self.now(),
        };
        let id = report_id(&report);
        let stored = self.db().get_record(KIND_COMPLIANCE_REPORT, &id).await?;
        let w = RecordWrite::of(
            KIND_COMPLIANCE_REPORT,
            &id,
            &report,
            stored.map(|r| r.version),
            "compliance.report",
        )?
        .unit(&report.place)
        .state(if report.met { "met" } else { "not_met" });
        self.db().put_records(&[w], login).await?;
        Ok(report)
    }

    /// The reach of facility items: the circle's nearest table ([`App::nearest_on`]: on
    /// the kept walking network, else the straight-line estimate) from every place's point
    /// to the register's facilities open on `day` — one computation for both pages.
    pub async fn compliance_reach(&self, day: chrono::NaiveDate) -> Result<ReachTable> {
        let table = self.nearest_on(day).await?;
        let names: HashMap<String, String> = self
            .facilities_as_stored()
            .await?
            .into_iter()
            .map(|r| (r.facility.code, r.facility.name))
            .collect();
        let tree = std::sync::Arc::clone(&self.read().tree);
        Ok(reach_of(&tree, &table, &names))
    }

    /// The matrix of an edition (`None`: the district's) in a period, from the official
    /// figures, the register (open on the period's end, or today within it) and the
    /// reports. Anyone signed in reads it.
    pub async fn compliance(
        &self,
        login: &str,
        catalogue: Option<&str>,
        period: Period,
    ) -> Result<Matrix> {
        self.user(login)?;
        let c = self.edition(catalogue).await?;
        let reports = self.compliance_reports(&c.code).await?;
        let day = period.end().min(self.today());
        let reach = self.compliance_reach(day).await?;
        Ok(self.matrix_of(&c, period, &reach, &reports))
    }

    /// The matrix from the official figures (the state read, not held across an await).
    fn matrix_of(
        &self,
        c: &Catalogue,
        period: Period,
        reach: &ReachTable,
        reports: &[YesNoReport],
    ) -> Matrix {
        let state = self.read();
        compute(&Inputs {
            catalogue: c,
            plan: &state.plan,
            tree: &state.tree,
            period,
            reach,
            figures: &Official(&state.official),
            reports,
        })
    }

    /// The matrix as an Excel workbook: every cell with its evidence, and the shares.
    pub async fn compliance_xlsx(
        &self,
        login: &str,
        catalogue: Option<&str>,
        period: Period,
    ) -> Result<Vec<u8>> {
        let m = self.compliance(login, catalogue, period).await?;
        let tree = std::sync::Arc::clone(&self.read().tree);
        matrix_xlsx(&m, &tree)
    }

    /// Raises a 督办单 for every cell 未达标 of the district's edition in `period` when the
    /// setting asks for it — once per item × place × period (the order's source key), and
    /// not while an order for the same item and place is open. Returns the orders raised.
    pub async fn raise_compliance_orders(&self, period: Period) -> Result<Vec<String>> {
        let config = self.compliance_config().await?;
        let Some(code) = config.catalogue.as_deref().filter(|_| config.gap_orders) else {
            return Ok(Vec::new());
        };
        let c = self.stored_catalogue(code).await?;
        let reports = self.compliance_reports(code).await?;
        let reach = self
            .compliance_reach(period.end().min(self.today()))
            .await?;
        let m = self.matrix_of(&c, period, &reach, &reports);
        let drafts: Vec<OrderDraft> = {
            let state = self.read();
            let items: HashMap<&str, _> = c.items.iter().map(|i| (i.code.as_str(), i)).collect();
            m.gaps()
                .filter_map(|cell| {
                    let item = items.get(cell.item.as_str())?;
                    let id = state.tree.id(&cell.place)?;
                    let place = state.tree.get(id);
                    // The item's lead unit answers; the town (or the village's town) takes part.
                    let town = std::iter::once(id)
                        .chain(state.tree.ancestors(id))
                        .map(|p| state.tree.get(p))
                        .find(|p| p.level == Level::Town);
                    Some(OrderDraft {
                        id: String::new(),
                        title: format!("【服务未达标督办】{}·{}", place.name, item.name),
                        body: format!(
                            "{}的“{}”({}){}未达标:{}。请分析原因,制定整改措施,按期反馈。",
                            state.tree.path_names(id),
                            item.name,
                            item.code,
                            period.label_zh(),
                            cell.why
                        ),
                        source: OrderSource::ComplianceGap {
                            item: item.code.clone(),
                            place: place.code.clone(),
                            period: period.to_string(),
                        },
                        lead_unit: if item.lead_unit.trim().is_empty() {
                            state
                                .plan
                                .domains
                                .iter()
                                .find(|d| item.domain.as_deref() == Some(d.code.as_str()))
                                .map(|d| d.lead_unit.clone())
                                .unwrap_or_default()
                        } else {
                            item.lead_unit.clone()
                        },
                        partner_units: town.map(|t| vec![t.name.clone()]).unwrap_or_default(),
                        deadline: self.today() + Duration::days(i64::from(config.order_days)),
                    })
                })
                .collect()
        };
        Ok(self
            .raise_automatic_each(drafts)
            .await?
            .into_iter()
            .map(|(_, id)| id)
            .collect())
    }
}

impl App {
    /// The quarterly report's 服务达标 section: the district and the towns (worst first)
    /// in `quarter`, when the district has set its catalogue.
    pub(crate) async fn quarterly_compliance(
        &self,
        quarter: Period,
    ) -> Result<Option<youxiang_report::Compliance>> {
        let config = self.compliance_config().await?;
        let Some(code) = config.catalogue else {
            return Ok(None);
        };
        let c = self.stored_catalogue(&code).await?;
        let reports = self.compliance_reports(&code).await?;
        let reach = self
            .compliance_reach(quarter.end().min(self.today()))
            .await?;
        let m = self.matrix_of(&c, quarter, &reach, &reports);
        let rows = [Level::County, Level::Town]
            .into_iter()
            .flat_map(|l| m.ranking(l))
            .map(|s| youxiang_report::ComplianceRow {
                place: s.place_name.clone(),
                met: s.tally.met as u32,
                not_met: s.tally.not_met as u32,
                no_data: s.tally.no_data as u32,
                share: s.share,
            })
            .collect();
        Ok(Some(youxiang_report::Compliance {
            intro: format!(
                "按《{}》{}判定{}:设施项目以最近的运行中设施的步行距离计({}),指标项目以本期最新数值对照达标线,报告项目以填报为准;达标率=达标项÷(达标项+未达标项),地区含所辖各级,按达标率从低到高排列。{}",
                c.name,
                quarter.label_zh(),
                if c.sample {
                    "(样例清单,待区确认)"
                } else {
                    ""
                },
                basis_sentence_zh(m.basis),
                if m.unleveled.is_empty() {
                    String::new()
                } else {
                    format!("另有{}项未定提供层级,未参与计算。", m.unleveled.len())
                }
            ),
            rows,
        }))
    }
}

/// Where `place` stands in the worst-first ranking of its level.
/// The compliance's reach table of the circle's nearest table: every place with a point
/// is located; each reachable nearest facility is its reach, with the basis.
pub fn reach_of(
    tree: &youxiang_core::place::PlaceTree,
    table: &crate::circle::NearestTable,
    names: &HashMap<String, String>,
) -> ReachTable {
    let basis = if table.basis.is_estimate() {
        Basis::StraightLine
    } else {
        Basis::Network
    };
    let mut out = ReachTable {
        basis,
        ..ReachTable::default()
    };
    for p in tree.places() {
        if p.lon.is_some() && p.lat.is_some() {
            out.located.insert(p.code.clone());
        }
    }
    for r in &table.rows {
        let (Some(minutes), Some(metres), Some(code)) = (r.minutes, r.distance_m, &r.facility)
        else {
            continue;
        };
        out.nearest.insert(
            (r.place.clone(), r.facility_type),
            Reach {
                facility: code.clone(),
                facility_name: names.get(code).cloned().unwrap_or_default(),
                facility_type: r.facility_type,
                metres: metres.round(),
                minutes: (minutes * 10.0).round() / 10.0,
                basis,
            },
        );
    }
    out
}

/// How the facility items' distances were measured, in words (the matrix's page, Excel
/// and the quarterly report's section name it).
pub fn basis_sentence_zh(b: Basis) -> String {
    match b {
        Basis::Network => "沿已载入的步行路网按最短路径计,步行 80 米/分钟".into(),
        Basis::StraightLine => format!(
            "直线估算——未载入路网,直线距离 × {} 绕行系数,步行 80 米/分钟",
            crate::circle::circle_settings().detour_factor
        ),
    }
}

/// [`basis_sentence_zh`] in English.
pub fn basis_sentence_en(b: Basis) -> String {
    match b {
        Basis::Network => "along the loaded walking network, walking 80 m a minute".into(),
        Basis::StraightLine => format!(
            "straight-line estimate — no network loaded: straight distance × detour factor {}, walking 80 m a minute",
            crate::circle::circle_settings().detour_factor
        ),
    }
}

pub fn share_text(m: &Matrix, place: &str) -> String {
    match m.share(place, &ShareOf::All) {
        Some(s) => format!(
            "达标 {} 项、未达标 {} 项、无数据 {} 项{}",
            s.tally.met,
            s.tally.not_met,
            s.tally.no_data,
            s.share
                .map(|x| format!(",达标率 {}%", crate::quarterly::number(x)))
                .unwrap_or_default()
        ),
        None => "无适用项目".into(),
    }
}

/// The Excel of a matrix: 达标明细 (every cell with its evidence) and 达标率 (every
/// place's share, worst first).
pub fn matrix_xlsx(m: &Matrix, tree: &youxiang_core::place::PlaceTree) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail =
        |e: rust_xlsxwriter::XlsxError| AppError::Invalid(vec![format!("生成 Excel 失败:{e}")]);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let names: HashMap<&str, &str> = m
        .items
        .iter()
        .map(|i| (i.code.as_str(), i.name.as_str()))
        .collect();
    let title = format!(
        "{}{} 服务达标{}(设施步行距离:{})",
        m.catalogue_name,
        m.period.label_zh(),
        if m.sample {
            "(样例清单,待区确认)"
        } else {
            ""
        },
        basis_sentence_zh(m.basis)
    );
    let sheet = book.add_worksheet();
    sheet.set_name("达标明细").map_err(fail)?;
    sheet
        .write_with_format(0, 0, title.as_str(), &bold)
        .map_err(fail)?;
    let headers = [
        ("项目编码", 10),
        ("服务项目", 26),
        ("地点编码", 14),
        ("地点", 24),
        ("结果", 8),
        ("依据", 70),
    ];
    for (col, (h, w)) in headers.iter().enumerate() {
        sheet
            .write_with_format(2, col as u16, *h, &bold)
            .map_err(fail)?;
        sheet.set_column_width(col as u16, *w).map_err(fail)?;
    }
    for (n, cell) in m.cells.iter().enumerate() {
        let row = 3 + n as u32;
        let place = tree
            .id(&cell.place)
            .map(|id| tree.path_names(id))
            .unwrap_or_else(|| cell.place.clone());
        sheet.write(row, 0, cell.item.as_str()).map_err(fail)?;
        sheet
            .write(row, 1, names.get(cell.item.as_str()).copied().unwrap_or(""))
            .map_err(fail)?;
        sheet.write(row, 2, cell.place.as_str()).map_err(fail)?;
        sheet.write(row, 3, place.as_str()).map_err(fail)?;
        sheet.write(row, 4, cell.verdict.label_zh()).map_err(fail)?;
        sheet.write(row, 5, cell.why.as_str()).map_err(fail)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name("达标率").map_err(fail)?;
    sheet
        .write_with_format(0, 0, title.as_str(), &bold)
        .map_err(fail)?;
    let headers = [
        ("地点编码", 14),
        ("地点", 16),
        ("层级", 10),
        ("范围", 16),
        ("达标(项)", 10),
        ("未达标(项)", 12),
        ("无数据(项)", 12),
        ("达标率(%)", 12),
    ];
    for (col, (h, w)) in headers.iter().enumerate() {
        sheet
            .write_with_format(2, col as u16, *h, &bold)
            .map_err(fail)?;
        sheet.set_column_width(col as u16, *w).map_err(fail)?;
    }
    for (n, s) in m.shares.iter().enumerate() {
        let row = 3 + n as u32;
        let of = match &s.of {
            ShareOf::All => "全部项目".to_string(),
            ShareOf::Aspect(a) => a.label_zh().to_string(),
            ShareOf::Domain(d) => format!("领域 {d}"),
        };
        sheet.write(row, 0, s.place.as_str()).map_err(fail)?;
        sheet.write(row, 1, s.place_name.as_str()).map_err(fail)?;
        sheet.write(row, 2, s.level.label_zh()).map_err(fail)?;
        sheet.write(row, 3, of.as_str()).map_err(fail)?;
        sheet.write(row, 4, s.tally.met as u32).map_err(fail)?;
        sheet.write(row, 5, s.tally.not_met as u32).map_err(fail)?;
        sheet.write(row, 6, s.tally.no_data as u32).map_err(fail)?;
        if let Some(x) = s.share {
            sheet
                .write(row, 7, (x * 10.0).round() / 10.0)
                .map_err(fail)?;
        }
    }
    if !m.unleveled.is_empty() {
        let sheet = book.add_worksheet();
        sheet.set_name("未定提供层级").map_err(fail)?;
        sheet
            .write_with_format(
                0,
                0,
                "以下项目清单未写提供层级,不参与达标计算(待区确认)",
                &bold,
            )
            .map_err(fail)?;
        for (n, i) in m.unleveled.iter().enumerate() {
            sheet
                .write(2 + n as u32, 0, i.code.as_str())
                .map_err(fail)?;
            sheet
                .write(2 + n as u32, 1, i.name.as_str())
                .map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// The futures the web serves must be `Send` (axum's handlers).
#[allow(dead_code)]
fn futures_are_send(app: &App, p: Period) {
    fn is_send<T: Send>(_: T) {}
    is_send(app.quarterly_compliance(p));
    is_send(app.quarterly_report("x", p, chrono::NaiveDate::MIN));
    is_send(app.compliance("x", None, p));
    is_send(app.raise_compliance_orders(p));
    is_send(app.compliance_xlsx("x", None, p));
}
