//! 调查实施 (issue 17, point 2): invitations as single-use tokens, the public answer page's
//! submissions, answers entered by staff from paper or telephone, and a round's close.
//!
//! Records:
//! - `survey_token` (id: the SHA-256 of the token, never the token; body: [`TokenBody`],
//!   state `unused` → `used`). A token is drawn per stratum from the round's frame, or
//!   handed in as a list, and shown once, when issued.
//! - `survey_response` (id: `ROUND/` and 16 random hexadecimal digits; body:
//!   [`ResponseBody`], state: the mode). A response carries no token and no hash of one.
//! - An answer from the public page (an invitation's or the open link's) is not written
//!   as a response at once: it goes into the store's pool (`youxiang_store::pool`, a
//!   `survey_pending` record whose audit row carries only a salted commitment) in the same
//!   transaction as the token's use (its expected version: of two submissions of one
//!   token exactly one commits, the other is a conflict). The pool's answers of a stratum
//!   and mode are released together once there are [`SURVEY_BATCH`] of them, or whatever
//!   there are at the round's close: new random ids, the release's time, one audit row per
//!   batch. So neither the responses (ids, order, times) nor the audit trail pairs an
//!   answer with its token; until released, an answer counts only as 待汇总.
//! - `survey_fieldwork` (id: the round; body: [`Fieldwork`]): whether an open link is
//!   offered.
//!
//! Answers from the open link are kept apart ([`AnswerMode::Open`]) and never enter the
//! index (`App::survey_answers` reads only token, paper and telephone answers besides the
//! imported ones).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use youxiang_core::survey::form::{Answer, AnswerProblem, Form};
use youxiang_store::{PendingAnswer, RecordFilter, RecordWrite, Release, StoreError};

use crate::manage::{Versioned, forbid, versioned};
use crate::survey::{KIND_SURVEY_ROUND, SurveyRound};
use crate::{App, AppError, Result};

pub const KIND_SURVEY_TOKEN: &str = "survey_token";
pub const KIND_SURVEY_RESPONSE: &str = "survey_response";
pub const KIND_SURVEY_FIELDWORK: &str = "survey_fieldwork";

/// The audit's actor of an answer from the public page (nobody is signed in).
pub const PUBLIC_ACTOR: &str = "公众答卷";

/// At most this many tokens in one issue.
pub const MAX_TOKENS: u32 = 20_000;

/// The public page's answers of one stratum and mode are released into the round in
/// batches of this many (all that wait at the round's close).
pub const SURVEY_BATCH: usize = 5;

/// The record kind of an answer waiting to be released (the store's pool).
pub const KIND_SURVEY_PENDING: &str = youxiang_store::pool::PENDING_KIND;

/// How an answer reached the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerMode {
    /// On the public page with a single-use invitation.
    Token,
    /// On the public page through the open link: kept apart, never in the index.
    Open,
    /// Entered by staff from a paper questionnaire.
    Paper,
    /// Entered by staff from a telephone interview.
    Phone,
}

impl AnswerMode {
    pub const ALL: [AnswerMode; 4] = [
        AnswerMode::Token,
        AnswerMode::Open,
        AnswerMode::Paper,
        AnswerMode::Phone,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AnswerMode::Token => "token",
            AnswerMode::Open => "open",
            AnswerMode::Paper => "paper",
            AnswerMode::Phone => "phone",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AnswerMode::Token => "邀请码答卷",
            AnswerMode::Open => "公开链接",
            AnswerMode::Paper => "纸质",
            AnswerMode::Phone => "电话",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AnswerMode::Token => "invitation",
            AnswerMode::Open => "open link",
            AnswerMode::Paper => "paper",
            AnswerMode::Phone => "telephone",
        }
    }

    /// Whether its answers enter the index (all but the open link's).
    pub fn in_index(self) -> bool {
        self != AnswerMode::Open
    }

    /// A mode staff may enter (paper or telephone).
    pub fn parse_staff(text: &str) -> Option<AnswerMode> {
        match text.trim() {
            "paper" | "纸质" => Some(AnswerMode::Paper),
            "phone" | "电话" => Some(AnswerMode::Phone),
            _ => None,
        }
    }
}

/// A token as stored (under the hash of the token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenBody {
    pub round: String,
    pub stratum: String,
    /// Which issue of the round it came with (1, 2, …).
    pub list: u32,
    pub issued_on: NaiveDate,
}

