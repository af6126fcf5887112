//! Survey results as readers see them (issue 17, points 4 and 5): who may read a round's
//! index and demand analysis (`core::permission::survey_reach` — the office and viewers
//! everything, a department the district, a town its own strata), the demand analysis
//! with the office's categories of open answers (a `config` record, `survey_categories`;
//! the seven 七优享 domains by default) over a `jieba-rs` word segmentation, and the
//! results a round publishes: its domain × place index cells frozen once in a
//! `survey_results` record (aggregates only, never answers), which the dashboard, the
//! quarterly report, the yearly assessment and the open data read.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use youxiang_core::permission::{SurveyReach, survey_reach};
use youxiang_core::scope::Reporter;
use youxiang_core::survey::demand::{Demand, DemandCategories, demand};
use youxiang_core::survey::form::Answer;
use youxiang_report::{Survey, SurveyItem};
use youxiang_store::{RecordFilter, RecordWrite};

use crate::manage::{KIND_CONFIG, Versioned, forbid, versioned};
use crate::survey::{RoundIndex, SurveyRound};
use crate::{App, AppError, Result};

pub const KIND_SURVEY_RESULTS: &str = "survey_results";
const CATEGORIES_ID: &str = "survey_categories";

/// One published cell: a domain at a place. A suppressed cell (n < 30) keeps its n only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedCell {
    pub domain: String,
    pub place: String,
    pub index: Option<f64>,
    pub n: usize,
    pub moe: Option<f64>,
    pub suppressed: bool,
}

/// A round's published results, frozen when the office published them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedSurvey {
    pub round: String,
    pub form_id: String,
    /// The form's title, e.g. 定海区公共服务“七优享”满意度与需求调查.
    #[serde(default)]
    pub title: String,
    pub district: String,
    pub published_on: NaiveDate,
    pub cells: Vec<PublishedCell>,
}

impl PublishedSurvey {
    /// The district's cell of a domain.
    pub fn district_cell(&self, domain: &str) -> Option<&PublishedCell> {
        self.cells
            .iter()
            .find(|c| c.domain == domain && c.place == self.district)
    }
}

/// A round's demand analysis for a place (the district: every answer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundDemand {
    pub round: String,
    pub place: String,
    /// Respondents the analysis counts.
    pub respondents: usize,
    pub demand: Demand,
}

/// The word segmenter, loaded once (its dictionary is embedded).
fn jieba() -> &'static jieba_rs::Jieba {
    static JIEBA: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    JIEBA.get_or_init(jieba_rs::Jieba::new)
}

/// An answer cut into words (jieba, with its HMM for unknown words).
pub fn segment(text: &str) -> Vec<String> {
    jieba()
        .cut(text, true)
        .into_iter()
        .map(|t| t.word.to_string())
        .collect()
}

impl App {
    /// The reader and how far they see; refused when they see nothing.
    fn survey_reader(&self, login: &str) -> Result<(Reporter, SurveyReach)> {
        let who = self.user(login)?;
        match survey_reach(&who) {
            SurveyReach::None => Err(forbid(&who, "查看调查结果")),
            reach => Ok((who, reach)),
        }
    }

    /// Whether `who` (seeing `reach`) may see the cells of `place`.
    fn sees_survey_place(
        &self,
        who: &Reporter,
        reach: SurveyReach,
        district: &str,
        place: &str,
    ) -> bool {
        match reach {
            SurveyReach::All => true,
            SurveyReach::District => place == district,
            SurveyReach::OwnPlaces => {
                let state = self.read();
                state
                    .tree
                    .id(place)
                    .is_some_and(|id| who.scope.covers_place(&state.tree, id))
            }
            SurveyReach::None => false,
        }
    }

    /// A round's fieldwork counts as `login` may see them (the reach of the results: the
    /// office and viewers every stratum, a department the district's total, a town its
    /// own strata); refused (403) to whoever sees no result.
    pub async fn survey_fieldwork_for(
        &self,
        login: &str,
        round: &str,
    ) -> Result<crate::survey_fieldwork::FieldworkSummary> {
        let (who, reach) = self.survey_reader(login)?;
        let mut f = self.survey_fieldwork(round).await?;
        match reach {
            SurveyReach::All => {}
            SurveyReach::District => {
                let district = self.survey_district();
                let name = {
                    let s = self.read();
                    s.tree
                        .by_code(&district)
                        .map(|p| p.name.clone())
                        .unwrap_or_default()
                };
                let mut total = crate::survey_fieldwork::StratumFieldwork {
                    stratum: district,
                    name,
                    tokens_issued: 0,
                    tokens_used: 0,
                    answers: Default::default(),
                    pending: 0,
                };
                for s in &f.strata {
                    total.tokens_issued += s.tokens_issued;
                    total.tokens_used += s.tokens_used;
                    total.pending += s.pending;
                    for (mode, n) in &s.answers {
                        *total.answers.entry(mode.clone()).or_default() += n;
                    }
                }
                f.strata = vec![total];
            }
            _ => {
                let district = self.survey_district();
                f.strata
                    .retain(|s| self.sees_survey_place(&who, reach, &district, &s.stratum));
                // The open link's answers are counted for the whole round only.
                f.open_link_answers = 0;
                f.open_link_pending = 0;
            }
        }
        Ok(f)
    }

