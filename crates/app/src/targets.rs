//! Targets below the district (目标分解下达, methods §8): the lead unit proposes how a
//! summed indicator's target for a year is split among the places directly below (by
//! population share, by baseline share, equally, or by hand), the office approves or
//! returns it, every version is kept as its own record and every step audited. The
//! approved splits form the [`TargetBook`] both engines judge the places by, so the
//! statuses, the ranking, the automatic orders and the report read the same targets.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use youxiang_core::decompose::{
    Decomposition, Part, Share, SplitRule, SplitState, TargetBook, TargetSplit, check_parts, split,
};
use youxiang_core::labels::Labelled;
use youxiang_core::period::Period;
use youxiang_core::permission;
use youxiang_core::place::PlaceId;
use youxiang_core::{Aggregation, Target};
use youxiang_store::{Database, RecordFilter, RecordWrite};

use crate::manage::{Versioned, forbid};
use crate::{App, AppError, Result};

/// The record kind of a split version.
pub const KIND_TARGET_SPLIT: &str = "target_split";

/// A proposal: which target to split, how, and (for a split by hand) the parts.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitProposal {
    pub indicator: String,
    pub year: i32,
    /// The place whose target is split; `None`: the plan's own place (the district).
    pub parent: Option<String>,
    pub rule: SplitRule,
    /// For [`SplitRule::Manual`]: (place code, target number) of each part.
    pub manual: Vec<(String, f64)>,
    pub note: Option<String>,
}

/// A summed indicator's targets and their splits, as the targets page lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitSummary {
    pub indicator: String,
    pub indicator_name: String,
    pub unit: String,
    pub lead_unit: String,
    pub year: i32,
    /// The district's target that year (text), if the plan sets one.
    pub district_target: Option<String>,
    /// The approved split in force, if any.
    pub approved: Option<TargetSplit>,
    /// A proposal waiting for the office, if any.
    pub pending: Option<TargetSplit>,
}

/// A target as written with the indicator's unit when the text has a number and no unit
/// (`5.39` → `5.39万人次`; `全覆盖` stays as it is).
pub fn with_unit(text: &str, unit: &str) -> String {
    if text.chars().any(|c| c.is_ascii_digit()) && !unit.is_empty() && !text.ends_with(unit) {
        format!("{text}{unit}")
    } else {
        text.to_string()
    }
}

fn fail_xlsx(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("生成 Excel 失败:{e}"))
}

/// Decimal places a split keeps: two more than the whole's target text shows (5.39万人次 →
/// 0.4213万人次), at most four.
fn split_decimals(whole: &Target) -> u32 {
    let number = whole
        .text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect::<String>();
    let shown = number.split_once('.').map(|(_, d)| d.len()).unwrap_or(0) as u32;
    (shown + 2).min(4)
}

/// The approved place targets as stored.
pub(crate) async fn load_target_book(db: &dyn Database) -> Result<TargetBook> {
    let records = db
        .list_records(&RecordFilter::kind(KIND_TARGET_SPLIT))
        .await?;
    let splits = records
        .iter()
        .filter(|r| r.state == SplitState::Approved.code())
        .map(|r| r.decode::<TargetSplit>())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(TargetBook::from_splits(&splits))
}