/// One answer as stored: no token, no hash. Staff's answers carry the day they were
/// entered; the public page's none (their record's time is the batch's release).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseBody {
    pub round: String,
    pub mode: AnswerMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
    #[serde(flatten)]
    pub answer: Answer,
}

/// A round's fieldwork settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fieldwork {
    /// An open link (`/s/{round}` without a token) is offered.
    #[serde(default)]
    pub open_link: bool,
}

/// How many tokens to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenDraw {
    /// The same number in every stratum of the frame (the towns without a frame).
    PerStratum(u32),
    /// This many in all, shared by the strata in proportion to their population (at least
    /// one each, largest remainders).
    Total(u32),
}

/// A token handed out: shown once, when issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedToken {
    pub stratum: String,
    pub stratum_name: String,
    pub token: String,
}

/// An issue of tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenList {
    pub round: String,
    pub list: u32,
    pub tokens: Vec<IssuedToken>,
}

/// A token as the answer page sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub round: String,
    pub stratum: String,
    pub used: bool,
}

/// Where a round's fieldwork stands, per stratum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldworkSummary {
    pub round: String,
    pub open: bool,
    pub open_link: bool,
    pub strata: Vec<StratumFieldwork>,
    /// Answers from the open link (apart, never in the index).
    pub open_link_answers: usize,
    /// Answers from the open link waiting to be released (待汇总).
    #[serde(default)]
    pub open_link_pending: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StratumFieldwork {
    pub stratum: String,
    pub name: String,
    pub tokens_issued: usize,
    pub tokens_used: usize,
    /// Answers by mode code (token, paper, phone), released.
    pub answers: BTreeMap<String, usize>,
    /// Invitations' answers waiting to be released (待汇总): counted in no index yet.
    #[serde(default)]
    pub pending: usize,
}

/// Who submits an answer.
#[derive(Debug, Clone, Copy)]
pub enum Via<'a> {
    /// The public page with an invitation.
    Token(&'a str),
    /// The public page's open link, with the stratum the respondent chose.
    Open(&'a str),
    /// A signed-in user entering a paper or telephone answer for a stratum.
    Staff {
        login: &'a str,
        stratum: &'a str,
        mode: AnswerMode,
    },
}

/// Why an answer was not kept, for the page to say so.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// The round is closed.
    Closed,
    /// No such token (or not of this round).
    UnknownToken,
    /// The token was used already.
    UsedToken,
    /// The round offers no open link.
    NoOpenLink,
    /// The stratum is not in the round's frame (or the place tree).
    BadStratum(String),
    /// The answers, question by question.
    Problems(Vec<AnswerProblem>),
}

impl Refused {
    pub fn message(&self) -> String {
        match self {
            Refused::Closed => "本轮调查已结束,不再接收答卷".into(),
            Refused::UnknownToken => "邀请码无效:请核对后重新输入".into(),
            Refused::UsedToken => "该邀请码已使用过,每个邀请码只能提交一次".into(),
            Refused::NoOpenLink => "本轮调查不开放公开链接,请使用邀请码作答".into(),
            Refused::BadStratum(s) => format!("镇(街道)“{s}”不在本轮调查范围内"),
            Refused::Problems(p) => format!("答卷有 {} 处问题", p.len()),
        }
    }

    fn into_error(self) -> AppError {
        match self {
            Refused::UnknownToken => AppError::NotFound("邀请码".into()),
            Refused::UsedToken => AppError::Store(StoreError::Conflict("该邀请码已使用过".into())),
            Refused::Closed => AppError::Store(StoreError::Conflict(Refused::Closed.message())),
            Refused::NoOpenLink => AppError::Forbidden(vec![Refused::NoOpenLink.message()]),
            Refused::Problems(p) => AppError::Invalid(
                p.iter()
                    .map(|p| format!("{}:{}(“{}”)", p.question, p.reason, p.value))
                    .collect(),
            ),
            other => AppError::Invalid(vec![other.message()]),
        }
    }
}

/// A token as typed: upper case, without spaces and dashes.
pub fn normalize_token(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The record id of a token: the hexadecimal SHA-256 of its normal form.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(normalize_token(token).as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// No 0/O, 1/I: a token is typed from paper.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new token: 12 characters of 32 (60 bits) as `XXXX-XXXX-XXXX`.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    let mut out = String::with_capacity(14);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[(*b & 31) as usize] as char);
    }
    Ok(out)
}

fn random_hex(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    Ok(hex(&bytes))
}