    /// The rounds, for a reader who may see survey results.
    pub async fn survey_round_list(&self, login: &str) -> Result<Vec<Versioned<SurveyRound>>> {
        self.survey_reader(login)?;
        self.survey_rounds().await
    }

    /// The satisfaction index of a round as `login` may see it (methods §6): the office
    /// and viewers every cell, a department the district's, a town its own strata's;
    /// with `compare`, the change of each visible cell from that round.
    pub async fn survey_index(
        &self,
        login: &str,
        round: &str,
        compare: Option<&str>,
    ) -> Result<RoundIndex> {
        let (who, reach) = self.survey_reader(login)?;
        let mut index = self.survey_index_all(round, compare).await?;
        let district = index.district.clone();
        index
            .cells
            .retain(|c| self.sees_survey_place(&who, reach, &district, &c.place));
        index
            .changes
            .retain(|c| self.sees_survey_place(&who, reach, &district, &c.place));
        Ok(index)
    }

    /// The demand analysis of a round at `place` (a stratum, or the district: every
    /// answer; `None`: the district, or a town's own strata), as `login` may see it.
    pub async fn survey_demand(
        &self,
        login: &str,
        round: &str,
        place: Option<&str>,
    ) -> Result<RoundDemand> {
        let (who, reach) = self.survey_reader(login)?;
        let r = self.survey_round(round).await?.item;
        let district = self.survey_district();
        let answers = self.survey_answers(round).await?;
        let (place, chosen): (String, Vec<&Answer>) = match place {
            Some(p) => {
                if p != district && self.read().tree.id(p).is_none() {
                    return Err(AppError::NotFound(format!("地点“{p}”")));
                }
                if !self.sees_survey_place(&who, reach, &district, p) {
                    return Err(forbid(&who, &format!("查看地点“{p}”的调查结果")));
                }
                let all = p == district;
                (
                    p.to_string(),
                    answers.iter().filter(|a| all || a.stratum == p).collect(),
                )
            }
            None if reach == SurveyReach::OwnPlaces => {
                let own = who.scope.places.first().cloned().unwrap_or_default();
                let chosen = answers
                    .iter()
                    .filter(|a| self.sees_survey_place(&who, reach, &district, &a.stratum))
                    .collect();
                (own, chosen)
            }
            None => (district.clone(), answers.iter().collect()),
        };
        let categories = self.survey_categories().await?.item;
        let result = demand(&r.form, &chosen, &categories, &segment);
        Ok(RoundDemand {
            round: r.name,
            place,
            respondents: chosen.len(),
            demand: result,
        })
    }

    /// The district's place code a survey's index reports above the strata.
    pub fn survey_district(&self) -> String {
        let state = self.read();
        if state.plan.place.is_empty() {
            state
                .tree
                .roots()
                .next()
                .map(|id| state.tree.get(id).code.clone())
                .unwrap_or_default()
        } else {
            state.plan.place.clone()
        }
    }

    // ---- the categories of open answers -------------------------------------------------

    /// The categories open answers are grouped into: the office's, else the defaults
    /// (version 0).
    pub async fn survey_categories(&self) -> Result<Versioned<DemandCategories>> {
        Ok(
            match self.db().get_record(KIND_CONFIG, CATEGORIES_ID).await? {
                Some(r) => versioned(&r)?,
                None => Versioned {
                    version: 0,
                    updated_at: chrono::NaiveDateTime::default(),
                    updated_by: String::new(),
                    item: DemandCategories::default(),
                },
            },
        )
    }

