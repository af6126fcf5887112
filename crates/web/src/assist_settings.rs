//! The assistance rules as forms for the office and the 民政 department (弱有众扶, issue
//! 16): `/assist/rules` (the eligibility rules — one fieldset per rule and per clause,
//! Chinese names for every kind and line, values with their units, a clause or a rule
//! added or removed by a button that renders the form again, the preview of who gains and
//! who loses eligibility before saving; the TOML stays the API's and the command line's),
//! `/assist/visits/plan` (探访计划: a frequency per category) and `/assist/flags/rules`
//! (监测预警规则: the thresholds). The API: `PUT /api/v1/assist/visit-plan`, `GET|PUT
//! /api/v1/assist/flag-rules`. Every save goes through the app's audited write
//! (`assist.rules`, `assist.visit.plan`, `assist.flag.rules`); who may change them is
//! `core::assist::rights::may_set_rules`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};
use youxiang_app::assist::visits::StoredVisitPlan;
use youxiang_core::assist::register::Category;
use youxiang_core::assist::rules::{Basis, Rule, RuleSet, Standard, standard_at, yuan};
use youxiang_core::assist::rules_edit::{
    ClauseKind, ClauseValue, RuleField, RuleProblem, parts, problems, to_toml,
};
use youxiang_core::assist::visits::{Frequency, PlanRow, VisitPlan};
use youxiang_core::assist::warnings::FlagRules;
use youxiang_core::labels::Labelled;

use crate::Shared;
use crate::assist_list::{place_name, tr};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PageUser, Writer};
use crate::layout::{Chrome, Fields, PageResult, back_to, check_form, field, render};
use crate::text::labels;

#[derive(OpenApi)]
#[openapi(
    paths(api_visit_plan_save, api_flag_rules, api_flag_rules_save),
    components(schemas(AssistVisitPlanIn, AssistVisitPlanRowIn, AssistFlagRulesIn))
)]
pub struct AssistSettingsDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v1/assist/visit-plan",
            axum::routing::put(api_visit_plan_save),
        )
        .route(
            "/api/v1/assist/flag-rules",
            get(api_flag_rules).put(api_flag_rules_save),
        )
        .route("/assist/rules", get(rules_page).post(rules_post))
        .route("/assist/visits/plan", get(plan_page).post(plan_post))
        .route(
            "/assist/flags/rules",
            get(flag_rules_page).post(flag_rules_post),
        )
}

// ---- API ----

/// One category's visit frequency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistVisitPlanRowIn {
    /// The category's code: tekun, dibao, dibao_edge, spending, child, disabled,
    /// elder_alone, other (or its Chinese name).
    pub category: String,
    /// monthly, quarterly, half_yearly or yearly (or 每月, 每季度, 每半年, 每年).
    pub frequency: String,
}

/// The whole visit plan: categories left out owe no visits.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistVisitPlanIn {
    pub rows: Vec<AssistVisitPlanRowIn>,
    /// The plan's version read (0 for the shipped plan); default: the current one.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The flag rules' thresholds, all of them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistFlagRulesIn {
    /// 收入下降超过 (%), 0–100.
    pub income_drop_pct: f64,
    /// 近12个月医疗支出超过 (元), at least 0.
    pub medical_yuan: f64,
    /// 探访逾期超过 (天), at least 0.
    pub missed_visit_days: i64,
    /// 救助资格复核周期 (个月), 1–60.
    pub review_months: u32,
    /// 复核到期前提醒 (天), at least 0.
    pub expiry_warn_days: i64,
    /// 预警处理期限 (天), 1–365.
    pub handle_days: i64,
    /// The rules' version read (0 for the shipped rules); default: the current one.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The plan from its rows, every unreadable row named.
fn plan_of(rows: &[AssistVisitPlanRowIn]) -> Result<VisitPlan, ApiError> {
    let mut problems = Vec::new();
    let mut plan = VisitPlan { rows: Vec::new() };
    for (n, r) in rows.iter().enumerate() {
        let category = r.category.trim().parse::<Category>();
        let frequency = r.frequency.trim().parse::<Frequency>();
        match (category, frequency) {
            (Ok(category), Ok(frequency)) => plan.rows.push(PlanRow {
                category,
                frequency,
            }),
            (c, f) => {
                for e in [
                    c.err().map(|e| e.to_string()),
                    f.err().map(|e| e.to_string()),
                ]
                .into_iter()
                .flatten()
                {
                    problems.push(format!("第{}行:{e}", n + 1));
                }
            }
        }
    }
    problems.extend(plan.problems());
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(ApiError::Invalid(problems))
    }
}

