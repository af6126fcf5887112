//! The public answer page of a survey round (调查答卷页, issue 17 point 2): no sign-in,
//! Chinese first, phone first, a plain HTML form that works without JavaScript.
//!
//! - `/s/{round}?t=TOKEN` and `/s/t/{TOKEN}`: with a single-use invitation;
//! - `/s/{round}`: the open link when the round offers one (the respondent names the
//!   town; the answers are kept apart, never in the index), else a box for the
//!   invitation code;
//! - `POST /s/{round}`: checked against the form, every problem shown next to its
//!   question; then `/s/{round}/thanks`.
//!
//! Every question is shown, each with its condition stated in words (server-side
//! `relevant`): an answer to a question that turns out not to apply is dropped, not
//! refused. The bot barrier: a honeypot field (`website`, hidden from people) and the
//! time the form was shown, signed (`stamp`): a form sent back faster than
//! [`youxiang_app::survey_fieldwork::MIN_FILL_SECONDS`] is refused. Rate-limited per
//! address with the public pages' limiter. No inline script (the site's CSP).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use youxiang_app::survey_fieldwork::{Refused, Via, checked_answers};
use youxiang_core::survey::expr::{CmpOp, Expr};
use youxiang_core::survey::form::{AnswerProblem, Form as SurveyForm, QuestionType};

use crate::Shared;
use crate::download::pct;
use crate::layout::{Fields, is_en, render};

/// The answer pages, behind the public pages' per-address rate limit.
pub fn routes(web: Shared) -> Router<Shared> {
    Router::new()
        .route("/s/t/{token}", get(by_token))
        .route("/s/{round}", get(page).post(submit))
        .route("/s/{round}/thanks", get(thanks))
        .route_layer(axum::middleware::from_fn_with_state(
            web,
            crate::public::limit,
        ))
}

/// One question (or group bound, or note) as the form shows it.
pub struct QuestionView {
    /// `group`, `end`, `note`, `one`, `many`, `integer`, `decimal`, `text`.
    pub kind: &'static str,
    pub name: String,
    pub label: String,
    pub hint: String,
    pub required: bool,
    /// When it applies, in words (empty: always).
    pub condition: String,
    /// `(name, label, checked)`.
    pub choices: Vec<(String, String, bool)>,
    pub value: String,
    /// The problems found with this question's answer.
    pub errors: Vec<String>,
}

fn text_of(texts: &BTreeMap<String, String>, form: &SurveyForm, en: bool) -> String {
    let lang = if en {
        "English"
    } else {
        form.settings.default_language.as_str()
    };
    texts
        .get(lang)
        .or_else(|| texts.get(&form.settings.default_language))
        .or_else(|| texts.values().next())
        .cloned()
        .unwrap_or_default()
}

/// A `relevant` expression in words, with the questions' and choices' labels.
fn words(form: &SurveyForm, e: &Expr, en: bool) -> String {
    let label = |n: &str| {
        form.question(n)
            .map(|q| text_of(&q.label, form, en))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| n.to_string())
    };
    let choice = |of: &Expr, v: &str| {
        let list = match of {
            Expr::Ref(n) => form
                .question(n)
                .and_then(|q| q.kind.list().map(String::from)),
            _ => None,
        };
        list.and_then(|l| {
            form.list(&l)
                .find(|c| c.name == v)
                .map(|c| text_of(&c.label, form, en))
        })
        .unwrap_or_else(|| v.to_string())
    };
    let q = |s: String| {
        if en {
            format!("\"{s}\"")
        } else {
            format!("“{s}”")
        }
    };
    match e {
        Expr::Dot => (if en { "this answer" } else { "本题答案" }).into(),
        Expr::Ref(n) => q(label(n)),
        Expr::Num(x) => x.to_string(),
        Expr::Str(s) => q(s.clone()),
        Expr::Bool(b) => match (b, en) {
            (true, false) => "是".into(),
            (false, false) => "否".into(),
            (true, true) => "true".into(),
            (false, true) => "false".into(),
        },
        Expr::Cmp(a, op, b) => {
            if let (Expr::Ref(_), CmpOp::Eq | CmpOp::Ne, Expr::Str(v)) = (&**a, op, &**b) {
                let picked = q(choice(a, v));
                let is = matches!(op, CmpOp::Eq);
                return match (en, is) {
                    (false, true) => format!("{}选{picked}", words(form, a, en)),
                    (false, false) => format!("{}未选{picked}", words(form, a, en)),
                    (true, true) => format!("{} is {picked}", words(form, a, en)),
                    (true, false) => format!("{} is not {picked}", words(form, a, en)),
                };
            }
            let sign = match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "≠",
                CmpOp::Lt => "<",
                CmpOp::Le => "≤",
                CmpOp::Gt => ">",
                CmpOp::Ge => "≥",
            };
            format!("{} {sign} {}", words(form, a, en), words(form, b, en))
        }
        Expr::And(a, b) => format!(
            "{}{}{}",
            words(form, a, en),
            if en { " and " } else { ",且" },
            words(form, b, en)
        ),
        Expr::Or(a, b) => format!(
            "{}{}{}",
            words(form, a, en),
            if en { " or " } else { ",或" },
            words(form, b, en)
        ),
        Expr::Not(a) => {
            if en {
                format!("not ({})", words(form, a, en))
            } else {
                format!("并非({})", words(form, a, en))
            }
        }
        Expr::Selected(of, v) => {
            if en {
                format!("{} includes {}", words(form, of, en), q(choice(of, v)))
            } else {
                format!("{}选了{}", words(form, of, en), q(choice(of, v)))
            }
        }
        Expr::CountSelected(of) => {
            if en {
                format!("the number of choices in {}", words(form, of, en))
            } else {
                format!("{}所选项数", words(form, of, en))
            }
        }
    }
}

