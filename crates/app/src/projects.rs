//! 重大公共服务项目 and 民生实事 as a service: the register and the yearly list kept as
//! management records (versioned, audited by the store), who may change them (the office
//! and the lead unit), their xlsx import and export, and the totals and lights the
//! overview, the ranking, the town pages and the report read. The rules are
//! `youxiang_core::manage::projects`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use youxiang_core::eval::LightBands;
use youxiang_core::manage::projects::{
    CardRow, CardTime, Known, LivelihoodItem, MajorProject, MonthProgress, ProgrammeTotal,
    ProjectStatus, ProjectYear, WAN_PER_YI, YearTotal, format_milestones, programme_total,
    report_card, year_total,
};
use youxiang_core::permission;
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::{Versioned, forbid, versioned};
use crate::{App, AppError, Result};

pub const KIND_PROJECT: &str = "project";
pub const KIND_LIVELIHOOD: &str = "livelihood";

/// The register's summary for one year: the programme's total against the plan's, the
/// year's planned against completed, by status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectSummary {
    pub total: ProgrammeTotal,
    pub year: YearTotal,
    /// Count by status, in [`ProjectStatus::ALL`] order.
    pub by_status: Vec<(ProjectStatus, usize)>,
}

fn fail_xlsx(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Invalid(vec![format!("生成 Excel 失败:{e}")])
}

/// The columns of the register's workbook, in order; the yearly columns follow.
pub const PROJECT_COLUMNS: [&str; 12] = [
    "项目编号",
    "项目名称",
    "领域",
    "重点任务",
    "所在地编码",
    "牵头单位",
    "配合单位",
    "总投资(万元)",
    "开工日期",
    "竣工日期",
    "状态",
    "形象进度节点",
];

impl App {
    fn known(&self) -> Known {
        let state = self.read();
        Known {
            domains: state.plan.domains.iter().map(|d| d.code.clone()).collect(),
            tasks: state.plan.tasks.iter().map(|t| t.code.clone()).collect(),
            places: state.tree.places().iter().map(|p| p.code.clone()).collect(),
        }
    }

    /// The light bands the figures are judged by.
    pub fn light_bands(&self) -> LightBands {
        self.read().official.config().bands
    }

    /// The plan's total for major projects (the sum of its `[[projects]]`), 万元.
    pub fn project_goal_wan(&self) -> Option<f64> {
        let plan = &self.read().plan;
        let sum: f64 = plan
            .projects
            .iter()
            .map(|p| p.investment_yi_yuan * WAN_PER_YI)
            .sum();
        (sum > 0.0).then_some(sum)
    }

    // ---- the register ------------------------------------------------------------------

    /// Every registered project, by code.
    pub async fn projects(&self) -> Result<Vec<Versioned<MajorProject>>> {
        let stored = self
            .db()
            .list_records(&RecordFilter::kind(KIND_PROJECT))
            .await?;
        let mut out = stored
            .iter()
            .map(versioned)
            .collect::<Result<Vec<Versioned<MajorProject>>>>()?;
        out.sort_by(|a, b| a.item.code.cmp(&b.item.code));
        Ok(out)
    }

    pub async fn project(&self, code: &str) -> Result<Versioned<MajorProject>> {
        self.projects()
            .await?
            .into_iter()
            .find(|p| p.item.code == code)
            .ok_or_else(|| AppError::NotFound(format!("重大项目“{code}”")))
    }

    /// Adds (`version` 0) or changes a project. The office, or the lead unit (of the
    /// project as stored and as changed: a unit cannot hand its project to another).
    pub async fn save_project(
        &self,
        login: &str,
        project: MajorProject,
        version: i64,
    ) -> Result<Versioned<MajorProject>> {
        self.save_projects(login, vec![(project, version)])
            .await
            .map(|mut v| v.remove(0))
    }