/// The answers as the public page sends them, with those of questions that are not
/// relevant (the page shows every question, each with its condition) left out, and the
/// problems of what remains. Without JavaScript a respondent may have answered a question
/// a later answer makes irrelevant: that answer is dropped, not refused.
pub fn checked_answers(
    form: &Form,
    values: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<AnswerProblem>) {
    let mut values: BTreeMap<String, String> = values
        .iter()
        .filter(|(k, v)| form.question(k).is_some() && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    loop {
        let problems = form.check_answer(&values);
        let irrelevant: Vec<String> = problems
            .iter()
            .filter(|p| p.reason.starts_with("按跳转条件"))
            .map(|p| p.question.clone())
            .collect();
        if irrelevant.is_empty() {
            return (values, problems);
        }
        for q in irrelevant {
            values.remove(&q);
        }
    }
}

// ---- the bot barrier -------------------------------------------------------------------

/// A form filled faster than this is a robot's.
pub const MIN_FILL_SECONDS: i64 = 3;
/// A form older than this is stale (asked again).
pub const MAX_FILL_SECONDS: i64 = 24 * 3600;

/// The record kind of the server's secrets (one record per secret).
pub const KIND_SERVER_SECRET: &str = "server_secret";
/// The id of the bot barrier's key.
const STAMP_SECRET: &str = "survey_stamp";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SecretBody {
    /// 32 random bytes, hexadecimal.
    key: String,
}

/// A key of this process only: used when the database cannot give its key (the form then
/// returns only to this server, as before).
fn process_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut k = [0u8; 32];
        if getrandom::fill(&mut k).is_err() {
            let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
            k[..8].copy_from_slice(&t.to_le_bytes());
        }
        k
    })
}

fn stamp_mac(key: &[u8], round: &str, secs: i64) -> String {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(round.as_bytes());
    mac.update(b"\n");
    mac.update(secs.to_string().as_bytes());
    hex(&mac.finalize().into_bytes()[..16])
}

/// The hidden field of a form shown at `now` (Unix seconds): the time, signed with `key`.
pub fn survey_stamp(key: &[u8], round: &str, now: i64) -> String {
    format!("{now}.{}", stamp_mac(key, round, now))
}

