//! One indicator: `GET /api/v1/explain/{indicator}/{place}/{period}` — everything behind a
//! figure and its statuses, each result with its inputs and formula (the answer's types
//! mirror the engine's `Explained` field for field) — and the page `/indicator/{code}`
//! (trend against the targets and the schedule, the towns' bars and map, each chart with
//! its data table).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use youxiang_app::Reader;
use youxiang_app::{Explained, PlaceFigure};
use youxiang_core::decompose::PlaceTarget;
use youxiang_core::eval::Flow;
use youxiang_core::eval::{
    Explanation, Forecast, ForecastMethod, InputValue, Light, Progress, ProgressStatus, Schedule,
    ScheduleMode, UnsdRatio, UnsdStatus, YearCheck, YearStatus,
};
use youxiang_core::eval::{Pace, PaceScale, PaceStatus};
use youxiang_core::period::Period;

use crate::Shared;
use crate::auth::Authed;
use crate::chart::{self, PlanPoint};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::PageUser;
use crate::layout::{Chrome, PageResult, render};
use crate::plan::TargetOut;
use crate::status::PeriodQ;
use crate::text::{light_str, num, num_vs, parse_period, target_text};

#[derive(OpenApi)]
#[openapi(paths(explain), components(schemas(ExplainOut, PaceOut)))]
pub struct IndicatorDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/explain/{indicator}/{place}/{period}", get(explain))
        .route("/indicator/{code}", get(indicator_html))
}

#[utoipa::path(get, path = "/api/v1/explain/{indicator}/{place}/{period}", tag = "status",
    params(
        ("indicator" = String, Path, description = "指标代码,如 T02"),
        ("place" = String, Path, description = "地点代码,如 330902"),
        ("period" = String, Path, description = "期间,如 2025-09", pattern = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4][0-9]|5[0-2]))?$"),
    ),
    responses(
        (status = 200, description = "数值来源、规则、各项状态及其输入与公式", body = ExplainOut),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 404, description = "指标或地点不存在", body = ErrorBody),
        (status = 422, description = "期间无效", body = ErrorBody),
    ))]
async fn explain(
    State(web): State<Shared>,
    who: Authed,
    Path((indicator, place, period)): Path<(String, String, String)>,
) -> ApiResult<Json<ExplainOut>> {
    let period = parse_period(&period)?;
    let state = web.app.read();
    let e = state
        .view_for(Reader::Person(&who.user), &place, &indicator)
        .explain(&indicator, &place, period)
        .ok_or_else(|| ApiError::NotFound(format!("指标“{indicator}”或地点“{place}”")))?;
    // Numbers JSON cannot carry (not finite) are written as null.
    Ok(Json(ExplainOut::from(e)))
}

/// Everything behind one figure and its statuses, in words and numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainOut {
    pub indicator: String,
    pub indicator_name: String,
    pub unit: String,
    pub place: String,
    pub place_name: String,
    /// `2025-09`.
    #[schema(value_type = String)]
    pub period: Period,
    pub value: Option<f64>,
    /// How the figure came about: reported by the place itself, or rolled up.
    pub source: String,
    /// The aggregation rule in words.
    pub rule: String,
    /// The figures of the places directly below, in the same period.
    pub parts: Vec<PlaceFigureOut>,
    /// The target the place is judged against: its own (decomposed and approved), the
    /// district's, or none (a summed indicator not decomposed to the place).
    pub target: Option<TargetOut>,
    /// Which target that is, in words: 规划目标, 本地分解目标, 适用区目标 or 无分解目标.
    pub target_basis: String,
    pub year_check: YearCheckOut,
    pub schedule: Option<ScheduleOut>,
    pub progress: ProgressOut,
    pub unsd: UnsdOut,
    pub forecast: ForecastOut,
    pub pace: PaceOut,
}

/// The pace still required to reach the final target (beside the forecast).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaceOut {
    /// `required`, `met`, `missed`, `not_available`.
    #[schema(value_type = String)]
    pub status: PaceStatus,
    /// How `per_year` is measured: `growth` (percent per year, compound), `points`
    /// (percentage points per year, a rate) or `amount` (the indicator's unit per year).
    #[schema(value_type = Option<String>)]
    pub scale: Option<PaceScale>,
    /// Per year, signed (negative: a fall).
    pub per_year: Option<f64>,
    pub target_year: Option<i32>,
    /// Years left from the figure to the end of the target year.
    pub years_left: Option<f64>,
    /// "还需年均增长3.2%方能实现2027年目标".
    pub sentence: String,
    pub explanation: ExplanationOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceFigureOut {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
}