    /// Sets the categories (the office only), checked whole; `expected` is the version
    /// read (0: the defaults), so two people cannot overwrite each other silently.
    pub async fn set_survey_categories(
        &self,
        login: &str,
        categories: &DemandCategories,
        expected: i64,
    ) -> Result<Versioned<DemandCategories>> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "设置需求分类"));
        }
        let categories = categories.trimmed();
        let problems = categories.validate();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let w = RecordWrite::of(
            KIND_CONFIG,
            CATEGORIES_ID,
            &categories,
            (expected > 0).then_some(expected),
            "survey.categories",
        )?;
        let saved = self.db().put_records(&[w], login).await?;
        match saved.first() {
            Some(r) => versioned(r),
            None => Err(AppError::Internal("需求分类未保存".into())),
        }
    }

    // ---- publication -------------------------------------------------------------------

    /// Publishes a round's results (the office only): every domain × place index cell,
    /// frozen as computed now, a suppressed cell without its figures. A round is
    /// published once; its answers are never published.
    pub async fn publish_survey_results(
        &self,
        login: &str,
        round: &str,
        today: NaiveDate,
    ) -> Result<PublishedSurvey> {
        let who = self.user(login)?;
        if !who.role.is_office() {
            return Err(forbid(&who, "发布调查结果"));
        }
        let r = self.survey_round(round).await?.item;
        if self.published_survey(round).await?.is_some() {
            return Err(AppError::Invalid(vec![format!(
                "调查轮次“{round}”的结果已发布,发布后不再更改"
            )]));
        }
        let index = self.survey_index_all(round, None).await?;
        if index.cells.iter().all(|c| c.n == 0) {
            return Err(AppError::Invalid(vec![format!(
                "调查轮次“{round}”还没有答卷,无结果可发布"
            )]));
        }
        let published = PublishedSurvey {
            round: r.name.clone(),
            form_id: r.form_id.clone(),
            title: r.form.settings.form_title.clone(),
            district: index.district.clone(),
            published_on: today,
            cells: index
                .cells
                .iter()
                .map(|c| PublishedCell {
                    domain: c.domain.clone(),
                    place: c.place.clone(),
                    index: c.index.filter(|_| !c.suppressed),
                    n: c.n,
                    moe: c.moe.filter(|_| !c.suppressed),
                    suppressed: c.suppressed,
                })
                .collect(),
        };
        let w = RecordWrite::of(
            KIND_SURVEY_RESULTS,
            round,
            &published,
            None,
            "survey_results.publish",
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(published)
    }

    /// Every published round's results, oldest first (public: aggregates only).
    pub async fn published_surveys(&self) -> Result<Vec<PublishedSurvey>> {
        let stored = self
            .db()
            .list_records(&RecordFilter::kind(KIND_SURVEY_RESULTS))
            .await?;
        let mut out = stored
            .iter()
            .map(|r| r.decode::<PublishedSurvey>().map_err(AppError::from))
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| (a.published_on, &a.round).cmp(&(b.published_on, &b.round)));
        Ok(out)
    }

    /// A round's published results, if published.
    pub async fn published_survey(&self, round: &str) -> Result<Option<PublishedSurvey>> {
        Ok(self
            .published_surveys()
            .await?
            .into_iter()
            .find(|p| p.round == round))
    }

    /// The latest results published on or before `day` (the dashboard: today; the
    /// quarterly report: the quarter's end), within `year` when given.
    pub async fn latest_published_survey(
        &self,
        day: NaiveDate,
        year: Option<i32>,
    ) -> Result<Option<PublishedSurvey>> {
        Ok(self
            .published_surveys()
            .await?
            .into_iter()
            .rfind(|p| p.published_on <= day && year.is_none_or(|y| p.published_on.year() == y)))
    }

    /// The quarterly report's survey section: the latest results published by `as_of`
    /// in its year, the district's cell of each domain (a domain with too few answers
    /// is left out); `None` when nothing was published.
    pub(crate) async fn report_survey(&self, as_of: NaiveDate) -> Result<Option<Survey>> {
        let Some(p) = self
            .latest_published_survey(as_of, Some(as_of.year()))
            .await?
        else {
            return Ok(None);
        };
        let items: Vec<SurveyItem> = {
            let state = self.read();
            state
                .plan
                .domains
                .iter()
                .filter_map(|d| {
                    let c = p.district_cell(&d.code)?;
                    Some(SurveyItem {
                        item: d.name.clone(),
                        index: c.index.filter(|_| !c.suppressed)?,
                        n: u32::try_from(c.n).unwrap_or(u32::MAX),
                        margin: c.moe?,
                    })
                })
                .collect()
        };
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some(Survey {
            title: format!(
                "{}(调查轮次“{}”,{}发布)",
                if p.title.is_empty() { "群众满意度调查" } else { &p.title },
                p.round,
                p.published_on.format("%Y年%-m月%-d日")
            ),
            method: "五级评分折算为0–100分,全区为按人口加权的分层估计(无抽样框时为全部得分的平均),误差范围为95%置信水平;样本少于30人的领域不列出".into(),
            items,
        }))
    }
}