/// Checks a form's stamp at `now`: signed with `key`, filled in no less than
/// [`MIN_FILL_SECONDS`] and no more than [`MAX_FILL_SECONDS`].
pub fn check_survey_stamp(
    key: &[u8],
    round: &str,
    stamp: &str,
    now: i64,
) -> std::result::Result<(), String> {
    let bad = || "表单已失效,请重新打开问卷页面作答".to_string();
    let (secs, mac) = stamp.split_once('.').ok_or_else(bad)?;
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    let expected = stamp_mac(key, round, secs);
    if expected.len() != mac.len()
        || expected
            .bytes()
            .zip(mac.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0
    {
        return Err(bad());
    }
    let took = now - secs;
    if took < MIN_FILL_SECONDS {
        return Err("提交过快,请确认答案后再提交".into());
    }
    if took > MAX_FILL_SECONDS {
        return Err(bad());
    }
    Ok(())
}

impl App {
    /// The bot barrier's key, kept once in the database (a `server_secret` record, created
    /// on first use by whichever server asks first): every server over the database, and
    /// the same server after a restart, accepts the forms the others showed. It guards only
    /// the bot barrier (the audit's readers can see it), never a personal datum.
    pub async fn survey_stamp_key(&self) -> Result<Vec<u8>> {
        for _ in 0..2 {
            if let Some(r) = self
                .db()
                .get_record(KIND_SERVER_SECRET, STAMP_SECRET)
                .await?
            {
                let b: SecretBody = r.decode()?;
                return (0..b.key.len())
                    .step_by(2)
                    .map(|i| {
                        b.key
                            .get(i..i + 2)
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .ok_or_else(|| AppError::Internal("防机器人密钥已损坏".into()))
                    })
                    .collect();
            }
            let mut k = [0u8; 32];
            getrandom::fill(&mut k).map_err(|e| AppError::Internal(e.to_string()))?;
            let w = RecordWrite::of(
                KIND_SERVER_SECRET,
                STAMP_SECRET,
                &SecretBody { key: hex(&k) },
                None,
                "server_secret.create",
            )?;
            match self.db().put_records(&[w], "system").await {
                Ok(_) => return Ok(k.to_vec()),
                // Another server created it at the same time: read theirs.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Internal("防机器人密钥无法保存".into()))
    }

    async fn stamp_key_or_process(&self) -> Vec<u8> {
        match self.survey_stamp_key().await {
            Ok(k) => k,
            Err(e) => {
                eprintln!("youxiang: 防机器人密钥无法读取,暂用本进程的密钥:{e}");
                process_key().to_vec()
            }
        }
    }

    /// The hidden field of a round's form shown now (`now`: Unix seconds).
    pub async fn survey_form_stamp(&self, round: &str, now: i64) -> String {
        survey_stamp(&self.stamp_key_or_process().await, round, now)
    }

    /// Checks a form's stamp (see [`check_survey_stamp`]) with the database's key.
    pub async fn check_survey_form_stamp(
        &self,
        round: &str,
        stamp: &str,
        now: i64,
    ) -> std::result::Result<(), String> {
        check_survey_stamp(&self.stamp_key_or_process().await, round, stamp, now)
    }
}

impl App {
    async fn round_record(&self, round: &str) -> Result<(Versioned<SurveyRound>, String)> {
        let r = self
            .db()
            .get_record(KIND_SURVEY_ROUND, round)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("调查轮次“{round}”")))?;
        Ok((versioned(&r)?, r.state.clone()))
    }

    /// Whether the round takes answers (opened, not closed).
    pub async fn survey_round_is_open(&self, round: &str) -> Result<bool> {
        Ok(self.round_record(round).await?.1 != "closed")
    }

    /// The round's fieldwork settings (defaults when none were set).
    pub async fn survey_fieldwork_settings(&self, round: &str) -> Result<Fieldwork> {
        self.round_record(round).await?;
        match self.db().get_record(KIND_SURVEY_FIELDWORK, round).await? {
            Some(r) => Ok(r.decode()?),
            None => Ok(Fieldwork::default()),
        }
    }

    /// Offers or withdraws the open link of a round (the office only).
    pub async fn set_survey_open_link(&self, login: &str, round: &str, open: bool) -> Result<()> {
        self.office(login, "设置调查公开链接")?;
        self.round_record(round).await?;
        let before = self.db().get_record(KIND_SURVEY_FIELDWORK, round).await?;
        let w = RecordWrite::of(
            KIND_SURVEY_FIELDWORK,
            round,
            &Fieldwork { open_link: open },
            before.map(|r| r.version),
            "survey_fieldwork.edit",
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    /// Closes a round (the office only): no answer is taken after it.
    pub async fn close_survey_round(&self, login: &str, round: &str) -> Result<()> {
        self.office(login, "结束调查轮次")?;
        let (r, state) = self.round_record(round).await?;
        if state == "closed" {
            return Err(AppError::Invalid(vec![format!("调查轮次“{round}”已结束")]));
        }
        let w = RecordWrite::of(
            KIND_SURVEY_ROUND,
            round,
            &r.item,
            Some(r.version),
            "survey_round.close",
        )?
        .state("closed");
        // Every answer still waiting is released with the close, whatever its group holds.
        self.db()
            .put_pooled(&[w], None, round, Release::All, login)
            .await?;
        Ok(())
    }

    /// How many of the public page's answers of a round wait to be released, per stratum
    /// and mode (counts only: a waiting answer is read by nobody).
    pub async fn survey_pending(
        &self,
        round: &str,
    ) -> Result<BTreeMap<(String, AnswerMode), usize>> {
        #[derive(Deserialize)]
        struct Waiting {
            round: String,
        }
        let mut out = BTreeMap::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_SURVEY_PENDING))
            .await?
        {
            let w: Waiting = r.decode()?;
            let mode =
                serde_json::from_value::<AnswerMode>(serde_json::Value::String(r.state.clone()));
            if let (true, Ok(mode)) = (w.round == round, mode) {
                *out.entry((r.unit.clone(), mode)).or_default() += 1;
            }
        }
        Ok(out)
    }

    /// The strata of a round: its frame's, else the towns (the district's children).
    pub async fn survey_strata(&self, round: &str) -> Result<Vec<(String, String, u64)>> {
        let r = self.round_record(round).await?.0.item;
        let s = self.read();
        let name = |code: &str| {
            s.tree
                .by_code(code)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        if !r.frame.is_empty() {
            return Ok(r
                .frame
                .iter()
                .map(|f| (f.stratum.clone(), name(&f.stratum), f.population))
                .collect());
        }
        let district = s.tree.id(&s.plan.place).or_else(|| s.tree.roots().next());
        Ok(district
            .map(|d| {
                s.tree
                    .children(d)
                    .iter()
                    .map(|c| {
                        let p = s.tree.get(*c);
                        (p.code.clone(), p.name.clone(), 0)
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Draws new tokens for a round (the office only), per stratum or sized by the frame;
    /// the tokens are returned once and stored only as their hashes.
    pub async fn issue_survey_tokens(
        &self,
        login: &str,
        round: &str,
        draw: TokenDraw,
        today: NaiveDate,
    ) -> Result<TokenList> {
        self.office(login, "发放调查邀请码")?;
        let strata = self.survey_strata(round).await?;
        if strata.is_empty() {
            return Err(AppError::Invalid(vec!["本轮没有可抽样的镇(街道)".into()]));
        }
        let counts = allocate(&strata, draw)?;
        let mut given = Vec::new();
        for ((code, _, _), n) in strata.iter().zip(counts) {
            for _ in 0..n {
                given.push((code.clone(), new_token()?));
            }
        }
        self.add_survey_tokens(login, round, &given, today).await
    }

    /// Keeps tokens handed in as a list (`(stratum, token)`; the office only), e.g. ones
    /// already printed: each stratum must be one of the round's, each token at least 8
    /// letters or digits and new.
    pub async fn add_survey_tokens(
        &self,
        login: &str,
        round: &str,
        tokens: &[(String, String)],
        today: NaiveDate,
    ) -> Result<TokenList> {
        self.office(login, "发放调查邀请码")?;
        let (_, state) = self.round_record(round).await?;
        if state == "closed" {
            return Err(Refused::Closed.into_error());
        }
        if tokens.is_empty() || tokens.len() > MAX_TOKENS as usize {
            return Err(AppError::Invalid(vec![format!(
                "一次发放 1 至 {MAX_TOKENS} 个邀请码"
            )]));
        }
        let strata: BTreeMap<String, String> = self
            .survey_strata(round)
            .await?
            .into_iter()
            .map(|(c, n, _)| (c, n))
            .collect();
        let existing = self
            .db()
            .list_records(&RecordFilter::kind(KIND_SURVEY_TOKEN))
            .await?;
        let list = 1 + existing
            .iter()
            .filter_map(|r| r.decode::<TokenBody>().ok())
            .filter(|b| b.round == round)
            .map(|b| b.list)
            .max()
            .unwrap_or(0);
        let known: BTreeSet<&str> = existing.iter().map(|r| r.id.as_str()).collect();
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        let mut writes = Vec::with_capacity(tokens.len());
        let mut out = Vec::with_capacity(tokens.len());
        for (i, (stratum, token)) in tokens.iter().enumerate() {
            let Some(name) = strata.get(stratum) else {
                problems.push(format!(
                    "第{}个:{}",
                    i + 1,
                    Refused::BadStratum(stratum.clone()).message()
                ));
                continue;
            };
            if normalize_token(token).len() < 8 {
                problems.push(format!("第{}个:邀请码至少 8 个字母或数字", i + 1));
                continue;
            }
            let id = token_hash(token);
            if known.contains(id.as_str()) || !seen.insert(id.clone()) {
                problems.push(format!("第{}个:邀请码重复", i + 1));
                continue;
            }
            let body = TokenBody {
                round: round.to_string(),
                stratum: stratum.clone(),
                list,
                issued_on: today,
            };
            writes.push(
                RecordWrite::of(KIND_SURVEY_TOKEN, &id, &body, None, "survey_token.issue")?
                    .unit(stratum)
                    .state("unused"),
            );
            out.push(IssuedToken {
                stratum: stratum.clone(),
                stratum_name: name.clone(),
                token: token.clone(),
            });
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        self.db().put_records(&writes, login).await?;
        Ok(TokenList {
            round: round.to_string(),
            list,
            tokens: out,
        })
    }

    /// A token's round and stratum, and whether it was used; `None`: no such token.
    pub async fn survey_token(&self, token: &str) -> Result<Option<TokenInfo>> {
        let Some(r) = self
            .db()
            .get_record(KIND_SURVEY_TOKEN, &token_hash(token))
            .await?
        else {
            return Ok(None);
        };
        let b: TokenBody = r.decode()?;
        Ok(Some(TokenInfo {
            round: b.round,
            stratum: b.stratum,
            used: r.state == "used",
        }))
    }

    /// Keeps one answer, checked against the round's form: with a token (marked used in
    /// the same transaction: one answer per token, whatever the concurrency), through the
    /// open link (kept apart) or entered by staff (the office, or a reporter whose places
    /// cover the stratum; audited under their login). The outer error is the machine's or
    /// the staff's permission; the inner one why the answer was refused.
    pub async fn submit_survey_answer(
        &self,
        round: &str,
        via: Via<'_>,
        values: &BTreeMap<String, String>,
        today: NaiveDate,
    ) -> Result<std::result::Result<(), Refused>> {
        let (r, state) = self.round_record(round).await?;
        if let Via::Staff { login, stratum, .. } = via {
            let who = self.user(login)?;
            let s = self.read();
            let allowed = who.role.is_office()
                || (who.role.can_report()
                    && s.tree
                        .id(stratum)
                        .is_some_and(|p| who.scope.covers_place(&s.tree, p)));
            if !allowed {
                return Err(forbid(&who, &format!("录入“{stratum}”的调查答卷")));
            }
        }
        if state == "closed" {
            return Ok(Err(Refused::Closed));
        }
        let mut token_write = None;
        let (stratum, mode, actor) = match via {
            Via::Token(token) => {
                let Some(t) = self
                    .db()
                    .get_record(KIND_SURVEY_TOKEN, &token_hash(token))
                    .await?
                else {
                    return Ok(Err(Refused::UnknownToken));
                };
                let body: TokenBody = t.decode()?;
                if body.round != round {
                    return Ok(Err(Refused::UnknownToken));
                }
                if t.state == "used" {
                    return Ok(Err(Refused::UsedToken));
                }
                let stratum = body.stratum.clone();
                token_write = Some(
                    RecordWrite::of(
                        KIND_SURVEY_TOKEN,
                        &t.id,
                        &body,
                        Some(t.version),
                        "survey_token.use",
                    )?
                    .unit(&t.unit)
                    .state("used"),
                );
                (stratum, AnswerMode::Token, PUBLIC_ACTOR.to_string())
            }
            Via::Open(stratum) => {
                if !self.survey_fieldwork_settings(round).await?.open_link {
                    return Ok(Err(Refused::NoOpenLink));
                }
                (
                    stratum.to_string(),
                    AnswerMode::Open,
                    PUBLIC_ACTOR.to_string(),
                )
            }
            Via::Staff {
                login,
                stratum,
                mode,
            } => {
                if !matches!(mode, AnswerMode::Paper | AnswerMode::Phone) {
                    return Err(AppError::Invalid(vec!["录入方式只能是纸质或电话".into()]));
                }
                (stratum.to_string(), mode, login.to_string())
            }
        };
        let strata = self.survey_strata(round).await?;
        if !strata.iter().any(|(c, _, _)| *c == stratum) {
            return Ok(Err(Refused::BadStratum(stratum)));
        }
        let (values, problems) = checked_answers(&r.item.form, values);
        if !problems.is_empty() {
            return Ok(Err(Refused::Problems(problems)));
        }
        let staff = matches!(mode, AnswerMode::Paper | AnswerMode::Phone);
        let body = ResponseBody {
            round: round.to_string(),
            mode,
            received_on: staff.then_some(today),
            answer: Answer {
                stratum: stratum.clone(),
                values,
            },
        };
        let kept = if staff {
            // Entered by staff under their login: no invitation to keep apart from.
            let id = format!("{round}/{}", random_hex(8)?);
            let w = RecordWrite::of(
                KIND_SURVEY_RESPONSE,
                &id,
                &body,
                None,
                "survey_response.add",
            )?
            .unit(&stratum)
            .state(mode.code());
            self.db().put_records(&[w], &actor).await.map(|_| ())
        } else {
            // The public page's: into the pool with the token's use, released in batches.
            let pending = PendingAnswer {
                round: round.to_string(),
                stratum: stratum.clone(),
                mode: mode.code().to_string(),
                body: serde_json::to_value(&body).map_err(|e| AppError::Internal(e.to_string()))?,
            };
            let writes: Vec<RecordWrite> = token_write.into_iter().collect();
            let kept = self
                .db()
                .put_pooled(
                    &writes,
                    Some(&pending),
                    round,
                    Release::WhenFull(SURVEY_BATCH),
                    &actor,
                )
                .await
                .map(|_| ());
            // A close that committed between the check above and this write released the
            // pool before this answer reached it: release it now.
            if kept.is_ok() && !self.survey_round_is_open(round).await? {
                self.db()
                    .put_pooled(&[], None, round, Release::All, &actor)
                    .await?;
            }
            kept
        };
        match kept {
            Ok(()) => Ok(Ok(())),
            Err(StoreError::Conflict(_)) if mode == AnswerMode::Token => {
                Ok(Err(Refused::UsedToken))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The same as [`App::submit_survey_answer`] with a refusal as an error (the API and
    /// the command line).
    pub async fn enter_survey_answer(
        &self,
        round: &str,
        via: Via<'_>,
        values: &BTreeMap<String, String>,
        today: NaiveDate,
    ) -> Result<()> {
        self.submit_survey_answer(round, via, values, today)
            .await?
            .map_err(Refused::into_error)
    }

    /// The answers of a round kept here (not imported), with their modes, in no
    /// particular order (ids are random).
    pub async fn survey_responses(&self, round: &str) -> Result<Vec<ResponseBody>> {
        let stored = self
            .db()
            .list_records(&RecordFilter {
                id_prefix: Some(format!("{round}/")),
                ..RecordFilter::kind(KIND_SURVEY_RESPONSE)
            })
            .await?;
        stored
            .iter()
            .map(|r| r.decode().map_err(AppError::from))
            .collect()
    }

    /// The answers of the public page and staff that enter the index (not the open
    /// link's).
    pub(crate) async fn fieldwork_answers(&self, round: &str) -> Result<Vec<Answer>> {
        Ok(self
            .survey_responses(round)
            .await?
            .into_iter()
            .filter(|r| r.mode.in_index())
            .map(|r| r.answer)
            .collect())
    }

    /// The open link's answers, apart.
    pub async fn open_link_answers(&self, round: &str) -> Result<Vec<Answer>> {
        Ok(self
            .survey_responses(round)
            .await?
            .into_iter()
            .filter(|r| !r.mode.in_index())
            .map(|r| r.answer)
            .collect())
    }

    /// Tokens issued and used and answers by mode, per stratum.
    pub async fn survey_fieldwork(&self, round: &str) -> Result<FieldworkSummary> {
        let (_, state) = self.round_record(round).await?;
        let settings = self.survey_fieldwork_settings(round).await?;
        let mut strata: Vec<StratumFieldwork> = self
            .survey_strata(round)
            .await?
            .into_iter()
            .map(|(stratum, name, _)| StratumFieldwork {
                stratum,
                name,
                tokens_issued: 0,
                tokens_used: 0,
                answers: BTreeMap::new(),
                pending: 0,
            })
            .collect();
        for t in self
            .db()
            .list_records(&RecordFilter::kind(KIND_SURVEY_TOKEN))
            .await?
        {
            let b: TokenBody = t.decode()?;
            if b.round != round {
                continue;
            }
            if let Some(s) = strata.iter_mut().find(|s| s.stratum == b.stratum) {
                s.tokens_issued += 1;
                s.tokens_used += usize::from(t.state == "used");
            }
        }
        let mut open_link_answers = 0;
        for r in self.survey_responses(round).await? {
            if !r.mode.in_index() {
                open_link_answers += 1;
            } else if let Some(s) = strata.iter_mut().find(|s| s.stratum == r.answer.stratum) {
                *s.answers.entry(r.mode.code().to_string()).or_default() += 1;
            }
        }
        let mut open_link_pending = 0;
        for ((stratum, mode), n) in self.survey_pending(round).await? {
            if !mode.in_index() {
                open_link_pending += n;
            } else if let Some(s) = strata.iter_mut().find(|s| s.stratum == stratum) {
                s.pending += n;
            }
        }
        Ok(FieldworkSummary {
            round: round.to_string(),
            open: state != "closed",
            open_link: settings.open_link,
            strata,
            open_link_answers,
            open_link_pending,
        })
    }
}

impl TokenList {
    /// The rows to print: number, stratum code and name, token, link (`base` the site's
    /// address, e.g. `https://example.gov.cn`; empty: the path alone).
    pub fn rows(&self, base: &str) -> Vec<[String; 5]> {
        let base = base.trim_end_matches('/');
        self.tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                [
                    (i + 1).to_string(),
                    t.stratum.clone(),
                    t.stratum_name.clone(),
                    t.token.clone(),
                    format!("{base}/s/t/{}", t.token),
                ]
            })
            .collect()
    }

    pub const HEADER: [&'static str; 5] = ["序号", "镇街编码", "镇(街道)", "邀请码", "答卷链接"];

    /// The list as CSV (UTF-8 with a BOM, for Excel).
    pub fn csv(&self, base: &str) -> Vec<u8> {
        let mut out = String::from("\u{feff}");
        out.push_str(&Self::HEADER.join(","));
        out.push_str("\r\n");
        for row in self.rows(base) {
            // No field holds a comma or a quote: codes, names of places, tokens, paths.
            let cells: Vec<String> = row.iter().map(|c| c.replace([',', '"'], " ")).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    /// The list as an Excel workbook, one sheet.
    pub fn xlsx(&self, base: &str) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let fail =
            |e: rust_xlsxwriter::XlsxError| AppError::Invalid(vec![format!("生成 Excel 失败:{e}")]);
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = book.add_worksheet();
        sheet.set_name("调查邀请码").map_err(fail)?;
        for (c, h) in Self::HEADER.iter().enumerate() {
            sheet
                .write_with_format(0, c as u16, *h, &bold)
                .map_err(fail)?;
        }
        for (r, row) in self.rows(base).iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet
                    .write(r as u32 + 1, c as u16, v.as_str())
                    .map_err(fail)?;
            }
        }
        book.save_to_buffer().map_err(fail)
    }
}

/// How many tokens each stratum gets.
fn allocate(strata: &[(String, String, u64)], draw: TokenDraw) -> Result<Vec<u32>> {
    let too_many = || AppError::Invalid(vec![format!("一次最多发放 {MAX_TOKENS} 个邀请码")]);
    match draw {
        TokenDraw::PerStratum(n) => {
            if n == 0 || u64::from(n) * strata.len() as u64 > u64::from(MAX_TOKENS) {
                return Err(too_many());
            }
            Ok(vec![n; strata.len()])
        }
        TokenDraw::Total(total) => {
            if total > MAX_TOKENS || (total as usize) < strata.len() {
                return Err(AppError::Invalid(vec![format!(
                    "总数应在 {} 至 {MAX_TOKENS} 之间(每个镇街至少 1 个)",
                    strata.len()
                )]));
            }
            let sum: u64 = strata.iter().map(|s| s.2).sum();
            if sum == 0 {
                return Err(AppError::Invalid(vec![
                    "按人口分配需要本轮的抽样框(各镇街人口)".into(),
                ]));
            }
            Ok(largest_remainders(
                &strata.iter().map(|s| s.2).collect::<Vec<_>>(),
                total,
            ))
        }
    }
}

/// `total` shared in proportion to `weights`, at least one each (the remainder by the
/// largest remainders).
fn largest_remainders(weights: &[u64], total: u32) -> Vec<u32> {
    let n = weights.len() as u64;
    let rest = u64::from(total) - n;
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut out: Vec<u64> = weights.iter().map(|w| 1 + rest * w / sum).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((rest * weights[i]) % sum));
    let given: u64 = out.iter().sum();
    for &i in order.iter().take((u64::from(total) - given) as usize) {
        out[i] += 1;
    }
    out.into_iter().map(|v| v as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_typed_back_whatever_the_case_and_dashes() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 14);
        assert_eq!(
            token_hash(&t),
            token_hash(&t.to_lowercase().replace('-', " "))
        );
        assert_ne!(token_hash(&t), token_hash(&new_token().unwrap()));
        assert!(!t.contains(['0', 'O', '1', 'I']));
    }

    #[test]
    fn shares_follow_the_population() {
        assert_eq!(largest_remainders(&[500, 300, 200], 13), vec![6, 4, 3]);
        assert_eq!(largest_remainders(&[1, 1_000_000], 2), vec![1, 1]);
        let s = largest_remainders(&[51_000, 42_000, 7], 100);
        assert_eq!(s.iter().sum::<u32>(), 100);
    }

    #[test]
    fn a_stamp_holds_only_for_its_round_and_after_the_minimum_time() {
        let k = [7u8; 32];
        let s = survey_stamp(&k, "r1", 1000);
        assert!(check_survey_stamp(&k, "r1", &s, 1000 + MIN_FILL_SECONDS).is_ok());
        assert!(
            check_survey_stamp(&[8u8; 32], "r1", &s, 1010).is_err(),
            "another key"
        );
        assert!(check_survey_stamp(&k, "r1", &s, 1001).is_err(), "too fast");
        assert!(
            check_survey_stamp(&k, "r2", &s, 1010).is_err(),
            "another round"
        );
        assert!(
            check_survey_stamp(&k, "r1", "999.00", 1010).is_err(),
            "forged"
        );
        assert!(check_survey_stamp(&k, "r1", &s, 1000 + MAX_FILL_SECONDS + 1).is_err());
    }
}