#[utoipa::path(put, path = "/api/v1/assist/visit-plan", tag = "assist",
    request_body = AssistVisitPlanIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已保存(已审计):{rows: [{category, frequency}], version}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权修改探访计划,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "探访计划已被他人修改", body = ErrorBody),
        (status = 422, description = "请求体无效,或类别、频次不认识、类别重复(逐行列出)", body = ErrorBody),
    ))]
async fn api_visit_plan_save(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<AssistVisitPlanIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let plan = plan_of(&body.rows)?;
    let version = match body.version {
        Some(v) => v,
        None => web.app.assist_visit_plan().await?.version,
    };
    let saved = web
        .app
        .save_assist_visit_plan(&who.user.login, plan, version)
        .await?;
    Ok(Json(serde_json::to_value(saved).unwrap_or_default()))
}

#[utoipa::path(get, path = "/api/v1/assist/flag-rules", tag = "assist",
    responses(
        (status = 200, description = "监测预警规则:{income_drop_pct(%), medical_yuan(元), missed_visit_days(天), review_months(个月), expiry_warn_days(天), handle_days(天), version}", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
async fn api_flag_rules(
    State(web): State<Shared>,
    _who: Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let r = web.app.assist_flag_rules().await?;
    Ok(Json(serde_json::to_value(r).unwrap_or_default()))
}

#[utoipa::path(put, path = "/api/v1/assist/flag-rules", tag = "assist",
    request_body = AssistFlagRulesIn,
    params(("X-CSRF-Token" = String, Header, description = "登录时返回的 csrf_token")),
    responses(
        (status = 200, description = "已保存(已审计),返回规则与新版本", body = serde_json::Value),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权修改监测预警规则,或 CSRF 校验失败", body = ErrorBody),
        (status = 409, description = "规则已被他人修改", body = ErrorBody),
        (status = 422, description = "请求体无效,或阈值超出范围(逐项列出)", body = ErrorBody),
    ))]
async fn api_flag_rules_save(
    State(web): State<Shared>,
    who: Writer,
    JsonBody(body): JsonBody<AssistFlagRulesIn>,
) -> ApiResult<Json<serde_json::Value>> {
    let rules = FlagRules {
        income_drop_pct: body.income_drop_pct,
        medical_yuan: body.medical_yuan,
        missed_visit_days: body.missed_visit_days,
        review_months: body.review_months,
        expiry_warn_days: body.expiry_warn_days,
        handle_days: body.handle_days,
    };
    let version = match body.version {
        Some(v) => v,
        None => web.app.assist_flag_rules().await?.version,
    };
    let saved = web
        .app
        .save_assist_flag_rules(&who.user.login, rules, version)
        .await?;
    Ok(Json(serde_json::to_value(saved).unwrap_or_default()))
}

// ---- the eligibility rules' form ----

/// A clause as the form holds it (text as typed, so a bad value comes back as it was).
struct ClauseRow {
    i: usize,
    j: usize,
    kind: String,
    basis: String,
    times: String,
    n: String,
    cats: Vec<String>,
    /// The line this clause compares with today, in words.
    hint: String,
    err_kind: String,
    err_basis: String,
    err_times: String,
    err_n: String,
    err_cats: String,
}

impl ClauseRow {
    fn has(&self, code: &str) -> bool {
        self.cats.iter().any(|c| c == code)
    }

    fn invalid(&self) -> bool {
        !(self.err_kind.is_empty()
            && self.err_basis.is_empty()
            && self.err_times.is_empty()
            && self.err_n.is_empty()
            && self.err_cats.is_empty())
    }
}

struct RuleRow {
    i: usize,
    code: String,
    name: String,
    clauses: Vec<ClauseRow>,
    err_name: String,
    err_clauses: String,
}