impl App {
    /// Every stored split version (all indicators, years and parents), oldest first.
    pub async fn target_splits(&self) -> Result<Vec<Versioned<TargetSplit>>> {
        let records = self
            .db()
            .list_records(&RecordFilter::kind(KIND_TARGET_SPLIT))
            .await?;
        let mut out = records
            .iter()
            .map(|r| {
                Ok(Versioned {
                    version: r.version,
                    updated_at: r.updated_at,
                    updated_by: r.updated_by.clone(),
                    item: r.decode::<TargetSplit>()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| {
            (
                &a.item.indicator,
                a.item.year,
                &a.item.parent,
                a.item.version,
            )
                .cmp(&(
                    &b.item.indicator,
                    b.item.year,
                    &b.item.parent,
                    b.item.version,
                ))
        });
        Ok(out)
    }

    /// The summed indicators with a target, per target year, with the split in force and
    /// the one waiting (splits of the district's targets; a town's own splits are listed by
    /// [`App::target_splits`]).
    pub async fn split_summaries(&self) -> Result<Vec<SplitSummary>> {
        let splits = self.target_splits().await?;
        let state = self.read();
        let district = state.plan.place.clone();
        let mut out = Vec::new();
        for ind in &state.plan.indicators {
            if !matches!(ind.aggregation, Aggregation::Sum) {
                continue;
            }
            for &year in &state.plan.target_years {
                let Some(t) = ind.target(year) else { continue };
                let of = |s: SplitState| {
                    splits
                        .iter()
                        .rev()
                        .map(|v| &v.item)
                        .find(|x| {
                            x.indicator == ind.code
                                && x.year == year
                                && x.parent == district
                                && x.state == s
                        })
                        .cloned()
                };
                out.push(SplitSummary {
                    indicator: ind.code.clone(),
                    indicator_name: ind.name.clone(),
                    unit: ind.unit.clone(),
                    lead_unit: ind.lead_unit.clone(),
                    year,
                    district_target: Some(with_unit(&t.text, &ind.unit)),
                    approved: of(SplitState::Approved),
                    pending: of(SplitState::Proposed),
                });
            }
        }
        Ok(out)
    }

    /// Computes a split without storing it: what the form previews and the proposal stores.
    pub fn compute_split(&self, proposal: &SplitProposal) -> Result<(String, Decomposition)> {
        let state = self.read();
        let ind = state
            .plan
            .indicator(&proposal.indicator)
            .ok_or_else(|| AppError::NotFound(format!("指标“{}”", proposal.indicator)))?;
        if !state.plan.target_years.contains(&proposal.year) {
            return Err(AppError::Invalid(vec![format!(
                "年度 {} 不是规划的目标年度({})",
                proposal.year,
                state
                    .plan
                    .target_years
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            )]));
        }
        let parent_code = proposal
            .parent
            .clone()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| state.plan.place.clone());
        let parent = state
            .tree
            .id(&parent_code)
            .ok_or_else(|| AppError::NotFound(format!("地点“{parent_code}”")))?;
        let whole = if parent_code == state.plan.place {
            ind.target(proposal.year).cloned()
        } else {
            state
                .official
                .place_targets()
                .get(&ind.code, proposal.year, &parent_code)
                .cloned()
        }
        .ok_or_else(|| {
            AppError::Invalid(vec![format!(
                "{} 在 {} 年没有可分解的目标{}",
                state.tree.get(parent).name,
                proposal.year,
                if parent_code == state.plan.place {
                    ""
                } else {
                    "(须先审定下达上级目标的分解)"
                }
            )])
        })?;
        let children: Vec<PlaceId> = state.tree.children(parent).to_vec();
        if children.is_empty() {
            return Err(AppError::Invalid(vec![format!(
                "{} 没有下级地点,无法分解",
                state.tree.get(parent).name
            )]));
        }
        let decimals = split_decimals(&whole);
        let decomposition = match proposal.rule {
            SplitRule::Manual => {
                let mut problems = Vec::new();
                let mut parts = Vec::new();
                for (code, value) in &proposal.manual {
                    match state.tree.id(code) {
                        Some(id) if children.contains(&id) => {}
                        Some(_) => problems.push(format!(
                            "{code} 不是 {} 的直接下级",
                            state.tree.get(parent).name
                        )),
                        None => problems.push(format!("未知地点“{code}”")),
                    }
                    if !value.is_finite() || *value < 0.0 {
                        problems.push(format!("{code} 的目标值“{value}”无效:应为不小于 0 的数"));
                    }
                    if parts.iter().any(|p: &Part| &p.code == code) {
                        problems.push(format!("{code} 出现了不止一次"));
                    }
                    let mut target = whole.clone();
                    target.value = Some(*value);
                    target.text = format!(
                        "{}{}{}",
                        target
                            .text
                            .chars()
                            .take_while(|c| "≥≤><".contains(*c))
                            .collect::<String>(),
                        youxiang_core::eval::explain::fmt_num(*value),
                        whole.unit.as_deref().unwrap_or("")
                    );
                    parts.push(Part {
                        code: code.clone(),
                        target,
                    });
                }
                if parts.is_empty() {
                    problems.push("逐一填写时至少填写一个地点的目标".into());
                }
                if !problems.is_empty() {
                    return Err(AppError::Invalid(problems));
                }
                let mut d = check_parts(SplitRule::Manual, &whole, parts, decimals);
                let missing: Vec<String> = children
                    .iter()
                    .map(|c| state.tree.get(*c))
                    .filter(|c| !d.parts.iter().any(|p| p.code == c.code))
                    .map(|c| c.name.clone())
                    .collect();
                if !missing.is_empty() {
                    let note =
                        format!("未分解到:{}(这些地点无分解目标,不评价)", missing.join("、"));
                    d.warning = Some(match d.warning {
                        Some(w) => format!("{w};{note}"),
                        None => note,
                    });
                }
                d
            }
            rule => {
                let by = state.plan.baseline_year;
                let mut problems = Vec::new();
                let shares: Vec<Share> = children
                    .iter()
                    .map(|c| {
                        let place = state.tree.get(*c);
                        let weight = match rule {
                            SplitRule::Population => {
                                state.tree.population(*c, proposal.year).unwrap_or_else(|| {
                                    problems.push(format!(
                                        "{} 没有人口数,无法按人口比例分解",
                                        place.name
                                    ));
                                    0.0
                                })
                            }
                            SplitRule::Baseline => Period::year_of(by)
                                .ok()
                                .and_then(|p| state.official.value(&ind.code, &place.code, p))
                                .unwrap_or_else(|| {
                                    problems.push(format!(
                                        "{} 没有 {by} 年(基期)的正式数据,无法按基期值比例分解",
                                        place.name
                                    ));
                                    0.0
                                }),
                            _ => 1.0,
                        };
                        Share {
                            code: place.code.clone(),
                            weight,
                        }
                    })
                    .collect();
                if !problems.is_empty() {
                    return Err(AppError::Invalid(problems));
                }
                split(&ind.aggregation, &whole, rule, &shares, decimals)
                    .map_err(|e| AppError::Invalid(vec![e.to_string()]))?
            }
        };
        Ok((parent_code, decomposition))
    }

    /// Stores a proposal as the next version (a proposal still waiting for the same target
    /// is superseded by it). Allowed to the office and the indicator's lead unit.
    pub async fn propose_split(
        &self,
        login: &str,
        proposal: &SplitProposal,
    ) -> Result<TargetSplit> {
        self.propose_splits(login, std::slice::from_ref(proposal))
            .await
            .map(|mut v| v.remove(0))
    }

    /// Stores several proposals in one transaction: all or none.
    pub async fn propose_splits(
        &self,
        login: &str,
        proposals: &[SplitProposal],
    ) -> Result<Vec<TargetSplit>> {
        let who = self.user(login)?;
        let mut computed = Vec::new();
        let mut problems = Vec::new();
        for p in proposals {
            let lead_ok = {
                let state = self.read();
                match state.plan.indicator(&p.indicator) {
                    Some(ind) => permission::may_propose_split(&who, ind),
                    None => return Err(AppError::NotFound(format!("指标“{}”", p.indicator))),
                }
            };
            if !lead_ok {
                return Err(forbid(&who, &format!("分解 {} 的目标", p.indicator)));
            }
            match self.compute_split(p) {
                Ok(c) => computed.push((p, c)),
                Err(AppError::Invalid(v)) => problems.extend(
                    v.into_iter()
                        .map(|m| format!("{} {} 年:{m}", p.indicator, p.year)),
                ),
                Err(e) => return Err(e),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let _guard = self.write_lock.lock().await;
        let existing = self.target_splits().await?;
        let mut writes = Vec::new();
        let mut stored = Vec::new();
        for (p, (parent, decomposition)) in computed {
            let same = |s: &TargetSplit| {
                s.indicator == p.indicator && s.year == p.year && s.parent == parent
            };
            let version = existing
                .iter()
                .chain(stored.iter())
                .filter(|v| same(&v.item))
                .map(|v| v.item.version)
                .max()
                .unwrap_or(0)
                + 1;
            for old in existing
                .iter()
                .filter(|v| same(&v.item) && v.item.state == SplitState::Proposed)
            {
                let mut s = old.item.clone();
                s.state = SplitState::Superseded;
                writes.push(split_write(&s, Some(old.version), "target.supersede")?);
            }
            let s = TargetSplit {
                indicator: p.indicator.clone(),
                year: p.year,
                parent: parent.clone(),
                version,
                state: SplitState::Proposed,
                decomposition,
                note: p.note.clone().filter(|n| !n.trim().is_empty()),
                proposed_by: login.to_string(),
                decided_by: None,
                decision_note: None,
            };
            writes.push(split_write(&s, None, "target.propose")?.unit(&who.unit));
            stored.push(Versioned {
                version: 1,
                updated_at: chrono::Utc::now().naive_utc(),
                updated_by: login.to_string(),
                item: s,
            });
        }
        self.db().put_records(&writes, login).await?;
        Ok(stored.into_iter().map(|v| v.item).collect())
    }

    /// Approves (`approve`) or returns a proposed split. Only the office, and never the one
    /// who proposed it; returning needs a reason. Approving supersedes the split in force
    /// and re-judges every place against the new targets at once.
    pub async fn decide_split(
        &self,
        login: &str,
        id: &str,
        approve: bool,
        note: Option<&str>,
    ) -> Result<TargetSplit> {
        let who = self.user(login)?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if !approve && note.is_none() {
            return Err(AppError::Invalid(vec!["退回须说明理由".into()]));
        }
        let _guard = self.write_lock.lock().await;
        let all = self.target_splits().await?;
        let current = all
            .iter()
            .find(|v| v.item.id() == id)
            .ok_or_else(|| AppError::NotFound(format!("目标分解“{id}”")))?;
        if current.item.state != SplitState::Proposed {
            return Err(AppError::Invalid(vec![format!(
                "目标分解“{id}”{},不能再审定",
                current.item.state.label_zh()
            )]));
        }
        if !permission::may_decide_split(&who, &current.item) {
            return Err(forbid(
                &who,
                if who.role.is_office() {
                    "审定自己提出的目标分解(须由办公室另一人审定)"
                } else {
                    "审定目标分解(由工作专班办公室审定)"
                },
            ));
        }
        let mut decided = current.item.clone();
        decided.state = if approve {
            SplitState::Approved
        } else {
            SplitState::Returned
        };
        decided.decided_by = Some(login.to_string());
        decided.decision_note = note.map(str::to_string);
        let mut writes = vec![split_write(
            &decided,
            Some(current.version),
            if approve {
                "target.approve"
            } else {
                "target.return"
            },
        )?];
        if approve {
            for old in all.iter().filter(|v| {
                v.item.indicator == decided.indicator
                    && v.item.year == decided.year
                    && v.item.parent == decided.parent
                    && v.item.state == SplitState::Approved
            }) {
                let mut s = old.item.clone();
                s.state = SplitState::Superseded;
                writes.push(split_write(&s, Some(old.version), "target.supersede")?);
            }
        }
        self.db().put_records(&writes, login).await?;
        if approve {
            self.reload_place_targets().await?;
        }
        Ok(decided)
    }

    /// Reads the approved splits and re-judges both engines against them.
    pub(crate) async fn reload_place_targets(&self) -> Result<()> {
        let book = Arc::new(self.target_book().await?);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.live.set_place_targets(Arc::clone(&book));
        state.official.set_place_targets(book);
        Ok(())
    }

    async fn target_book(&self) -> Result<TargetBook> {
        load_target_book(&**self.db()).await
    }

    /// Reads a targets file (xlsx or CSV: 指标编码, 年度, 上级编码, 地点编码, 目标值, 说明) and
    /// stores one proposal by hand per indicator, year and parent — all or nothing; every
    /// problem is named by its row.
    pub async fn import_splits(
        &self,
        login: &str,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<Vec<TargetSplit>> {
        let rows = youxiang_ingest::read_target_rows(bytes, file_name).map_err(|errors| {
            AppError::Upload {
                errors,
                omitted: 0,
                warnings: Vec::new(),
            }
        })?;
        let mut groups: BTreeMap<(String, i32, String), SplitProposal> = BTreeMap::new();
        let mut problems = Vec::new();
        {
            let state = self.read();
            for r in &rows {
                if state.plan.indicator(&r.indicator).is_none() {
                    problems.push(format!(
                        "{file_name} 第{}行:未知指标“{}”",
                        r.row, r.indicator
                    ));
                }
                if state.tree.id(&r.place).is_none() {
                    problems.push(format!("{file_name} 第{}行:未知地点“{}”", r.row, r.place));
                }
                let parent = if r.parent.is_empty() {
                    state.plan.place.clone()
                } else {
                    r.parent.clone()
                };
                let g = groups
                    .entry((r.indicator.clone(), r.year, parent.clone()))
                    .or_insert_with(|| SplitProposal {
                        indicator: r.indicator.clone(),
                        year: r.year,
                        parent: Some(parent),
                        rule: SplitRule::Manual,
                        manual: Vec::new(),
                        note: None,
                    });
                if g.manual.iter().any(|(c, _)| *c == r.place) {
                    problems.push(format!(
                        "{file_name} 第{}行:{} {} 年 {} 重复",
                        r.row, r.indicator, r.year, r.place
                    ));
                }
                g.manual.push((r.place.clone(), r.target));
                if !r.note.is_empty() && g.note.is_none() {
                    g.note = Some(r.note.clone());
                }
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let proposals: Vec<SplitProposal> = groups.into_values().collect();
        self.propose_splits(login, &proposals).await
    }

    /// The splits as an xlsx workbook (one row per part; the file re-imports as is): the
    /// approved ones in force and the proposals waiting.
    pub async fn splits_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let splits = self.target_splits().await?;
        let state = self.read();
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = book.add_worksheet();
        sheet
            .set_name(youxiang_ingest::TARGETS_SHEET)
            .map_err(fail_xlsx)?;
        let headers = [
            "指标编码",
            "指标名称",
            "年度",
            "上级编码",
            "上级名称",
            "区目标",
            "地点编码",
            "地点名称",
            "目标值",
            "单位",
            "分解方式",
            "状态",
            "版本",
            "说明",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_with_format(0, c as u16, *h, &bold)
                .map_err(fail_xlsx)?;
        }
        let mut r = 1u32;
        for v in splits
            .iter()
            .filter(|v| matches!(v.item.state, SplitState::Approved | SplitState::Proposed))
        {
            let s = &v.item;
            let ind = state.plan.indicator(&s.indicator);
            let name_of = |code: &str| {
                state
                    .tree
                    .id(code)
                    .map(|p| state.tree.get(p).name.clone())
                    .unwrap_or_default()
            };
            for part in &s.decomposition.parts {
                let cells: [String; 14] = [
                    s.indicator.clone(),
                    ind.map(|i| i.name.clone()).unwrap_or_default(),
                    s.year.to_string(),
                    s.parent.clone(),
                    name_of(&s.parent),
                    s.decomposition
                        .whole
                        .map(youxiang_core::eval::explain::fmt_num)
                        .unwrap_or_default(),
                    part.code.clone(),
                    name_of(&part.code),
                    String::new(),
                    ind.map(|i| i.unit.clone()).unwrap_or_default(),
                    s.decomposition.rule.label_zh().to_string(),
                    s.state.label_zh().to_string(),
                    s.version.to_string(),
                    s.note.clone().unwrap_or_default(),
                ];
                for (c, text) in cells.iter().enumerate() {
                    if c == 8 {
                        match part.target.value {
                            Some(x) => sheet.write(r, c as u16, x).map_err(fail_xlsx)?,
                            None => sheet
                                .write(r, c as u16, part.target.text.as_str())
                                .map_err(fail_xlsx)?,
                        };
                    } else {
                        sheet.write(r, c as u16, text.as_str()).map_err(fail_xlsx)?;
                    }
                }
                r += 1;
            }
        }
        sheet.set_column_width(1, 28).map_err(fail_xlsx)?;
        sheet.set_column_width(7, 16).map_err(fail_xlsx)?;
        sheet.set_freeze_panes(1, 0).map_err(fail_xlsx)?;
        book.save_to_buffer().map_err(fail_xlsx)
    }
}

fn split_write(
    s: &TargetSplit,
    expected_version: Option<i64>,
    action: &'static str,
) -> Result<RecordWrite> {
    let mut w = RecordWrite::of(KIND_TARGET_SPLIT, &s.id(), s, expected_version, action)?;
    w.state = s.state.code().to_string();
    Ok(w)
}