/// The formula in words with the numbers filled in, and its inputs in the order used
/// (`[["基期值", 14.5], ["指标方向", "越低越好"], …]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationOut {
    pub formula: String,
    pub inputs: Vec<(String, InputOut)>,
}

/// One input: a number or a text.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum InputOut {
    Number(f64),
    Text(String),
}

/// The year's target checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearCheckOut {
    /// `met`, `not_met`, `no_data`, `no_target`.
    #[schema(value_type = String)]
    pub status: YearStatus,
    pub actual: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The light on the time-proportional schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleOut {
    /// `green`, `yellow`, `red`, `grey`.
    #[schema(value_type = String)]
    pub light: Light,
    #[schema(value_type = String)]
    pub band_light: Light,
    /// `proportional`, `bound`, `hold`, `none`.
    #[schema(value_type = String)]
    pub mode: ScheduleMode,
    pub expected: Option<f64>,
    pub gap: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The Open SDG progress measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressOut {
    /// `target_achieved`, `substantial_progress`, `moderate_progress`,
    /// `limited_progress`, `deterioration`, `not_available`.
    #[schema(value_type = String)]
    pub status: ProgressStatus,
    pub p: Option<f64>,
    pub score: Option<f64>,
    pub c: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The UNSD progress ratio.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnsdOut {
    /// `target_met`, `on_track`, `fair_progress`, `stagnation`, `not_available`.
    #[schema(value_type = String)]
    pub status: UnsdStatus,
    pub ratio: Option<f64>,
    pub projected: Option<f64>,
    pub explanation: ExplanationOut,
}

/// The figure projected to the final year.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastOut {
    pub value: Option<f64>,
    pub year: f64,
    /// `compound` or `linear`.
    #[schema(value_type = String)]
    pub method: ForecastMethod,
    pub capped: bool,
    pub explanation: ExplanationOut,
}

impl From<Explained> for ExplainOut {
    fn from(e: Explained) -> Self {
        let Explained {
            indicator,
            indicator_name,
            unit,
            place,
            place_name,
            period,
            value,
            source,
            rule,
            parts,
            target,
            target_basis,
            year_check,
            schedule,
            progress,
            unsd,
            forecast,
            pace,
        } = e;
        let YearCheck {
            status,
            actual,
            explanation,
        } = year_check;
        let year_check = YearCheckOut {
            status,
            actual,
            explanation: explanation.into(),
        };
        let schedule = schedule.map(|s| {
            let Schedule {
                light,
                band_light,
                mode,
                expected,
                gap,
                explanation,
            } = s;
            ScheduleOut {
                light,
                band_light,
                mode,
                expected,
                gap,
                explanation: explanation.into(),
            }
        });
        let Progress {
            status,
            p,
            score,
            c,
            explanation,
        } = progress;
        let progress = ProgressOut {
            status,
            p,
            score,
            c,
            explanation: explanation.into(),
        };
        let UnsdRatio {
            status,
            ratio,
            projected,
            explanation,
        } = unsd;
        let unsd = UnsdOut {
            status,
            ratio,
            projected,
            explanation: explanation.into(),
        };
        let Forecast {
            value: projected_value,
            year,
            method,
            capped,
            explanation,
        } = forecast;
        let forecast = ForecastOut {
            value: projected_value,
            year,
            method,
            capped,
            explanation: explanation.into(),
        };
        let Pace {
            status,
            scale,
            per_year,
            target_year,
            years_left,
            sentence,
            explanation,
        } = pace;
        let pace = PaceOut {
            status,
            scale,
            per_year: per_year.filter(|v| v.is_finite()),
            target_year,
            years_left: years_left.filter(|v| v.is_finite()),
            sentence,
            explanation: explanation.into(),
        };
        ExplainOut {
            indicator,
            indicator_name,
            unit,
            place,
            place_name,
            period,
            value,
            source,
            rule,
            parts: parts
                .into_iter()
                .map(|PlaceFigure { code, name, value }| PlaceFigureOut { code, name, value })
                .collect(),
            target: target.as_ref().map(TargetOut::from),
            target_basis,
            year_check,
            schedule,
            progress,
            unsd,
            forecast,
            pace,
        }
    }
}

impl From<Explanation> for ExplanationOut {
    fn from(e: Explanation) -> Self {
        let Explanation { formula, inputs } = e;
        ExplanationOut {
            formula,
            inputs: inputs
                .into_iter()
                .map(|(name, v)| {
                    let v = match v {
                        InputValue::Number(n) => InputOut::Number(n),
                        InputValue::Text(t) => InputOut::Text(t),
                    };
                    (name, v)
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The page

/// code, name, value, light, lon, lat.
type TownRow = (String, String, Option<f64>, Light, Option<f64>, Option<f64>);

pub struct TownView {
    pub code: String,
    pub name: String,
    pub value: String,
    pub light: &'static str,
    pub light_text: String,
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    c: Chrome,
    title: String,
    code: String,
    place_name: String,
    unit: String,
    polarity: String,
    rollup: String,
    lead: String,
    source: String,
    light: &'static str,
    light_text: String,
    value: String,
    explain: Vec<String>,
    /// The form for the cause and measures of a lagging figure, for its lead unit.
    note_link: String,
    /// What the form that led back here did.
    notice: String,
    trend_chart: String,
    /// Period, figure and the schedule's expected value (the chart's data).
    series: Vec<(String, String, String)>,
    targets: Vec<(i32, String)>,
    towns: Vec<TownView>,
    bars_chart: String,
    /// The map of the places below, coloured by this indicator's light (map.rs).
    map: String,
}

async fn indicator_html(
    State(web): State<Shared>,
    who: PageUser,
    Path(code): Path<String>,
    Query(q): Query<PeriodQ>,
) -> PageResult {
    let c = who.chrome(&web, &format!("/indicator/{code}"));
    let state = web.app.read();
    let Some(ind) = state.plan.indicator(&code).cloned() else {
        return Err(c.error(ApiError::NotFound(format!("指标“{code}”"))));
    };
    let place = q.place.clone().unwrap_or_else(|| state.plan.place.clone());
    let Some(pid) = state.tree.id(&place) else {
        return Err(c.error(ApiError::NotFound(format!("地点“{place}”"))));
    };
    let period: Option<Period> = q.period.as_deref().and_then(|p| p.parse().ok());
    // Each figure as this reader may see it: drafts only within their scope.
    let reader = Reader::Person(&who.user);
    let engine = state.view_for(reader, &place, &code);
    let series = engine.series_at(&code, &place);
    let latest = period.or_else(|| series.last().map(|(p, _)| *p));
    let explained = latest.and_then(|p| engine.explain(&code, &place, p));
    let (light, value, explain) = match &explained {
        Some(e) => {
            let light = e.schedule.as_ref().map(|s| s.light).unwrap_or(Light::Grey);
            let mut lines = vec![
                format!("{}:{}", e.period.label_zh(), e.source),
                e.rule.clone(),
                format!("目标依据:{}", e.target_basis),
            ];
            if let Some(s) = &e.schedule {
                lines.push(s.explanation.formula.clone());
            }
            lines.push(e.year_check.explanation.formula.clone());
            lines.extend(crate::problems::outlook_lines(e, &series, &ind.unit));
            let target = e.target.as_ref().map(|t| t.text.as_str()).unwrap_or("");
            (light, num_vs(e.value, target, &ind.unit), lines)
        }
        None => (Light::Grey, "—".into(), vec![]),
    };
    // The plan's path at this place: the baseline (the district's own) and each year's
    // target the place is judged against — none for a summed figure not decomposed to it.
    let mut plan: Vec<PlanPoint> = Vec::new();
    if place == state.plan.place
        && let Some(v) = ind.baseline.value
    {
        plan.push(PlanPoint {
            year: state.plan.baseline_year,
            value: v,
            text: num(Some(v), &ind.unit),
            baseline: true,
            joined: true,
        });
    }
    let mut bound = false;
    for &y in &state.plan.target_years {
        if let Some(PlaceTarget::Own(t) | PlaceTarget::District(t)) =
            engine.target_at(&code, &place, y)
            && let Some(v) = t.aim()
        {
            let joined = plan
                .last()
                .is_none_or(|p| t.joins_path(p.value, bound, ind.polarity));
            bound = t.is_bound();
            plan.push(PlanPoint {
                year: y,
                value: v,
                text: target_text(&t.text, t.value, &ind.unit),
                baseline: false,
                joined,
            });
        }
    }
    let trend = chart::trend(&chart::Trend {
        unit: ind.unit.clone(),
        en: c.en,
        actual: series.clone(),
        schedule: series
            .iter()
            .map(|(p, _)| {
                let expected = engine
                    .explain(&code, &place, *p)
                    .and_then(|e| e.schedule.and_then(|s| s.expected));
                (*p, expected)
            })
            .collect(),
        plan,
        plan_line: ind.flow != Flow::YearToDate,
    });
    let year = latest
        .map(|p| p.year())
        .unwrap_or_else(|| state.plan.final_year());
    let mut towns: Vec<TownRow> = state
        .tree
        .children(pid)
        .iter()
        .map(|t| {
            let p = state.tree.get(*t);
            let s = state
                .view_for(reader, &p.code, &code)
                .status(&code, &p.code, year);
            (
                p.code.clone(),
                p.name.clone(),
                s.and_then(|s| s.value),
                s.map(|s| s.light).unwrap_or(Light::Grey),
                p.lon,
                p.lat,
            )
        })
        .collect();
    towns.sort_by(|a, b| b.2.unwrap_or(f64::MIN).total_cmp(&a.2.unwrap_or(f64::MIN)));
    // Each town's target this year, as the town is judged (its own, or the district's).
    let town_targets: Vec<Option<(f64, String)>> = towns
        .iter()
        .map(|t| {
            match state
                .view_for(reader, &t.0, &code)
                .target_at(&code, &t.0, year)
            {
                Some(PlaceTarget::Own(x) | PlaceTarget::District(x)) => x
                    .aim()
                    .map(|v| (v, target_text(&x.text, x.value, &ind.unit))),
                _ => None,
            }
        })
        .collect();
    let bars = chart::bars(
        &towns
            .iter()
            .zip(&town_targets)
            .map(|(t, target)| chart::Bar {
                name: t.1.clone(),
                value: t.2,
                light: t.3,
                target: target.as_ref().map(|x| x.0),
            })
            .collect::<Vec<_>>(),
        &ind.unit,
        town_targets
            .iter()
            .flatten()
            .next()
            .map_or("", |x| x.1.as_str()),
        c.en,
    );
    let page = IndicatorPage {
        title: format!("{} {}", ind.code, ind.name),
        code: code.clone(),
        place_name: state.tree.get(pid).name.clone(),
        unit: ind.unit.clone(),
        polarity: match ind.polarity {
            youxiang_core::Polarity::LowerIsBetter => c.t("lower").into(),
            _ => c.t("higher").into(),
        },
        rollup: if c.en {
            ind.aggregation.label_en()
        } else {
            ind.aggregation.label_zh()
        },
        lead: ind.lead_unit.clone(),
        source: match &ind.source {
            youxiang_core::IndicatorSource::Task { sentence, .. } => sentence.clone(),
            youxiang_core::IndicatorSource::Table { seq } => format!("表 序号 {seq}"),
        },
        light: light_str(light),
        light_text: c.light(light),
        value,
        explain,
        notice: q.ok.clone().unwrap_or_default(),
        note_link: if matches!(light, Light::Red | Light::Yellow)
            && youxiang_app::problems::may_write_note_in(&state, &who.user.login, &code, &place)
        {
            format!(
                "/problems/note?indicator={code}&place={place}&back={}",
                crate::download::pct(&format!("/indicator/{code}?place={place}"))
            )
        } else {
            String::new()
        },
        trend_chart: trend.to_string(),
        // The chart's data as a table: each figure beside the schedule it was judged by.
        series: series
            .iter()
            .map(|(p, v)| {
                let expected = engine
                    .explain(&code, &place, *p)
                    .and_then(|e| e.schedule.and_then(|s| s.expected));
                (
                    crate::text::period_label(p, c.en),
                    num(Some(*v), &ind.unit),
                    num(expected, &ind.unit),
                )
            })
            .collect(),
        // The targets the place is judged against: the plan's (with its baseline) at the
        // district; below it each year's own, the district's for a rate, or 无分解目标.
        targets: if place == state.plan.place {
            std::iter::once((state.plan.baseline_year, &ind.baseline))
                .chain(ind.targets.iter().map(|(y, t)| (*y, t)))
                .map(|(y, t)| (y, target_text(&t.text, t.value, &ind.unit)))
                .collect()
        } else {
            ind.targets
                .keys()
                .map(|y| {
                    let text = match engine.target_at(&code, &place, *y) {
                        Some(PlaceTarget::Own(t)) => {
                            format!("{}(本地分解)", target_text(&t.text, t.value, &ind.unit))
                        }
                        Some(PlaceTarget::District(t)) => {
                            format!("{}(适用区目标)", target_text(&t.text, t.value, &ind.unit))
                        }
                        Some(PlaceTarget::Undecomposed) => "无分解目标".to_string(),
                        None => "—".to_string(),
                    };
                    (*y, text)
                })
                .collect()
        },
        towns: towns
            .iter()
            .map(|t| TownView {
                code: t.0.clone(),
                name: t.1.clone(),
                value: num(t.2, &ind.unit),
                light: light_str(t.3),
                light_text: c.light(t.3),
            })
            .collect(),
        bars_chart: bars.to_string(),
        map: crate::map::indicator_map(&c, &state, reader, &code, &place, year, period),
        c,
    };
    drop(state);
    Ok(render(&page))
}