fn clause_row(i: usize, j: usize, c: &youxiang_core::assist::rules::Clause) -> ClauseRow {
    let (kind, basis, times, n, cats) = parts(c);
    ClauseRow {
        i,
        j,
        kind: kind.code().to_string(),
        basis: basis.code().to_string(),
        times: times.to_string(),
        n: n.to_string(),
        cats: cats.iter().map(|c| c.code().to_string()).collect(),
        hint: String::new(),
        err_kind: String::new(),
        err_basis: String::new(),
        err_times: String::new(),
        err_n: String::new(),
        err_cats: String::new(),
    }
}

fn rows_of(set: &RuleSet) -> Vec<RuleRow> {
    set.rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleRow {
            i,
            code: r.code.clone(),
            name: r.name.clone(),
            clauses: r
                .clauses
                .iter()
                .enumerate()
                .map(|(j, c)| clause_row(i, j, c))
                .collect(),
            err_name: String::new(),
            err_clauses: String::new(),
        })
        .collect()
}

fn empty_clause(i: usize, j: usize) -> ClauseRow {
    clause_row(
        i,
        j,
        &ClauseKind::IncomeBelow.clause(Basis::Dibao, 1.0, 1, vec![]),
    )
}

/// The rules as posted (at most 100 rules of 50 clauses).
fn rows_posted(form: &Fields) -> Vec<RuleRow> {
    let get = |k: &str| field(form, k).map(|v| v.trim().to_string());
    let mut rows = Vec::new();
    for i in 0..100 {
        let Some(code) = get(&format!("r{i}.code")) else {
            break;
        };
        let mut clauses = Vec::new();
        for j in 0..50 {
            let Some(kind) = get(&format!("r{i}.c{j}.kind")) else {
                break;
            };
            let cat_key = format!("r{i}.c{j}.cat");
            clauses.push(ClauseRow {
                i,
                j,
                kind,
                basis: get(&format!("r{i}.c{j}.basis")).unwrap_or_default(),
                times: get(&format!("r{i}.c{j}.times")).unwrap_or_default(),
                n: get(&format!("r{i}.c{j}.n")).unwrap_or_default(),
                cats: form
                    .iter()
                    .filter(|(k, _)| *k == cat_key)
                    .map(|(_, v)| v.trim().to_string())
                    .collect(),
                hint: String::new(),
                err_kind: String::new(),
                err_basis: String::new(),
                err_times: String::new(),
                err_n: String::new(),
                err_cats: String::new(),
            });
        }
        rows.push(RuleRow {
            i,
            code,
            name: get(&format!("r{i}.name")).unwrap_or_default(),
            clauses,
            err_name: String::new(),
            err_clauses: String::new(),
        });
    }
    rows
}

/// Numbers the rows again after one was added or removed.
fn renumber(rows: &mut [RuleRow]) {
    for (i, r) in rows.iter_mut().enumerate() {
        r.i = i;
        for (j, c) in r.clauses.iter_mut().enumerate() {
            c.i = i;
            c.j = j;
        }
    }
}