    /// Saves several projects in one transaction: all or nothing.
    async fn save_projects(
        &self,
        login: &str,
        projects: Vec<(MajorProject, i64)>,
    ) -> Result<Vec<Versioned<MajorProject>>> {
        let who = self.user(login)?;
        let stored: BTreeMap<String, Versioned<MajorProject>> = self
            .projects()
            .await?
            .into_iter()
            .map(|p| (p.item.code.clone(), p))
            .collect();
        let known = self.known();
        let mut problems = Vec::new();
        let mut writes = Vec::new();
        let mut seen = BTreeSet::new();
        let today = self.today();
        for (p, version) in &projects {
            let mut p = p.clone();
            p.carry_reports(stored.get(&p.code).map(|s| &s.item), today);
            let p = &p;
            if !seen.insert(p.code.clone()) {
                problems.push(format!("重大项目 {}:编号重复", p.code));
                continue;
            }
            let current = stored.get(&p.code);
            if !permission::may_write_for_unit(&who, &p.lead_unit)
                || current.is_some_and(|c| !permission::may_write_for_unit(&who, &c.item.lead_unit))
            {
                return Err(forbid(&who, &format!("修改重大项目“{}”", p.name)));
            }
            match (current, *version) {
                (Some(c), 0) => {
                    problems.push(format!("重大项目 {}:编号已被“{}”使用", p.code, c.item.name))
                }
                (Some(c), _) if c.item.status.is_closed() && !who.role.is_office() => problems
                    .push(format!(
                        "重大项目 {}:已{},只有专班办公室可以再修改",
                        p.code,
                        c.item.status.label_zh()
                    )),
                _ => {}
            }
            problems.extend(p.validate(&known));
            writes.push(
                RecordWrite::of(
                    KIND_PROJECT,
                    &p.code,
                    p,
                    (*version > 0).then_some(*version),
                    "project.save",
                )?
                .unit(&p.lead_unit)
                .state(p.status.code()),
            );
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let saved = self.db().put_records(&writes, login).await?;
        saved.iter().map(versioned).collect()
    }

    /// Closes a project as completed or terminated, with what was said.
    pub async fn close_project(
        &self,
        login: &str,
        code: &str,
        status: ProjectStatus,
        note: &str,
        version: i64,
    ) -> Result<Versioned<MajorProject>> {
        if !status.is_closed() {
            return Err(AppError::Invalid(vec![format!(
                "关闭项目时状态应为 已完工 或 已终止,而不是“{}”",
                status.label_zh()
            )]));
        }
        let mut p = self.project(code).await?.item;
        p.status = status;
        p.closing_note = note.trim().to_string();
        self.save_project(login, p, version).await
    }

    /// The register's summary for `year` on the app's day, over `filter`'s projects.
    pub async fn project_summary(
        &self,
        year: i32,
        filter: impl Fn(&MajorProject) -> bool,
    ) -> Result<ProjectSummary> {
        let all: Vec<MajorProject> = self
            .projects()
            .await?
            .into_iter()
            .map(|p| p.item)
            .filter(|p| filter(p))
            .collect();
        let today = self.today();
        let bands = self.light_bands();
        let total = programme_total(&all, self.project_goal_wan(), year, today, &bands);
        let refs: Vec<&MajorProject> = all.iter().collect();
        let year = year_total(&refs, year, today, &bands);
        let by_status = ProjectStatus::ALL
            .into_iter()
            .map(|s| (s, all.iter().filter(|p| p.status == s).count()))
            .collect();
        Ok(ProjectSummary {
            total,
            year,
            by_status,
        })
    }

    /// Whether `place` is `within` or below it.
    pub fn place_within(&self, place: &str, within: &str) -> bool {
        let state = self.read();
        let mut at = state.tree.id(place).map(|id| state.tree.get(id));
        while let Some(p) = at {
            if p.code == within {
                return true;
            }
            at = p
                .parent
                .as_deref()
                .and_then(|c| state.tree.id(c))
                .map(|id| state.tree.get(id));
        }
        false
    }

    /// The register as an xlsx workbook that re-imports as is: one row per project, a
    /// planned and a completed column per year.
    pub async fn projects_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let projects = self.projects().await?;
        let years: BTreeSet<i32> = projects
            .iter()
            .flat_map(|p| p.item.years.iter().map(|y| y.year))
            .collect();
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .set_name(youxiang_ingest::PROJECTS_SHEET)
            .map_err(fail_xlsx)?;
        let bold = Format::new().set_bold();
        let mut headers: Vec<String> = PROJECT_COLUMNS.iter().map(|s| s.to_string()).collect();
        for y in &years {
            headers.push(format!("{y}年计划投资(万元)"));
            headers.push(format!("{y}年完成投资(万元)"));
        }
        headers.push("关闭说明".into());
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_with_format(0, c as u16, h.as_str(), &bold)
                .map_err(fail_xlsx)?;
        }
        for (i, v) in projects.iter().enumerate() {
            let p = &v.item;
            let r = i as u32 + 1;
            let texts = [
                p.code.clone(),
                p.name.clone(),
                p.domain.clone(),
                p.key_task.clone().unwrap_or_default(),
                p.place.clone().unwrap_or_default(),
                p.lead_unit.clone(),
                p.partner_units.join("、"),
            ];
            for (c, t) in texts.iter().enumerate() {
                sheet.write(r, c as u16, t.as_str()).map_err(fail_xlsx)?;
            }
            sheet.write(r, 7, p.total_wan).map_err(fail_xlsx)?;
            sheet
                .write(r, 8, p.start.to_string().as_str())
                .map_err(fail_xlsx)?;
            sheet
                .write(r, 9, p.end.to_string().as_str())
                .map_err(fail_xlsx)?;
            sheet.write(r, 10, p.status.label_zh()).map_err(fail_xlsx)?;
            sheet
                .write(r, 11, format_milestones(&p.milestones).as_str())
                .map_err(fail_xlsx)?;
            let mut c = 12u16;
            for y in &years {
                if let Some(py) = p.year(*y) {
                    sheet.write(r, c, py.planned_wan).map_err(fail_xlsx)?;
                    if let Some(done) = py.completed_wan {
                        sheet.write(r, c + 1, done).map_err(fail_xlsx)?;
                    }
                }
                c += 2;
            }
            sheet
                .write(r, c, p.closing_note.as_str())
                .map_err(fail_xlsx)?;
        }
        sheet.set_column_width(1, 30).map_err(fail_xlsx)?;
        sheet.set_column_width(11, 40).map_err(fail_xlsx)?;
        sheet.set_freeze_panes(1, 2).map_err(fail_xlsx)?;
        book.save_to_buffer().map_err(fail_xlsx)
    }

    /// Reads a register workbook (or CSV) and saves every row — all or nothing; a row's
    /// problem names its row. A code already registered is updated (its stored version
    /// quoted), a new one added.
    pub async fn import_projects(
        &self,
        login: &str,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<Vec<Versioned<MajorProject>>> {
        let rows = youxiang_ingest::read_project_rows(bytes, file_name).map_err(|errors| {
            AppError::Upload {
                errors,
                omitted: 0,
                warnings: Vec::new(),
            }
        })?;
        let stored: BTreeMap<String, Versioned<MajorProject>> = self
            .projects()
            .await?
            .into_iter()
            .map(|p| (p.item.code.clone(), p))
            .collect();
        let known = self.known();
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for r in rows {
            let mut p = r.project;
            if let Some(old) = stored.get(&p.code) {
                // The file carries no evidence or milestone ids beyond the text; keep the
                // stored synthetic mark.
                p.synthetic = old.item.synthetic;
            }
            for problem in p.validate(&known) {
                problems.push(format!("{file_name} 第{}行:{problem}", r.row));
            }
            let version = stored.get(&p.code).map_or(0, |s| s.version);
            out.push((p, version));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        self.save_projects(login, out).await
    }

    // ---- 民生实事 ----------------------------------------------------------------------

    /// The items of `year` (every year when None), by year and number.
    pub async fn livelihood_items(
        &self,
        year: Option<i32>,
    ) -> Result<Vec<Versioned<LivelihoodItem>>> {
        let stored = self
            .db()
            .list_records(&RecordFilter::kind(KIND_LIVELIHOOD))
            .await?;
        let mut out = stored
            .iter()
            .map(versioned)
            .collect::<Result<Vec<Versioned<LivelihoodItem>>>>()?;
        out.retain(|i| year.is_none_or(|y| i.item.year == y));
        out.sort_by_key(|i| (i.item.year, i.item.number));
        Ok(out)
    }

    pub async fn livelihood_item(&self, id: &str) -> Result<Versioned<LivelihoodItem>> {
        self.livelihood_items(None)
            .await?
            .into_iter()
            .find(|i| i.item.id() == id)
            .ok_or_else(|| AppError::NotFound(format!("民生实事“{id}”")))
    }

    /// Adds (`version` 0) or changes an item: the office, or the lead unit (which cannot
    /// hand the item to another unit).
    pub async fn save_livelihood(
        &self,
        login: &str,
        item: LivelihoodItem,
        version: i64,
    ) -> Result<Versioned<LivelihoodItem>> {
        let who = self.user(login)?;
        let current = self.livelihood_item(&item.id()).await.ok();
        if !permission::may_write_for_unit(&who, &item.lead_unit)
            || current
                .as_ref()
                .is_some_and(|c| !permission::may_write_for_unit(&who, &c.item.lead_unit))
        {
            return Err(forbid(&who, &format!("修改民生实事“{}”", item.name)));
        }
        if let (Some(c), 0) = (&current, version) {
            return Err(AppError::Invalid(vec![format!(
                "{}年民生实事第{}项已是“{}”",
                item.year, item.number, c.item.name
            )]));
        }
        let problems = item.validate(&self.known());
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let state = if item.completed_on.is_some() {
            "done"
        } else {
            "open"
        };
        let w = RecordWrite::of(
            KIND_LIVELIHOOD,
            &item.id(),
            &item,
            (version > 0).then_some(version),
            "livelihood.save",
        )?
        .unit(&item.lead_unit)
        .state(state);
        let saved = self.db().put_records(&[w], login).await?;
        versioned(&saved[0])
    }

    /// Reports a month's cumulative progress (replacing that month's report), and the day
    /// the item was completed when it was.
    pub async fn report_livelihood(
        &self,
        login: &str,
        id: &str,
        month: u32,
        done: f64,
        note: &str,
        completed_on: Option<NaiveDate>,
    ) -> Result<Versioned<LivelihoodItem>> {
        let current = self.livelihood_item(id).await?;
        let mut item = current.item;
        item.progress.retain(|p| p.month != month);
        item.progress.push(MonthProgress {
            month,
            done,
            note: note.trim().to_string(),
        });
        item.progress.sort_by_key(|p| p.month);
        if completed_on.is_some() {
            item.completed_on = completed_on;
        }
        self.save_livelihood(login, item, current.version).await
    }

    /// The mid-year or year-end report card of `year`.
    pub async fn livelihood_card(&self, year: i32, at: CardTime) -> Result<Vec<CardRow>> {
        let items: Vec<LivelihoodItem> = self
            .livelihood_items(Some(year))
            .await?
            .into_iter()
            .map(|i| i.item)
            .collect();
        Ok(report_card(&items, year, at, &self.light_bands()))
    }

    /// The report card as an xlsx workbook.
    pub async fn livelihood_card_xlsx(&self, year: i32, at: CardTime) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let rows = self.livelihood_card(year, at).await?;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .set_name(format!("{year}年民生实事{}", at.label_zh()))
            .map_err(fail_xlsx)?;
        let bold = Format::new().set_bold();
        sheet
            .write_with_format(
                0,
                0,
                format!(
                    "{year}年民生实事{}报告单(截至{}月末;灯号按序时进度,方法见说明 §2)",
                    at.label_zh(),
                    at.month()
                ),
                &bold,
            )
            .map_err(fail_xlsx)?;
        let headers = [
            "序号",
            "项目",
            "牵头单位",
            "目标数量",
            "计量单位",
            "累计完成",
            "完成比例(%)",
            "完成日期",
            "灯号",
            "依据",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_with_format(1, c as u16, *h, &bold)
                .map_err(fail_xlsx)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = i as u32 + 2;
            sheet.write(r, 0, row.number).map_err(fail_xlsx)?;
            sheet.write(r, 1, row.name.as_str()).map_err(fail_xlsx)?;
            sheet
                .write(r, 2, row.lead_unit.as_str())
                .map_err(fail_xlsx)?;
            sheet.write(r, 3, row.target).map_err(fail_xlsx)?;
            sheet.write(r, 4, row.unit.as_str()).map_err(fail_xlsx)?;
            match row.done {
                Some(d) => sheet.write(r, 5, d).map_err(fail_xlsx)?,
                None => sheet.write(r, 5, "未报送").map_err(fail_xlsx)?,
            };
            if let Some(s) = row.share {
                sheet
                    .write(r, 6, (s * 1000.0).round() / 10.0)
                    .map_err(fail_xlsx)?;
            }
            if let Some(c) = row.completed_on {
                sheet
                    .write(r, 7, c.to_string().as_str())
                    .map_err(fail_xlsx)?;
            }
            sheet
                .write(r, 8, row.schedule.light.colour_zh())
                .map_err(fail_xlsx)?;
            sheet
                .write(r, 9, row.schedule.explanation.formula.as_str())
                .map_err(fail_xlsx)?;
        }
        sheet.set_column_width(1, 30).map_err(fail_xlsx)?;
        sheet.set_column_width(9, 60).map_err(fail_xlsx)?;
        book.save_to_buffer().map_err(fail_xlsx)
    }
}

/// A new year's investment line for `year` (a helper for the interfaces' forms).
pub fn year_line(year: i32, planned_wan: f64, completed_wan: Option<f64>) -> ProjectYear {
    ProjectYear {
        year,
        planned_wan,
        completed_wan,
        as_of: None,
        reports: Vec::new(),
    }
}

/// The current year of `today` — the year the register's panel shows.
pub fn panel_year(today: NaiveDate) -> i32 {
    today.year()
}