fn condition(form: &SurveyForm, relevant: &str, en: bool) -> String {
    if relevant.trim().is_empty() {
        return String::new();
    }
    match youxiang_core::survey::form::parse_expr(relevant) {
        Some(e) => {
            let w = words(form, &e, en);
            if en {
                format!("Only if {w}")
            } else {
                format!("仅当{w}时作答")
            }
        }
        None => String::new(),
    }
}

/// The questions of `form` as the page shows them, with the values sent and each
/// question's problems.
pub fn question_views(
    form: &SurveyForm,
    values: &BTreeMap<String, String>,
    problems: &[AnswerProblem],
    en: bool,
) -> Vec<QuestionView> {
    form.survey
        .iter()
        .map(|q| {
            let value = values.get(&q.name).cloned().unwrap_or_default();
            let picked: Vec<&str> = value.split_whitespace().collect();
            let choices = q
                .kind
                .list()
                .map(|l| {
                    form.list(l)
                        .map(|c| {
                            (
                                c.name.clone(),
                                text_of(&c.label, form, en),
                                picked.contains(&c.name.as_str()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            QuestionView {
                kind: match q.kind {
                    QuestionType::BeginGroup => "group",
                    QuestionType::EndGroup => "end",
                    QuestionType::Note => "note",
                    QuestionType::SelectOne(_) => "one",
                    QuestionType::SelectMultiple(_) => "many",
                    QuestionType::Integer => "integer",
                    QuestionType::Decimal => "decimal",
                    QuestionType::Text => "text",
                },
                name: q.name.clone(),
                label: text_of(&q.label, form, en),
                hint: text_of(&q.hint, form, en),
                required: q.required,
                condition: condition(form, &q.relevant, en),
                choices,
                value,
                errors: problems
                    .iter()
                    .filter(|p| p.question == q.name)
                    .map(|p| p.reason.clone())
                    .collect(),
            }
        })
        .collect()
}

/// The answers in a posted form: each question's values (a `select_multiple`'s checked
/// boxes joined by spaces).
pub fn posted_values(form: &SurveyForm, fields: &Fields) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in fields {
        if form.question(k).is_none_or(|q| !q.kind.is_answered()) || v.trim().is_empty() {
            continue;
        }
        let e = out.entry(k.clone()).or_default();
        if !e.is_empty() {
            e.push(' ');
        }
        e.push_str(v.trim());
    }
    out
}

#[derive(Template)]
#[template(path = "survey_public.html")]
struct AnswerPage {
    en: bool,
    demo: bool,
    title: String,
    round: String,
    round_path: String,
    /// The invitation, when answering with one.
    token: String,
    /// Ask for the invitation code (no token, no open link).
    ask_token: bool,
    /// The open link: the respondent picks a town.
    strata: Vec<(String, String, bool)>,
    stamp: String,
    notice: String,
    questions: Vec<QuestionView>,
    error_count: usize,
}

#[derive(Template)]
#[template(path = "survey_message.html")]
struct MessagePage {
    en: bool,
    demo: bool,
    title: String,
    lines: Vec<String>,
    back: String,
}

fn message(
    web: &Shared,
    en: bool,
    status: StatusCode,
    title: &str,
    line: String,
    back: String,
) -> Response {
    let mut r = render(&MessagePage {
        en,
        demo: web.app.is_demo(),
        title: title.to_string(),
        lines: vec![line],
        back,
    });
    *r.status_mut() = status;
    r
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What the answer page needs besides the answers: the token or the stratum.
struct Ask<'a> {
    token: Option<&'a str>,
    stratum: &'a str,
    notice: String,
    values: BTreeMap<String, String>,
    problems: Vec<AnswerProblem>,
}

async fn answer_page(web: &Shared, en: bool, round: &str, ask: Ask<'_>) -> Response {
    let r = match web.app.survey_round(round).await {
        Ok(r) => r.item,
        Err(_) => {
            return message(
                web,
                en,
                StatusCode::NOT_FOUND,
                if en {
                    "Survey not found"
                } else {
                    "未找到调查"
                },
                if en {
                    "There is no such survey. Please check the link.".into()
                } else {
                    "没有这项调查,请核对链接。".into()
                },
                String::new(),
            );
        }
    };
    let open = web.app.survey_round_is_open(round).await.unwrap_or(false);
    if !open {
        return message(
            web,
            en,
            StatusCode::GONE,
            if en {
                "The survey has ended"
            } else {
                "调查已结束"
            },
            Refused::Closed.message(),
            String::new(),
        );
    }
    let open_link = web
        .app
        .survey_fieldwork_settings(round)
        .await
        .is_ok_and(|f| f.open_link);
    let ask_token = ask.token.is_none() && !open_link;
    let strata = if ask.token.is_none() && open_link {
        web.app
            .survey_strata(round)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(c, n, _)| {
                let picked = c == ask.stratum;
                (c, n, picked)
            })
            .collect()
    } else {
        Vec::new()
    };
    let title = if r.form.settings.form_title.is_empty() {
        r.name.clone()
    } else {
        r.form.settings.form_title.clone()
    };
    let status = if ask.problems.is_empty() && ask.notice.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&AnswerPage {
        en,
        demo: web.app.is_demo(),
        title,
        round: r.name.clone(),
        round_path: pct(&r.name),
        token: ask.token.unwrap_or_default().to_string(),
        ask_token,
        strata,
        stamp: web.app.survey_form_stamp(&r.name, now()).await,
        notice: ask.notice,
        error_count: ask.problems.len(),
        questions: if ask_token {
            Vec::new()
        } else {
            question_views(&r.form, &ask.values, &ask.problems, en)
        },
    });
    *resp.status_mut() = status;
    resp
}

#[derive(Deserialize)]
struct PageQuery {
    t: Option<String>,
}

async fn page(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(round): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let en = is_en(&headers);
    let token = q.t.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = token
        && let Some(refusal) = token_refusal(&web, &round, t).await
    {
        return refused(&web, en, &round, refusal);
    }
    answer_page(
        &web,
        en,
        &round,
        Ask {
            token,
            stratum: "",
            notice: String::new(),
            values: BTreeMap::new(),
            problems: Vec::new(),
        },
    )
    .await
}

async fn by_token(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let en = is_en(&headers);
    match web.app.survey_token(&token).await {
        Ok(Some(info)) if info.used => refused(&web, en, &info.round, Refused::UsedToken),
        Ok(Some(info)) => {
            answer_page(
                &web,
                en,
                &info.round,
                Ask {
                    token: Some(&token),
                    stratum: "",
                    notice: String::new(),
                    values: BTreeMap::new(),
                    problems: Vec::new(),
                },
            )
            .await
        }
        _ => refused(&web, en, "", Refused::UnknownToken),
    }
}

/// Why a token cannot answer `round`, if it cannot.
async fn token_refusal(web: &Shared, round: &str, token: &str) -> Option<Refused> {
    match web.app.survey_token(token).await {
        Ok(Some(info)) if info.round == round => info.used.then_some(Refused::UsedToken),
        _ => Some(Refused::UnknownToken),
    }
}

fn refused(web: &Shared, en: bool, round: &str, r: Refused) -> Response {
    let (status, title) = match r {
        Refused::Closed => (
            StatusCode::GONE,
            if en {
                "The survey has ended"
            } else {
                "调查已结束"
            },
        ),
        Refused::UnknownToken => (
            StatusCode::NOT_FOUND,
            if en {
                "Invitation code not found"
            } else {
                "邀请码无效"
            },
        ),
        Refused::UsedToken => (
            StatusCode::CONFLICT,
            if en {
                "Invitation code already used"
            } else {
                "邀请码已使用"
            },
        ),
        Refused::NoOpenLink => (
            StatusCode::FORBIDDEN,
            if en {
                "An invitation code is needed"
            } else {
                "需要邀请码"
            },
        ),
        Refused::BadStratum(_) | Refused::Problems(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            if en { "Please correct" } else { "内容有误" },
        ),
    };
    let line = if en {
        match &r {
            Refused::Closed => "This survey no longer takes answers.".to_string(),
            Refused::UnknownToken => "Please check the code and try again.".to_string(),
            Refused::UsedToken => "Each invitation code can be used once.".to_string(),
            Refused::NoOpenLink => "This survey is answered with an invitation code.".to_string(),
            _ => "Please check your answers.".to_string(),
        }
    } else {
        r.message()
    };
    let back = if round.is_empty() {
        String::new()
    } else {
        format!("/s/{}", pct(round))
    };
    message(web, en, status, title, line, back)
}

async fn submit(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(round): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let en = is_en(&headers);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let Ok(r) = web.app.survey_round(&round).await else {
        return refused(&web, en, "", Refused::UnknownToken);
    };
    let thanks = Redirect::to(&format!("/s/{}/thanks", pct(&round))).into_response();
    // The honeypot: people never see it; a robot that fills it is thanked and forgotten.
    if !get("website").is_empty() {
        return thanks;
    }
    let token = get("t");
    let stratum = get("stratum");
    let values = posted_values(&r.item.form, &fields);
    let token_ref = (!token.is_empty()).then_some(token.as_str());
    let again = |notice: String, values, problems| Ask {
        token: token_ref,
        stratum: &stratum,
        notice,
        values,
        problems,
    };
    if let Err(why) = web
        .app
        .check_survey_form_stamp(&round, &get("stamp"), now())
        .await
    {
        return answer_page(&web, en, &round, again(why, values, Vec::new())).await;
    }
    let via = match token_ref {
        Some(t) => Via::Token(t),
        None => Via::Open(&stratum),
    };
    let today = web.app.today();
    match web
        .app
        .submit_survey_answer(&round, via, &values, today)
        .await
    {
        Ok(Ok(())) => thanks,
        Ok(Err(Refused::Problems(problems))) => {
            let (kept, _) = checked_answers(&r.item.form, &values);
            let notice = if en {
                format!("Please correct {} answer(s) marked below.", problems.len())
            } else {
                format!("有 {} 处需要修改,见下方标出的题目。", problems.len())
            };
            answer_page(&web, en, &round, again(notice, kept, problems)).await
        }
        Ok(Err(Refused::BadStratum(_))) if token_ref.is_none() => {
            let notice = if en {
                "Please choose your town.".to_string()
            } else {
                "请选择您所在的镇(街道)。".to_string()
            };
            answer_page(&web, en, &round, again(notice, values, Vec::new())).await
        }
        Ok(Err(other)) => refused(&web, en, &round, other),
        Err(e) => message(
            &web,
            en,
            StatusCode::SERVICE_UNAVAILABLE,
            if en {
                "Please try again"
            } else {
                "请稍后再试"
            },
            e.to_string(),
            format!("/s/{}", pct(&round)),
        ),
    }
}

async fn thanks(
    State(web): State<Shared>,
    headers: HeaderMap,
    Path(_round): Path<String>,
) -> Response {
    let en = is_en(&headers);
    message(
        &web,
        en,
        StatusCode::OK,
        if en {
            "Thank you"
        } else {
            "感谢您的参与"
        },
        if en {
            "Your answers have been received. They are used only for statistics.".into()
        } else {
            "您的答卷已提交。答案只用于统计,不会单独公开。".into()
        },
        String::new(),
    )
}