/// A number as typed, with its unit or thousands separators allowed (`1.5倍`, `20,000`).
fn number(text: &str, unit: &str) -> Option<f64> {
    let t = text
        .trim()
        .trim_end_matches(unit)
        .trim()
        .replace([',', ','], "");
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The rules the rows say, and every problem located by rule, clause and field.
fn read_rows(rows: &[RuleRow]) -> (RuleSet, Vec<RuleProblem>) {
    let mut found = Vec::new();
    let mut at = |rule: usize, clause: Option<usize>, field: RuleField, text: String| {
        found.push(RuleProblem {
            rule: Some(rule),
            clause,
            field: Some(field),
            text,
        })
    };
    let mut set = RuleSet { rules: Vec::new() };
    for r in rows {
        let mut clauses = Vec::new();
        for c in &r.clauses {
            let kind = c.kind.parse::<ClauseKind>().unwrap_or_else(|_| {
                at(r.i, Some(c.j), RuleField::Kind, "请选择条件类别".into());
                ClauseKind::IncomeBelow
            });
            let mut basis = Basis::Dibao;
            let mut times = 1.0;
            let mut n = 1;
            let mut categories = Vec::new();
            match kind.takes() {
                ClauseValue::Line => {
                    basis = c.basis.parse::<Basis>().unwrap_or_else(|_| {
                        at(r.i, Some(c.j), RuleField::Basis, "请选择比较依据".into());
                        Basis::Dibao
                    });
                    match number(&c.times, "倍") {
                        Some(v) => times = v,
                        None => at(
                            r.i,
                            Some(c.j),
                            RuleField::Times,
                            format!("“{}”不是数字,应写作 1 或 1.5 这样的倍数", c.times),
                        ),
                    }
                }
                ClauseValue::Count => {
                    match c.n.trim().trim_end_matches('人').trim().parse::<usize>() {
                        Ok(v) => n = v,
                        Err(_) => at(
                            r.i,
                            Some(c.j),
                            RuleField::Count,
                            format!("“{}”不是整数,应写作 1 这样的人数", c.n),
                        ),
                    }
                }
                ClauseValue::Categories => {
                    for code in &c.cats {
                        match code.parse::<Category>() {
                            Ok(x) if !categories.contains(&x) => categories.push(x),
                            Ok(_) => {}
                            Err(_) => at(
                                r.i,
                                Some(c.j),
                                RuleField::Categories,
                                "有不认识的困难类别".into(),
                            ),
                        }
                    }
                }
            }
            clauses.push(kind.clause(basis, times, n, categories));
        }
        set.rules.push(Rule {
            code: r.code.clone(),
            name: r.name.clone(),
            clauses,
        });
    }
    found.extend(problems(&set));
    found.sort_by_key(|p| (p.rule, p.clause));
    (set, found)
}

/// Puts each problem next to its field.
fn mark(rows: &mut [RuleRow], found: &[RuleProblem], set: &RuleSet) -> Vec<String> {
    for p in found {
        let (Some(i), Some(f)) = (p.rule, p.field) else {
            continue;
        };
        let Some(r) = rows.get_mut(i) else { continue };
        let text = p.text.clone();
        match (p.clause.and_then(|j| r.clauses.get_mut(j)), f) {
            (Some(c), RuleField::Kind) => c.err_kind = text,
            (Some(c), RuleField::Basis) => c.err_basis = text,
            (Some(c), RuleField::Times) => c.err_times = text,
            (Some(c), RuleField::Count) => c.err_n = text,
            (Some(c), RuleField::Categories) => c.err_cats = text,
            (None, RuleField::Name) => r.err_name = text,
            (None, RuleField::Clauses) => r.err_clauses = text,
            // The code is not on the form: its problem shows at the name.
            (None, RuleField::Code) => r.err_name = format!("规则编码{text}"),
            _ => {}
        }
    }
    found.iter().map(|p| p.describe(&set.rules)).collect()
}

/// The district's standard in force today and its place's name.
async fn district_standard(web: &Shared) -> Result<Option<(Standard, String)>, ApiError> {
    let s = web.app.assist_standards().await?;
    let district = {
        let st = web.app.read();
        st.tree
            .roots()
            .next()
            .map(|r| st.tree.get(r).code.clone())
            .unwrap_or_default()
    };
    Ok(
        standard_at(&s.standards, &[district.as_str()], web.app.today())
            .cloned()
            .map(|x| {
                let name = place_name(web, &x.place);
                (x, name)
            }),
    )
}

/// Each valid line clause's threshold today, in words.
fn hints(c: &Chrome, rows: &mut [RuleRow], set: &RuleSet, standard: Option<&Standard>) {
    let Some(s) = standard else { return };
    for (r, rule) in rows.iter_mut().zip(&set.rules) {
        for (row, clause) in r.clauses.iter_mut().zip(&rule.clauses) {
            let (kind, basis, times, _, _) = parts(clause);
            if kind.takes() != ClauseValue::Line || row.invalid() {
                continue;
            }
            let line = s.line(basis) * times;
            row.hint = if c.en {
                format!(
                    "Today: {} × {times} = {} per head and year",
                    basis.label_en(),
                    yuan(line)
                )
            } else {
                format!(
                    "按现行标准:{} {}/人·年 × {times}倍 = {}/人·年",
                    basis.label_zh(),
                    yuan(s.line(basis)),
                    yuan(line)
                )
            };
        }
    }
}

#[derive(Template)]
#[template(path = "assist_rules.html")]
struct RulesPage {
    c: Chrome,
    title: String,
    notice: String,
    version: i64,
    rules: Vec<RuleRow>,
    problems: Vec<String>,
    previewed: bool,
    households: usize,
    changes: Vec<(String, String, String, String)>,
    kinds: Vec<(&'static str, String)>,
    bases: Vec<(&'static str, String)>,
    cats: Vec<(&'static str, String)>,
    standard: String,
}

/// Whether `who` uses the register (and so reads its rules); the error page otherwise.
#[allow(clippy::result_large_err)]
fn may_use(web: &Shared, who: &PageUser, c: &Chrome) -> Result<(), Response> {
    if web.app.may_use_assist(&who.user.login) {
        Ok(())
    } else {
        Err(c.error(ApiError::Forbidden(vec![tr(
            c,
            "本人角色不使用困难群众名册",
            "Your role does not use the register",
        )])))
    }
}

/// Whether `who` may change the rules; the error page otherwise.
#[allow(clippy::result_large_err)]
fn may_set(web: &Shared, who: &PageUser, c: &Chrome, zh: &str, en: &str) -> Result<(), Response> {
    if web.app.may_set_assist_rules(&who.user.login) {
        Ok(())
    } else {
        Err(c.error(ApiError::Forbidden(vec![tr(c, zh, en)])))
    }
}

/// What the rules form shows beside the rules.
struct RulesView {
    notice: String,
    problems: Vec<String>,
    preview: Option<youxiang_app::assist::happiness::RulesPreview>,
}

async fn rules_render(
    web: &Shared,
    c: Chrome,
    mut rows: Vec<RuleRow>,
    version: i64,
    view: RulesView,
) -> PageResult {
    let current = web.app.assist_rules().await.map_err(|e| c.error(e))?;
    let standard = district_standard(web).await.map_err(|e| c.error(e))?;
    let (set, _) = read_rows(&rows);
    hints(&c, &mut rows, &set, standard.as_ref().map(|(s, _)| s));
    let mut names: HashMap<String, String> = current
        .rules
        .rules
        .iter()
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect();
    names.extend(set.rules.iter().map(|r| (r.code.clone(), r.name.clone())));
    let named = |codes: &[String]| {
        codes
            .iter()
            .map(|x| names.get(x).cloned().unwrap_or_else(|| x.clone()))
            .collect::<Vec<_>>()
            .join("、")
    };
    let standard = match standard {
        Some((s, place)) if c.en => format!(
            "In force today ({place}, from {}): allowance {} per head and year; near-allowance line {} × = {}; destitute support {} × = {}.",
            s.from,
            yuan(s.dibao_year),
            s.edge_factor,
            yuan(s.edge_year()),
            s.tekun_factor,
            yuan(s.tekun_year())
        ),
        Some((s, place)) => format!(
            "现行标准({place},{}起):低保标准 {}/人·年;低保边缘标准 = 低保标准 × {}倍 = {}/人·年;特困供养标准 = 低保标准 × {}倍 = {}/人·年。",
            s.from,
            yuan(s.dibao_year),
            s.edge_factor,
            yuan(s.edge_year()),
            s.tekun_factor,
            yuan(s.tekun_year())
        ),
        None => tr(
            &c,
            "今天没有适用的低保标准。",
            "No allowance standard applies today.",
        ),
    };
    let page = RulesPage {
        title: tr(&c, "救助资格规则", "Eligibility rules"),
        notice: view.notice,
        version,
        rules: rows,
        problems: view.problems,
        previewed: view.preview.is_some(),
        households: view.preview.as_ref().map(|p| p.households).unwrap_or(0),
        changes: view
            .preview
            .as_ref()
            .map(|p| {
                p.changes
                    .iter()
                    .map(|x| {
                        (
                            x.household.clone(),
                            place_name(web, &x.place),
                            named(&x.gains),
                            named(&x.loses),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        kinds: labels::<ClauseKind>(c.en),
        bases: labels::<Basis>(c.en),
        cats: labels::<Category>(c.en),
        standard,
        c,
    };
    Ok(render(&page))
}

#[derive(Debug, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

async fn rules_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/rules");
    may_set(
        &web,
        &who,
        &c,
        "无权修改救助资格规则",
        "Not allowed to change the eligibility rules",
    )?;
    let current = web.app.assist_rules().await.map_err(|e| c.error(e))?;
    let view = RulesView {
        notice: q.ok.unwrap_or_default(),
        problems: vec![],
        preview: None,
    };
    rules_render(&web, c, rows_of(&current.rules), current.version, view).await
}

/// What a button of the rules form asks.
enum Act {
    Preview,
    Save,
    AddRule,
    DelRule(usize),
    AddClause(usize),
    DelClause(usize, usize),
}

fn act(text: &str) -> Act {
    let mut p = text.split('.');
    let word = p.next().unwrap_or("");
    let mut num = || p.next().and_then(|n| n.parse::<usize>().ok());
    match (word, num(), num()) {
        ("save", ..) => Act::Save,
        ("add_rule", ..) => Act::AddRule,
        ("del_rule", Some(i), _) => Act::DelRule(i),
        ("add_clause", Some(i), _) => Act::AddClause(i),
        ("del_clause", Some(i), Some(j)) => Act::DelClause(i, j),
        _ => Act::Preview,
    }
}

/// A code no rule uses yet, for a new rule (kept in the form, never shown).
fn new_code(rows: &[RuleRow]) -> String {
    (rows.len() + 1..)
        .map(|k| format!("rule{k}"))
        .find(|c| rows.iter().all(|r| r.code != *c))
        .unwrap_or_default()
}

async fn rules_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/rules");
    check_form(&c, &who, &form)?;
    may_set(
        &web,
        &who,
        &c,
        "无权修改救助资格规则",
        "Not allowed to change the eligibility rules",
    )?;
    let login = &who.user.login;
    let version: i64 = field(&form, "version")
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or(0);
    let mut rows = rows_posted(&form);
    let plain = |notice: String| RulesView {
        notice,
        problems: vec![],
        preview: None,
    };
    let action = act(field(&form, "do").unwrap_or(""));
    match action {
        Act::AddRule => {
            let i = rows.len();
            rows.push(RuleRow {
                i,
                code: new_code(&rows),
                name: String::new(),
                clauses: vec![empty_clause(i, 0)],
                err_name: String::new(),
                err_clauses: String::new(),
            });
            return rules_render(&web, c, rows, version, plain(String::new())).await;
        }
        Act::DelRule(i) if i < rows.len() => {
            rows.remove(i);
            renumber(&mut rows);
            return rules_render(&web, c, rows, version, plain(String::new())).await;
        }
        Act::AddClause(i) if i < rows.len() => {
            let j = rows[i].clauses.len();
            rows[i].clauses.push(empty_clause(i, j));
            return rules_render(&web, c, rows, version, plain(String::new())).await;
        }
        Act::DelClause(i, j) if i < rows.len() && j < rows[i].clauses.len() => {
            rows[i].clauses.remove(j);
            renumber(&mut rows);
            return rules_render(&web, c, rows, version, plain(String::new())).await;
        }
        _ => {}
    }
    let (set, found) = read_rows(&rows);
    if !found.is_empty() {
        let words = mark(&mut rows, &found, &set);
        let view = RulesView {
            notice: String::new(),
            problems: words,
            preview: None,
        };
        let page = rules_render(&web, c, rows, version, view).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let toml = to_toml(&set);
    let preview = web
        .app
        .preview_assist_rules(login, &toml)
        .await
        .map_err(|e| c.error(e))?;
    if matches!(action, Act::Save) {
        web.app
            .save_assist_rules(login, &toml, version)
            .await
            .map_err(|e| c.error(e))?;
        let msg = if c.en {
            format!(
                "Saved: {} household(s) change eligibility",
                preview.changes.len()
            )
        } else {
            format!("已保存:资格变化 {} 户", preview.changes.len())
        };
        return Ok(back_to("/assist/rules", &msg));
    }
    let view = RulesView {
        notice: String::new(),
        problems: vec![],
        preview: Some(preview),
    };
    rules_render(&web, c, rows, version, view).await
}

// ---- the visit plan's form ----

struct PlanFormRow {
    code: &'static str,
    label: String,
    freq: String,
    err: String,
}

#[derive(Template)]
#[template(path = "assist_visit_plan.html")]
struct PlanPage {
    c: Chrome,
    title: String,
    notice: String,
    version: i64,
    rows: Vec<PlanFormRow>,
    freqs: Vec<(&'static str, String)>,
    can_edit: bool,
    problems: Vec<String>,
}

fn plan_rows(c: &Chrome, plan: &VisitPlan) -> Vec<PlanFormRow> {
    Category::all()
        .iter()
        .map(|cat| PlanFormRow {
            code: cat.code(),
            label: if c.en { cat.label_en() } else { cat.label_zh() }.to_string(),
            freq: plan
                .of(*cat)
                .map(|f| f.code().to_string())
                .unwrap_or_default(),
            err: String::new(),
        })
        .collect()
}

fn plan_render(
    c: Chrome,
    can_edit: bool,
    stored: &StoredVisitPlan,
    rows: Vec<PlanFormRow>,
    notice: String,
    problems: Vec<String>,
) -> Response {
    let page = PlanPage {
        title: tr(&c, "探访计划", "Visit plan"),
        notice,
        version: stored.version,
        rows,
        freqs: labels::<Frequency>(c.en),
        can_edit,
        problems,
        c,
    };
    render(&page)
}

async fn plan_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/visits/plan");
    let login = &who.user.login;
    may_use(&web, &who, &c)?;
    let stored = web.app.assist_visit_plan().await.map_err(|e| c.error(e))?;
    let rows = plan_rows(&c, &stored.plan);
    let can_edit = web.app.may_set_assist_rules(login);
    Ok(plan_render(
        c,
        can_edit,
        &stored,
        rows,
        q.ok.unwrap_or_default(),
        vec![],
    ))
}

async fn plan_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/visits/plan");
    check_form(&c, &who, &form)?;
    may_set(
        &web,
        &who,
        &c,
        "无权修改探访计划",
        "Not allowed to change the visit plan",
    )?;
    let version: i64 = field(&form, "version")
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or(0);
    let stored = web.app.assist_visit_plan().await.map_err(|e| c.error(e))?;
    let mut rows = plan_rows(&c, &stored.plan);
    let mut plan = VisitPlan { rows: Vec::new() };
    let mut problems = Vec::new();
    for (row, cat) in rows.iter_mut().zip(Category::all()) {
        let text = field(&form, &format!("cat.{}", cat.code()))
            .unwrap_or("")
            .trim()
            .to_string();
        row.freq = text.clone();
        if text.is_empty() {
            continue;
        }
        match text.parse::<Frequency>() {
            Ok(frequency) => plan.rows.push(PlanRow {
                category: *cat,
                frequency,
            }),
            Err(_) => {
                row.err = tr(&c, "请选择探访频次", "Choose a frequency");
                problems.push(format!(
                    "类别“{}”的“探访频次”:“{text}”不是可选的频次",
                    cat.label_zh()
                ));
            }
        }
    }
    if !problems.is_empty() {
        let page = plan_render(c, true, &stored, rows, String::new(), problems);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    web.app
        .save_assist_visit_plan(&who.user.login, plan, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/assist/visits/plan",
        &tr(&c, "已保存探访计划", "Visit plan saved"),
    ))
}

// ---- the flag rules' form ----

/// The thresholds' fields: the key, the Chinese and English names, the unit.
const THRESHOLDS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "income_drop_pct",
        "收入下降超过",
        "Income drop above",
        "%",
        "%",
    ),
    (
        "medical_yuan",
        "近12个月医疗支出超过",
        "Medical cost in 12 months above",
        "元",
        "yuan",
    ),
    (
        "missed_visit_days",
        "探访逾期超过",
        "Visit overdue by more than",
        "天",
        "days",
    ),
    (
        "review_months",
        "救助资格复核周期",
        "Review every",
        "个月",
        "months",
    ),
    (
        "expiry_warn_days",
        "复核到期前提醒",
        "Warn before the review",
        "天",
        "days",
    ),
    (
        "handle_days",
        "预警处理期限",
        "Time to handle a flag",
        "天",
        "days",
    ),
];

struct ThresholdRow {
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    value: String,
    err: String,
}

#[derive(Template)]
#[template(path = "assist_flag_rules.html")]
struct FlagRulesPage {
    c: Chrome,
    title: String,
    notice: String,
    version: i64,
    rows: Vec<ThresholdRow>,
    can_edit: bool,
    problems: Vec<String>,
}

fn threshold_rows(c: &Chrome, r: &FlagRules) -> Vec<ThresholdRow> {
    let values = [
        r.income_drop_pct.to_string(),
        r.medical_yuan.to_string(),
        r.missed_visit_days.to_string(),
        r.review_months.to_string(),
        r.expiry_warn_days.to_string(),
        r.handle_days.to_string(),
    ];
    THRESHOLDS
        .iter()
        .zip(values)
        .map(|((key, zh, en, uzh, uen), value)| ThresholdRow {
            key,
            label: if c.en { en } else { zh },
            unit: if c.en { uen } else { uzh },
            value,
            err: String::new(),
        })
        .collect()
}

async fn flag_rules_page(
    State(web): State<Shared>,
    who: PageUser,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/assist/flags/rules");
    let login = &who.user.login;
    may_use(&web, &who, &c)?;
    let stored = web.app.assist_flag_rules().await.map_err(|e| c.error(e))?;
    let page = FlagRulesPage {
        title: tr(&c, "监测预警规则", "Flag rules"),
        notice: q.ok.unwrap_or_default(),
        version: stored.version,
        rows: threshold_rows(&c, &stored.rules),
        can_edit: web.app.may_set_assist_rules(login),
        problems: vec![],
        c,
    };
    Ok(render(&page))
}

async fn flag_rules_post(
    State(web): State<Shared>,
    who: PageUser,
    Form(form): Form<Fields>,
) -> Result<Response, Response> {
    let c = who.chrome(&web, "/assist/flags/rules");
    check_form(&c, &who, &form)?;
    may_set(
        &web,
        &who,
        &c,
        "无权修改监测预警规则",
        "Not allowed to change the flag rules",
    )?;
    let version: i64 = field(&form, "version")
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or(0);
    let stored = web.app.assist_flag_rules().await.map_err(|e| c.error(e))?;
    let mut rows = threshold_rows(&c, &stored.rules);
    let mut problems = Vec::new();
    let mut rules = stored.rules.clone();
    for (row, (key, zh, _, unit, _)) in rows.iter_mut().zip(THRESHOLDS) {
        let text = field(&form, key).unwrap_or("").trim().to_string();
        row.value = text.clone();
        let whole = !matches!(key, "income_drop_pct" | "medical_yuan");
        let value = number(&text, unit).filter(|v| !whole || v.fract() == 0.0);
        let Some(v) = value else {
            row.err = if whole {
                format!("应为整数({unit})")
            } else {
                format!("应为数字({unit})")
            };
            problems.push(format!("“{zh}”:“{text}”{}", row.err));
            continue;
        };
        match key {
            "income_drop_pct" => rules.income_drop_pct = v,
            "medical_yuan" => rules.medical_yuan = v,
            "missed_visit_days" => rules.missed_visit_days = v as i64,
            "review_months" => rules.review_months = v.clamp(0.0, 1000.0) as u32,
            "expiry_warn_days" => rules.expiry_warn_days = v as i64,
            _ => rules.handle_days = v as i64,
        }
    }
    if problems.is_empty() {
        for (key, text) in rules.field_problems() {
            if let Some((row, (_, zh, ..))) =
                rows.iter_mut().zip(THRESHOLDS).find(|(r, _)| r.key == key)
            {
                row.err = text.clone();
                problems.push(format!("“{zh}”:{text}"));
            }
        }
    }
    if !problems.is_empty() {
        let page = FlagRulesPage {
            title: tr(&c, "监测预警规则", "Flag rules"),
            notice: String::new(),
            version,
            rows,
            can_edit: true,
            problems,
            c,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    web.app
        .save_assist_flag_rules(&who.user.login, rules, version)
        .await
        .map_err(|e| c.error(e))?;
    Ok(back_to(
        "/assist/flags/rules",
        &tr(&c, "已保存监测预警规则", "Flag rules saved"),
    ))
}
