//! The management loop (保障措施): 清单化管理, 周计划, 月排名, 随时督办.
//!
//! - `work`: key tasks and major projects as work items with milestones, investment and
//!   progress updates;
//! - `assess`: the yearly assessment (考核评价) by a configurable scheme;
//! - `projects`: the register of major projects and the 民生实事 list, their lights;
//! - `weekly`: ISO weeks, weekly plans, carry-over and the week view;
//! - `rank`: the monthly ranking by methods §4, its rule printed with it;
//! - `supervise`: supervision orders (督办单), their state machine, reminders,
//!   escalation and per-unit statistics.
//!
//! Pure like the rest of core: time is passed in, nothing is stored here.

pub mod assess;
pub mod projects;
pub mod rank;
pub mod supervise;
pub mod weekly;
pub mod work;

pub use rank::{
    DomainScore, IndicatorInput, IndicatorScore, Mark, RankBy, RankRow, RankRule, RankTerm,
    Ranking, TermKind, TermScore, UnitInput, flag_runs, rank,
};
pub use supervise::{
    ActionKind, EscalationRule, Extension, Order, OrderAction, OrderDraft, OrderError, OrderEvent,
    OrderSource, OrderState, ReviewCheck, ReviewChecklist, UnitOrderStats, unit_stats,
};
pub use weekly::{
    FilerKind, IsoWeek, IsoWeekError, LinkGroup, LinkedItem, WeekItem, WeekItemStatus, WeekLink,
    WeekRow, WeekView, WeeklyPlan, carry_over,
};
pub use work::{
    AttachmentRef, Milestone, MilestoneTrack, ProgressUpdate, WorkItem, WorkKind, WorkProblem,
    YearInvestment, milestone_track, unit_on_time_rates,
};
